"""Two-process CPU (gloo) training and testing through tools/dist_*.sh."""
import os
import os.path as osp
import socket
import subprocess

import pytest
import torch

from helpers import REPO_ROOT, cfg_options

# trains or launches processes: left out of the quick loop (-m "not slow")
pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def launch(script, args):
    """Run ``tools/<script>`` with 2 processes; assert it exits with 0."""
    env = dict(os.environ, PORT=str(free_port()), OMP_NUM_THREADS='1')
    out = subprocess.run(['bash', osp.join('tools', script)] + args,
                         cwd=REPO_ROOT,
                         capture_output=True,
                         text=True,
                         timeout=600,
                         env=env)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    return log


# CMPL with FlexMatch thresholds covers plain CMPL's distributed path, and
@pytest.mark.parametrize('config', [
    # per-clip memories sized by PseudoLabelMemoryHook through the DDP
    # wrapper, memory writes gathered from both ranks inside the forward;
    # tools/test.py loads the checkpoint's memories into a fresh model
    'configs/cmpl-flexmatch_r3d18q_synthetic.py'
], ids=lambda c: osp.basename(c).split('_')[0])
def test_two_process_cpu_training(config, tiny_dataset, tmp_path):
    work_dir = str(tmp_path / 'dist')
    log = launch('dist_train.sh', [config, '2', '--work-dir', work_dir] +
                 cfg_options(tiny_dataset, 2, **{
                     'train_dataloader.sampler.labeled_batch_size': 2,
                     'train_dataloader.batch_size': 4
                 }))
    assert 'Distributed training: True' in log
    assert 'Iter(train) [2/2]' in log and 'acc/top1' in log
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(checkpoint)
    if 'flexmatch' in config:
        # rank 0 holds both ranks' clips (2 ranks x 2 steps x 2 clips), and
        # counts that match its memory: had the ranks' memories differed,
        # the buffer averaging of SyncLiveBuffersHook would have mixed them
        state = torch.load(checkpoint, map_location='cpu',
                           weights_only=False)['state_dict']
        for student in ('primary', 'auxiliary'):
            key = f'pseudo_labelers.{student}.mask.'
            memory, counts = state[key + 'memory'], state[key + 'counts']
            assert len(memory) == 16 and int((memory >= 0).sum()) > 4
            assert counts.tolist() == torch.bincount(
                torch.where(memory < 0, 4, memory), minlength=5).tolist()

    # the same processes' way out of tools/test.py: a clean exit, status 0
    log = launch('dist_test.sh',
                 [config, checkpoint, '2', '--work-dir',
                  str(tmp_path / 'dist_test')] + cfg_options(tiny_dataset, 2))
    assert 'Iter(test)' in log and 'acc/top1' in log


# -- pseudo-label rules keep one state on every rank -----------------------
RULES = [
    dict(type='FlexMatchThreshold', threshold=0.6, num_unlabeled=40),
    dict(type='FreeMatchThreshold', momentum=0.9),
    dict(type='SoftMatchWeight', momentum=0.9),
    dict(type='DistributionAlignment', momentum=0.9),
]
STEPS = 6


def rule_batches():
    """``STEPS`` global batches (probabilities, unlabeled indices, labeled
    classes) and how they split over two ranks (unequal in step 2)."""
    generator = torch.Generator().manual_seed(0)
    batches = []
    for step in range(STEPS):
        n = 8
        probs = (torch.randn(n, 5, generator=generator) * 3).softmax(1)
        indices = torch.randint(0, 40, (n, ), generator=generator)
        labeled = torch.randint(0, 5, (4, ), generator=generator)
        split = 3 if step == 2 else n // 2
        batches.append((probs, indices, labeled, split))
    return batches


def run_rule(rule, probs, indices, labeled):
    from cmpl_mm.models.pseudo_label import BaseAlignment
    if isinstance(rule, BaseAlignment):
        return rule(probs, labeled)
    return rule(probs, indices)


def rule_worker(rank, port, out_dir):
    import torch.distributed as dist
    from mmengine.registry import init_default_scope
    from mmaction.registry import MODELS
    import cmpl_mm  # noqa: F401
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    init_default_scope('mmaction')
    states = []
    for cfg in RULES:
        rule = MODELS.build(cfg)
        outputs = []
        for probs, indices, labeled, split in rule_batches():
            part = slice(0, split) if rank == 0 else slice(split, None)
            lab = slice(0, 2) if rank == 0 else slice(2, None)
            outputs.append(run_rule(rule, probs[part], indices[part],
                                    labeled[lab]))
        states.append(({k: v.clone() for k, v in rule.state_dict().items()},
                       outputs))
    torch.save(states, osp.join(out_dir, f'rank{rank}.pth'))
    dist.barrier()
    dist.destroy_process_group()


def test_pseudo_label_rules_keep_one_state_over_two_ranks(tmp_path):
    """Two gloo processes, each feeding its half of every batch (3 + 5
    clips in one step): after the steps both ranks hold bit-identical
    state, equal to one process fed the whole batches (the state is
    updated from every rank's clips, not from the local ones); each rank's
    weights are those of its own clips."""
    import torch.multiprocessing as mp
    from mmaction.registry import MODELS
    mp.spawn(rule_worker, args=(free_port(), str(tmp_path)), nprocs=2,
             join=True)
    ranks = [torch.load(osp.join(tmp_path, f'rank{r}.pth'))
             for r in range(2)]
    for i, cfg in enumerate(RULES):
        (state0, out0), (state1, out1) = ranks[0][i], ranks[1][i]
        single = MODELS.build(cfg)
        expected = [run_rule(single, probs, indices, labeled)
                    for probs, indices, labeled, _ in rule_batches()]
        for key, value in state0.items():
            assert torch.equal(value, state1[key]), (cfg['type'], key)
            torch.testing.assert_close(
                value, single.state_dict()[key], atol=1e-6, rtol=0,
                msg=f"{cfg['type']}.{key}")
        for (_, _, _, split), a, b, whole in zip(rule_batches(), out0, out1,
                                                 expected):
            torch.testing.assert_close(torch.cat([a, b]), whole, atol=1e-6,
                                       rtol=0)
