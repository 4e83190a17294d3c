"""Time the state update of each pseudo-label rule against a training step.

The issue's target: one rule's update (and weights) costs at most 1 % of a
demo FixMatch training step. This script measures

(a) the median time of ``model.train_step`` of ``--config`` (the demo
    FixMatch config by default) on a synthetic batch of ``B`` labeled and
    ``mu*B`` unlabeled clips (weak + strong views), learning rate 0 so the
    weights stay as initialised (see ``benchmark_train_step.py`` for why);
(b) for every rule, the median time of one training-mode call of the part
    on the teacher probabilities of that batch (``mu*B`` clips, the
    config's classes): ``FlexMatchThreshold`` (memory of
    ``--num-unlabeled`` clips), ``FreeMatchThreshold``, ``SoftMatchWeight``,
    ``DistributionAlignment``: state update plus weights (or aligned
    probabilities), as the recognizer calls it once per taught network and
    step;

and prints (b)/(a) per rule. It also checks that FlexMatch's per-clip
memory is updated in place (same storage after every step) and that its
cost does not grow with the memory (``--memory-sizes``): an update touches
the batch's clips and the class counts, not the whole memory.

Example::

    OMP_NUM_THREADS=1 python tools/analysis/benchmark_pseudo_label_rules.py

Exit status 1 when a rule misses the 1 % target (timings on a shared CPU
vary; read the figures).
"""
import argparse
import os.path as osp
import statistics
import sys
import time

import torch

import cmpl_mm  # noqa: F401
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from cmpl_mm.models.pseudo_label import BaseAlignment

RULES = (
    ('FlexMatchThreshold', dict(type='FlexMatchThreshold', threshold=0.8)),
    ('FreeMatchThreshold', dict(type='FreeMatchThreshold')),
    ('SoftMatchWeight', dict(type='SoftMatchWeight')),
    ('DistributionAlignment', dict(type='DistributionAlignment')),
)
TARGET = 0.01


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config',
                        default='configs/fixmatch_r3d18q_synthetic.py')
    parser.add_argument('--steps', type=int, default=8,
                        help='timed training steps')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--rule-calls', type=int, default=300,
                        help='timed calls of each rule')
    parser.add_argument('--num-unlabeled', type=int, default=9537,
                        help="FlexMatch's memory (UCF-101 split 1 train)")
    parser.add_argument('--memory-sizes', type=int, nargs='*',
                        default=[1000, 100000, 1000000])
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args(argv)


def fake_batch(batch, mu, clip_shape, generator):
    def clip():
        return torch.randint(0, 255, (1, ) + clip_shape, dtype=torch.uint8,
                             generator=generator)

    def sample(label=None, index=None):
        ds = ActionDataSample()
        if label is not None:
            ds.set_gt_label(label)
        if index is not None:
            ds.set_metainfo(dict(sample_idx=index))
        return ds

    n_unl = batch * mu
    return dict(
        inputs=dict(
            sup=[clip() for _ in range(batch)] + [None] * n_unl,
            weak=[None] * batch + [clip() for _ in range(n_unl)],
            strong=[None] * batch + [clip() for _ in range(n_unl)]),
        data_samples=dict(
            sup=[sample(i % 2) for i in range(batch)] + [None] * n_unl,
            weak=[None] * batch +
            [sample(index=i) for i in range(n_unl)],
            strong=[None] * batch + [sample() for _ in range(n_unl)]),
        monitor_only_gt_label=[-1] * (batch + n_unl))


def median_time(fn, calls, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rule_call(rule, probs, indices, labeled):
    if isinstance(rule, BaseAlignment):
        return lambda: rule(probs, labeled)
    return lambda: rule(probs, indices)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    cfg.model.semi_train_cfg.update(threshold=0.0, warmup_iters=0)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    cfg.optim_wrapper.optimizer.lr = 0.0
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    sampler = cfg.train_dataloader.sampler
    batch, mu = sampler.labeled_batch_size, sampler.mu
    num_classes = cfg.model.primary.cls_head.num_classes
    generator = torch.Generator().manual_seed(0)
    data = fake_batch(batch, mu, (3, 8, 56, 56), generator)
    model.train()
    step = median_time(lambda: model.train_step(data, optim), args.steps,
                       args.warmup)
    print(f'{osp.basename(args.config)}: train step, {batch} labeled + '
          f'{batch * mu} unlabeled clips x 2 views: median '
          f'{step * 1e3:.1f} ms over {args.steps} steps '
          f'({args.threads} thread(s))')

    n = batch * mu
    probs = torch.rand(n, num_classes, generator=generator).softmax(1)
    labeled = torch.randint(0, num_classes, (batch, ), generator=generator)
    missed = []
    print(f'\nrule call (update + weights) on {n} clips, {num_classes} '
          f'classes; target <= {TARGET:.0%} of the step')
    for name, part in RULES:
        rule = MODELS.build(part)
        if hasattr(rule, 'set_num_unlabeled'):
            rule.set_num_unlabeled(args.num_unlabeled)
        rule.train()
        indices = torch.randint(0, args.num_unlabeled, (n, ),
                                generator=generator)
        cost = median_time(rule_call(rule, probs, indices, labeled),
                           args.rule_calls)
        share = cost / step
        ok = share <= TARGET
        missed += [] if ok else [name]
        print(f'  {name:22s} {cost * 1e6:8.1f} us  = {share:7.4%} of the '
              f'step  {"ok" if ok else "MISSED"}')

    print('\nFlexMatchThreshold by memory size (confident clips, so every '
          'call writes the memory):')
    sure = torch.full((n, num_classes), 0.01)
    sure[:, 0] = 1.0
    sure = sure / sure.sum(1, keepdim=True)
    for size in args.memory_sizes:
        rule = MODELS.build(dict(type='FlexMatchThreshold', threshold=0.5))
        rule.set_num_unlabeled(size)
        rule.train()
        rule(sure, torch.arange(n) % size)  # counts the memory once
        pointer = rule.memory.data_ptr()
        indices = torch.randint(0, size, (n, ), generator=generator)
        cost = median_time(lambda: rule(sure, indices), args.rule_calls)
        in_place = rule.memory.data_ptr() == pointer
        print(f'  {size:>8d} clips: {cost * 1e6:8.1f} us per call; memory '
              f'{"updated in place" if in_place else "COPIED"}')
        if not in_place:
            missed.append(f'FlexMatch memory of {size}')
    if missed:
        print(f'\nmissed: {missed}')
    return 1 if missed else 0


if __name__ == '__main__':
    sys.exit(main())
