"""Uninterrupted vs killed-and-resumed training: how many tensors differ.

For each config: train ``--max-iters`` iterations with a checkpoint every
``--interval`` (run A); train again, SIGKILL the process once
``iter_{K}.pth`` exists (K = ``--kill-after`` checkpoints) and resume with
``--resume`` to the end (run B); compare every tensor of the two final
checkpoints (model state dict: networks, EMA copies, pseudo-labeling state;
optimizer state) and print a table. ``tools/train.py`` sizes the workers
(the config's ``num_workers``, at most cores - 1) unless ``--num-workers``.

Example (the measurement of docs/reliability.md)::

    OMP_NUM_THREADS=1 python tests/resume_comparison.py --seed 3 \\
        --max-iters 60 --interval 10 --kill-after 2
"""
import argparse
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CASES = {
    'cmpl': ('configs/cmpl_r3d18q_synthetic.py', []),
    'cmpl-ema': ('configs/cmpl-ema_r3d18q_synthetic.py', []),
    'cmpl-flexmatch': ('configs/cmpl_r3d18q_synthetic.py',
                       ['model.semi_train_cfg.mask.type=FlexMatchThreshold']),
}


def tensors(tree, prefix=''):
    """``{dotted path: tensor}`` of every tensor in a nested dict / list."""
    found = {}
    if torch.is_tensor(tree):
        found[prefix] = tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            found.update(tensors(value, f'{prefix}.{key}' if prefix else
                                 str(key)))
    elif isinstance(tree, (list, tuple)):
        for i, value in enumerate(tree):
            found.update(tensors(value, f'{prefix}.{i}'))
    return found


def compare(path_a, path_b):
    """``(tensors, differing, worst (name, max abs diff))`` of two
    checkpoints' ``state_dict`` and ``optimizer``."""
    a, b = (torch.load(p, map_location='cpu', weights_only=False)
            for p in (path_a, path_b))
    ta = tensors(dict(state_dict=a['state_dict'], optimizer=a['optimizer']))
    tb = tensors(dict(state_dict=b['state_dict'], optimizer=b['optimizer']))
    assert ta.keys() == tb.keys(), set(ta) ^ set(tb)
    differing, worst = 0, ('', 0.0)
    for name, x in ta.items():
        y = tb[name]
        if x.shape != y.shape or not torch.equal(x, y):
            differing += 1
            diff = (x.double() - y.double()).abs().max().item() \
                if x.shape == y.shape else float('inf')
            if diff >= worst[1]:
                worst = (name, diff)
    return len(ta), differing, worst


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def kill_tree(pid):
    """SIGKILL ``pid`` and its descendants (torchrun starts its trainers
    in sessions of their own, out of reach of a process-group kill)."""
    pids, todo = [], [pid]
    while todo:
        parent = todo.pop()
        pids.append(parent)
        out = subprocess.run(['ps', '-o', 'pid=', '--ppid', str(parent)],
                             capture_output=True, text=True).stdout
        todo += [int(p) for p in out.split()]
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def train(config, work_dir, args, extra, resume=False, kill_at=None,
          nproc=1):
    options = [
        f'train_cfg.max_iters={args.max_iters}',
        f'default_hooks.checkpoint.interval={args.interval}',
        f'default_hooks.checkpoint.max_keep_ckpts={args.max_iters}'
    ] + extra
    tail = ['--work-dir', work_dir, '--seed', str(args.seed),
            '--no-validate'] + (['--resume'] if resume else []) + \
        (['--num-workers', str(args.num_workers)]
         if args.num_workers is not None else []) + \
        ['--cfg-options'] + options
    if nproc > 1:
        command = ['bash', 'tools/dist_train.sh', config, str(nproc)] + tail
    else:
        command = [sys.executable, 'tools/train.py', config] + tail
    env = dict(os.environ, OMP_NUM_THREADS='1', PORT=str(free_port()))
    os.makedirs(work_dir, exist_ok=True)
    log = open(osp.join(work_dir, f'console{int(resume)}.log'), 'w')
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log,
                            stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    if kill_at is None:
        assert proc.wait() == 0, open(log.name).read()[-3000:]
        return open(log.name).read()
    target = osp.join(work_dir, f'iter_{kill_at}.pth')
    pointer = osp.join(work_dir, 'last_checkpoint')
    while not (osp.exists(pointer) and open(pointer).read().strip()
               == target):
        assert proc.poll() is None, open(log.name).read()[-3000:]
        time.sleep(0.05)
    kill_tree(proc.pid)  # the launcher, the trainer(s), their workers
    proc.wait()
    return open(log.name).read()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cases', nargs='+', default=list(CASES),
                        choices=list(CASES))
    parser.add_argument('--seed', type=int, default=3)
    parser.add_argument('--max-iters', type=int, default=60)
    parser.add_argument('--interval', type=int, default=10)
    parser.add_argument('--kill-after', type=int, nargs='+', default=[2],
                        help='checkpoints written before the kill, per case '
                        '(cycled)')
    parser.add_argument('--num-workers', type=int, default=None)
    parser.add_argument('--nproc', type=int, default=1,
                        help='processes (gloo through tools/dist_train.sh)')
    parser.add_argument('--out', default='work_dirs/resume_comparison')
    args = parser.parse_args(argv)
    rows = []
    for n, case in enumerate(args.cases):
        config, extra = CASES[case]
        root = osp.join(args.out, f'{case}-np{args.nproc}')
        kill_at = args.interval * args.kill_after[n % len(args.kill_after)]
        train(config, osp.join(root, 'a'), args, extra, nproc=args.nproc)
        train(config, osp.join(root, 'b'), args, extra, kill_at=kill_at,
              nproc=args.nproc)
        log = train(config, osp.join(root, 'b'), args, extra, resume=True,
                    nproc=args.nproc)
        assert f'the sampler skipped {kill_at} batches' in log, log[-3000:]
        workers = [line for line in log.splitlines()
                   if 'num_workers' in line or 'worker' in line.lower()]
        final = f'iter_{args.max_iters}.pth'
        total, differing, worst = compare(
            osp.join(root, 'a', final), osp.join(root, 'b', final))
        rows.append((case, kill_at, total, differing, worst))
        print(f'{case}: resumed from {kill_at}: {differing} of {total} '
              f'tensors differ (worst {worst[0]} {worst[1]:.3g}); '
              f'{workers[:1]}', flush=True)
    print(f'\n| config | processes | resumed from | tensors | differing |')
    print('|---|---|---|---|---|')
    for case, kill_at, total, differing, worst in rows:
        print(f'| {case} | {args.nproc} | iter {kill_at} | {total} | '
              f'{differing} |')
    return int(any(row[3] for row in rows))


if __name__ == '__main__':
    sys.exit(main())
