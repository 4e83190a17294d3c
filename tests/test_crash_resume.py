"""Crash-safe checkpoints and exact resume (cmpl_mm.compat.crash_safe_checkpoints).

The end-to-end test trains CMPL with ``tools/train.py`` on the tiny dataset (a
checkpoint every iteration, one decoding worker), kills the process with
SIGKILL several times (seeded random moments, half of them while a checkpoint
is being written), resumes with ``--resume`` after each kill, and checks that
every checkpoint left behind loads with the safe loader, that no temporary file
is left or looks like a checkpoint, that each run continues from the last
checkpoint, and that the final weights equal those of an uninterrupted run (so
networks, optimizer, scheduler, sampler position and random state were all
restored).
"""
import json
import os
import os.path as osp
import random
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import checkpoint_hook as checkpoint_hook_module
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader

from cmpl_mm.engine.hooks.random_state_hook import (RandomStateHook,
                                                    get_random_state,
                                                    set_random_state)
from cmpl_mm.compat import crash_safe_checkpoints as crash_safe
from helpers import REPO_ROOT, cfg_options, toy_runner

# trains or launches processes: left out of the quick loop (-m "not slow")
pytestmark = pytest.mark.slow

# CMPL with FlexMatch thresholds: per-clip memories and class counts (one
# per taught network) must come back bit-exact too. With an upper threshold
# within the untrained networks' confidence on 4 classes and no warm-up,
# the thresholds, and through them the masks and losses, depend on the
# memory from the first steps (checked below).
FLEX_CONFIG = 'configs/cmpl-flexmatch_r3d18q_synthetic.py'
FLEX_OPTIONS = {'model.semi_train_cfg.threshold': 0.27,
                'model.semi_train_cfg.mask.warmup': False}
MAX_ITERS = 8

# tools/train.py with checkpoint payloads written in 8 slow chunks (about
# 0.4 s per checkpoint), so that a kill can land inside a write
SLOW_WRITE_TRAIN = r'''
import runpy, sys, time
sys.path.insert(0, '.')
import cmpl_mm
from cmpl_mm.compat import crash_safe_checkpoints as crash_safe

def slow_write(f, data):
    if len(data) < (1 << 20):
        return f.write(data)
    step = len(data) // 8 + 1
    for start in range(0, len(data), step):
        f.write(data[start:start + step])
        f.flush()
        time.sleep(0.05)

crash_safe._write_payload = slow_write
sys.argv = ['tools/train.py'] + sys.argv[1:]
runpy.run_path('tools/train.py', run_name='__main__')
'''


# -- unit tests of the atomic writes --------------------------------------
def temp_files(directory):
    return sorted(n for n in os.listdir(directory)
                  if crash_safe.is_temp_file(n))


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = str(tmp_path / 'iter_1.pth')
    crash_safe.atomic_write(path, b'old' * 1000)

    def fail_halfway(f, data):
        f.write(data[:len(data) // 2])
        raise OSError('disk full')

    monkeypatch.setattr(crash_safe, '_write_payload', fail_halfway)
    with pytest.raises(OSError, match='disk full'):
        crash_safe.atomic_write(path, b'new' * 1000)
    assert open(path, 'rb').read() == b'old' * 1000
    assert temp_files(str(tmp_path)) == []


def test_temp_files_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    host = crash_safe._HOST
    stale = tmp_path / f'.iter_3.pth.{host}-{dead.pid}-0.tmp'
    other_host = tmp_path / f'.iter_3.pth.elsewhere-{dead.pid}-0.tmp'
    live = tmp_path / f'.iter_3.pth.{host}-{os.getppid()}-0.tmp'
    for p in (stale, other_host, live):
        p.write_bytes(b'partial')
    assert crash_safe.is_temp_file(stale.name)
    assert not crash_safe.is_temp_file('iter_3.pth')
    crash_safe.atomic_write(str(tmp_path / 'iter_4.pth'), b'x')
    names = set(os.listdir(tmp_path))
    assert stale.name not in names  # its writer is gone
    assert other_host.name in names and live.name in names


def test_mmengine_writes_go_through_atomic_backend(tmp_path, monkeypatch):
    from mmengine.fileio import get_file_backend
    from mmengine.runner.checkpoint import save_checkpoint
    assert isinstance(get_file_backend(str(tmp_path)),
                      crash_safe.AtomicLocalBackend)
    assert checkpoint_hook_module.open is crash_safe.atomic_open
    calls = []
    real = crash_safe.atomic_write
    monkeypatch.setattr(crash_safe, 'atomic_write',
                        lambda p, d: calls.append(p) or real(p, d))
    save_checkpoint(dict(state_dict=dict(w=torch.ones(2))),
                    str(tmp_path / 'iter_1.pth'))
    with checkpoint_hook_module.open(str(tmp_path / 'last_checkpoint'),
                                     'w') as f:
        f.write('iter_1.pth')
    assert calls == [str(tmp_path / 'iter_1.pth'),
                     str(tmp_path / 'last_checkpoint')]
    # an error while writing the pointer keeps the previous one
    with pytest.raises(RuntimeError):
        with checkpoint_hook_module.open(str(tmp_path / 'last_checkpoint'),
                                         'w') as f:
            f.write('iter_2')
            raise RuntimeError('killed')
    assert open(tmp_path / 'last_checkpoint').read() == 'iter_1.pth'
    assert temp_files(str(tmp_path)) == []


def test_old_checkpoint_is_deleted_only_after_the_new_one_is_saved(
        tmp_path, monkeypatch):
    """max_keep_ckpts=1: mmengine deletes iter_2 *before* writing iter_3;
    a crash in between must still leave iter_2 and a valid pointer."""
    work_dir = str(tmp_path)
    runner = toy_runner(work_dir, 3)
    real_save = Runner.save_checkpoint

    def save_or_crash(self, out_dir, filename, *args, **kwargs):
        if filename == 'iter_3.pth':
            raise KeyboardInterrupt('killed while saving iter_3.pth')
        return real_save(self, out_dir, filename, *args, **kwargs)

    monkeypatch.setattr(Runner, 'save_checkpoint', save_or_crash)
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    assert sorted(n for n in os.listdir(work_dir) if n.endswith('.pth')) == \
        ['iter_2.pth']
    pointer = open(osp.join(work_dir, 'last_checkpoint')).read()
    assert pointer == osp.join(work_dir, 'iter_2.pth')
    ckpt = CheckpointLoader.load_checkpoint(pointer, map_location='cpu')
    assert ckpt['meta']['iter'] == 2
    # once saving succeeds the outdated checkpoint goes as usual
    monkeypatch.setattr(Runner, 'save_checkpoint', real_save)
    toy_runner(work_dir, 3, resume=True).train()
    assert sorted(n for n in os.listdir(work_dir) if n.endswith('.pth')) == \
        ['iter_3.pth']


def test_random_state_round_trips_through_a_safe_checkpoint(tmp_path):
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    random.random(), np.random.randn(), torch.randn(1)
    path = str(tmp_path / 'state.pth')
    hook = RandomStateHook()
    checkpoint = dict(meta=dict(iter=7))
    hook.before_save_checkpoint(None, checkpoint)
    torch.save(checkpoint, path)
    expected = (random.random(), np.random.randn(), torch.randn(3))
    loaded = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    random.seed(0), np.random.seed(0), torch.manual_seed(0)
    set_random_state(loaded['random_state'])
    again = (random.random(), np.random.randn(), torch.randn(3))
    assert again[:2] == expected[:2] and torch.equal(again[2], expected[2])
    # the state is taken now, not cached
    assert torch.equal(get_random_state()['torch'], torch.get_rng_state())


def test_the_base_runtime_adds_the_random_state_hook_once(tmp_path):
    """``default_hooks.random_state`` survives a config that sets its own
    ``default_hooks`` and ``custom_hooks`` (dicts merge by key); no Runner is
    patched, so a Runner without it has none."""
    base = osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{base!r}]\n'
                     "default_hooks = dict(logger=dict(interval=5))\n"
                     'custom_hooks = []\n')
    hooks = Config.fromfile(str(child)).default_hooks
    runner = toy_runner(str(tmp_path / 'a'), 1,
                        default_hooks=dict(hooks, checkpoint=None))
    assert sum(isinstance(h, RandomStateHook) for h in runner.hooks) == 1
    plain = toy_runner(str(tmp_path / 'b'), 1, default_hooks=None)
    assert not any(isinstance(h, RandomStateHook) for h in plain.hooks)


# -- kill -9 during training, then --resume ------------------------------
def run_options(root, **extra):
    # one decoding worker: the augmentation it draws must not depend on
    # where the killed run's worker was (per-sample seeds)
    return ['--no-validate', '--seed', '0'] + cfg_options(
        root, MAX_ITERS, **{'default_hooks.checkpoint.interval': 1,
                            'train_dataloader.num_workers': 1,
                            'train_dataloader.persistent_workers': True},
        **extra)


def checkpoints(work_dir):
    return sorted((n for n in os.listdir(work_dir) if n.endswith('.pth')),
                  key=lambda n: int(re.findall(r'\d+', n)[-1]))


def last_iteration(work_dir):
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(pointer):
        return 0
    return int(re.search(r'iter_(\d+)\.pth', open(pointer).read())[1])


def check_work_dir(work_dir):
    """Every checkpoint loads; the pointer names a loadable one."""
    for name in checkpoints(work_dir):
        ckpt = CheckpointLoader.load_checkpoint(
            osp.join(work_dir, name), map_location='cpu')
        assert ckpt['meta']['iter'] == int(re.findall(r'\d+', name)[-1])
        assert 'optimizer' in ckpt and 'random_state' in ckpt
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(pointer):
        target = open(pointer).read()
        assert osp.isfile(target), f'last_checkpoint -> missing {target}'
    for name in os.listdir(work_dir):
        if crash_safe.is_temp_file(name):
            assert not name.endswith('.pth') and name.startswith('.')


def trained_iterations(log):
    return [int(k) for k in re.findall(
        rf'Iter\(train\) \[\s*(\d+)/{MAX_ITERS}\]', log)]


def wait_for(condition, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = condition()
        if found:
            return found
        if proc.poll() is not None:
            return None
        time.sleep(0.005)
    raise TimeoutError('training made no progress')


def logged_scalars(run_dir):
    """``{iteration: scalars}`` from a run's ``vis_data/scalars.json``
    (full precision); a line cut by the kill is ignored."""
    path = osp.join(run_dir, 'vis_data', 'scalars.json')
    found = {}
    for line in open(path) if osp.exists(path) else []:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if 'loss' in record:
            found[record['iter']] = {
                k: v for k, v in record.items()
                if k not in ('time', 'data_time', 'eta', 'memory')
            }
    return found


# CMPL with FlexMatch thresholds: everything the plain CMPL run checks, plus
# the per-clip memory (one run, to keep the suite short)
@pytest.mark.parametrize('config,extra', [(FLEX_CONFIG, FLEX_OPTIONS)],
                         ids=['cmpl-flexmatch'])
def test_kill_and_resume_repeatedly(config, extra, tiny_dataset, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    rng = random.Random(20240229)
    options = run_options(tiny_dataset, **extra)
    work_dir = str(tmp_path / 'work')
    os.makedirs(work_dir)
    report = []
    for kill, mode in enumerate(['write', 'anytime', 'write', 'anytime']):
        start = last_iteration(work_dir)
        resume = ['--resume'] if start else []
        log_path = osp.join(str(tmp_path), f'run{kill}.log')
        with open(log_path, 'w') as log_file:
            proc = subprocess.Popen(
                [sys.executable, '-c', SLOW_WRITE_TRAIN, config,
                 '--work-dir', work_dir] + resume + options,
                cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                env=env)
            if mode == 'write':
                # kill while iter_{target}.pth is being written
                target = start + rng.randint(1, 2)
                prefix = f'.iter_{target}.pth.'
                hit = wait_for(lambda: [
                    n for n in temp_files(work_dir) if n.startswith(prefix)
                    and crash_safe.TEMP_RE.match(n)['pid'] == str(proc.pid)
                ], proc)
                time.sleep(rng.uniform(0, 0.05))
            else:
                # kill at a random moment after a new checkpoint (at most
                # two, to leave iterations for the next runs)
                wait_for(lambda: last_iteration(work_dir) > start, proc)
                deadline = time.time() + rng.uniform(0, 1.0)
                while time.time() < deadline and \
                        last_iteration(work_dir) < start + 2:
                    time.sleep(0.005)
            assert proc.poll() is None, 'the run ended before the kill'
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        log = open(log_path).read()
        done = trained_iterations(log)
        if start:
            assert f'the sampler skipped {start} batches' in log
            assert f'restored the random state saved at iteration {start}' \
                in log
        assert done[:1] in ([start + 1], []), (start, done)
        left = temp_files(work_dir)
        state = dict(
            kill=kill + 1, mode=mode, resumed_from=start,
            last_logged_iter=max(done, default=start),
            checkpoints=checkpoints(work_dir),
            last_checkpoint=last_iteration(work_dir),
            temp_files=left)
        if mode == 'write':
            assert hit and hit[0] in left, 'the kill missed the write'
            assert f'iter_{target}.pth' not in state['checkpoints']
            state['killed_writing'] = f'iter_{target}.pth'
        report.append(state)
        check_work_dir(work_dir)
    print('\n'.join(map(str, report)))

    # the final run resumes from the last checkpoint and finishes
    start = last_iteration(work_dir)
    assert 0 < start < MAX_ITERS
    out = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
         '--resume'] + options, cwd=REPO_ROOT, capture_output=True,
        text=True, env=env, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert f'the sampler skipped {start} batches' in log
    assert f'restored the random state saved at iteration {start}' in log
    assert trained_iterations(log) == list(range(start + 1, MAX_ITERS + 1))
    check_work_dir(work_dir)
    assert temp_files(work_dir) == []  # stale ones were cleaned up
    assert last_iteration(work_dir) == MAX_ITERS
    final = CheckpointLoader.load_checkpoint(
        osp.join(work_dir, f'iter_{MAX_ITERS}.pth'), map_location='cpu')
    assert final['meta']['iter'] == MAX_ITERS
    assert any(k.startswith('auxiliary.') for k in final['state_dict'])
    if config == FLEX_CONFIG:
        for student in ('primary', 'auxiliary'):
            key = f'pseudo_labelers.{student}.mask.'
            memory = final['state_dict'][key + 'memory']
            counts = final['state_dict'][key + 'counts']
            assert len(memory) == 16 and (memory >= 0).any(), student
            assert counts.tolist() == torch.bincount(
                torch.where(memory < 0, 4, memory), minlength=5).tolist()

    # An iteration a killed run logged but did not checkpoint is trained
    # again after the resume: with weights, optimizer, scheduler, sampler
    # position and random state restored it must give bit-identical
    # losses, gradient norm and learning rate.
    runs = sorted(n for n in os.listdir(work_dir) if re.match(r'\d{8}_', n))
    assert len(runs) == 5
    seen, redone = {}, 0
    for run in runs:
        for iteration, scalars in logged_scalars(
                osp.join(work_dir, run)).items():
            if iteration in seen:
                assert scalars == seen[iteration], (iteration, run)
                redone += 1
            seen[iteration] = scalars
    assert sorted(seen) == list(range(1, MAX_ITERS + 1))
    if config == FLEX_CONFIG:  # the memory decided which clips counted
        assert any(scalars[k] < 1 for scalars in seen.values()
                   for k in scalars if k.endswith('mask_ratio'))
    assert redone >= 2  # at least the two iterations killed while saving
    print(f'{redone} re-trained iterations matched bit for bit')
