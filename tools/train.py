"""Train a recognizer with MMEngine's Runner (MMAction2's flags).

Example::

    python tools/train.py configs/cmpl_r3d50_ucf101.py --work-dir work_dirs/x
"""
import argparse
import os
import os.path as osp

# torch, mmaction2 and cmpl_mm are imported after the arguments are parsed
# (in main), so that --help and argument errors answer at once
from mmengine.config import DictAction  # (no torch import)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If a checkpoint path is given, resume from it; without a path, '
        'resume from the latest checkpoint in the work dir.')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='set a different seed on each rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='set deterministic options for the CUDNN backend')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, `key=value` in xxx=yyy format')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    add_common_args(parser)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def add_common_args(parser):
    """Flags shared by train.py and test.py: threads, workers, TensorBoard,
    tracebacks."""
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch intra-op threads (default: OMP_NUM_THREADS if set, else '
        'the cores of os.sched_getaffinity minus the training loader\'s '
        'decoding workers, at least 1)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=None,
        help='decoding workers of every dataloader (default: the config\'s '
        'num_workers, at most cores - 1)')
    parser.add_argument(
        '--tensorboard',
        action='store_true',
        help='also log to TensorBoard (WORK_DIR/<timestamp>/vis_data; '
        'pip install -e ".[tensorboard]")')
    parser.add_argument(
        '--traceback',
        action='store_true',
        help='show the Python traceback of data, config and checkpoint '
        'errors instead of one line each (also: CMPL_MM_TRACEBACK=1)')


def add_tensorboard(cfg):
    """Add mmengine's ``TensorboardVisBackend`` to the visualizer (once)."""
    visualizer = cfg.get('visualizer', None)
    if visualizer is None:
        raise ValueError('--tensorboard: the config has no `visualizer`')
    backends = list(visualizer.get('vis_backends', None) or [])
    if not any(b.get('type') == 'TensorboardVisBackend' for b in backends):
        backends.append(dict(type='TensorboardVisBackend'))
    visualizer['vis_backends'] = backends
    cfg.vis_backends = backends
    return cfg


def merge_args(cfg, args):
    """Fold the command-line flags into the config (after --cfg-options)."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        assert optim_wrapper in ('OptimWrapper', 'AmpOptimWrapper',
                                 'DeviceAmpOptimWrapper'), \
            '`--amp` is only supported with OptimWrapper, AmpOptimWrapper ' \
            'or DeviceAmpOptimWrapper'
        if optim_wrapper != 'DeviceAmpOptimWrapper':  # already AMP on GPU
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    randomness = cfg.get('randomness', dict(seed=None))
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.deterministic:
        randomness['deterministic'] = True
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    cfg.randomness = randomness
    if getattr(args, 'tensorboard', False):
        add_tensorboard(cfg)
    return cfg


def main():
    args = parse_args()
    import cmpl_mm  # noqa: F401  (compat layer + registration)
    from cmpl_mm.cli import user_errors
    with user_errors('train.py', args.traceback):
        run(args)


def run(args):
    """Load and check the config, size threads and workers, train."""
    from cmpl_mm.compat import finish_cpu_distributed_run, setup_cpu_distributed
    from cmpl_mm.compat.optional_backends import check_optional_backends
    from cmpl_mm.config_check import check_run_inputs
    from cmpl_mm.engine.resources import apply_resource_plan
    from cmpl_mm.cli import load_config
    from mmengine.logging import print_log

    cfg = load_config(args.config)
    cfg = merge_args(cfg, args)
    # before the Runner exists: nothing is written when data are missing
    check_run_inputs(cfg, ('train_dataloader', 'val_dataloader'))
    check_optional_backends(cfg)  # e.g. --tensorboard without tensorboard
    plan = apply_resource_plan(
        cfg, args.threads, args.num_workers, cfg_options=args.cfg_options)
    print_log(plan.describe(), logger='current')
    cpu_distributed = setup_cpu_distributed(cfg, args.launcher)
    train(cfg)  # the Runner is released on return
    if cpu_distributed:
        finish_cpu_distributed_run()


def train(cfg):
    """Build the Runner from ``cfg`` and train; a non-finite loss is
    logged with a hint on the checkpoint to resume from."""
    from cmpl_mm.models.recognizers.nonfinite_loss import NonFiniteLossError
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
    except NonFiniteLossError as err:
        err.add_checkpoint_hint(cfg.work_dir)
        runner.logger.error(str(err))
        raise


if __name__ == '__main__':
    main()
