"""Test a checkpoint with MMEngine's Runner (MMAction2's flags).

Example::

    python tools/test.py CONFIG CHECKPOINT --dump results.pkl
"""
import argparse
import os
import os.path as osp
import sys

# the flags shared with tools/train.py come from that script: a module of
# cmpl_mm would import torch and mmaction2 with cmpl_mm, and --help answers
# without them. This folder is on the path when the script runs, not when
# it is run with runpy (tests/test_readme_commands.py)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

# torch, mmaction2 and cmpl_mm are imported after the arguments are parsed
# (in main), so that --help and argument errors answer at once
from mmengine.config import DictAction  # noqa: E402  (no torch import)
from train import add_common_args, add_tensorboard  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save evaluation logs')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions to a pickle file for offline evaluation')
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


def merge_args(cfg, args):
    """Fold the command-line flags into the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.dump is not None:
        assert args.dump.endswith(('.pkl', '.pickle')), \
            'The dump file must be a pkl file.'
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump_metric]
        else:
            cfg.test_evaluator = [evaluator, dump_metric]
    cfg.load_from = args.checkpoint
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if getattr(args, 'tensorboard', False):
        add_tensorboard(cfg)
    return cfg


def main():
    args = parse_args()
    import cmpl_mm  # noqa: F401  (compat layer + registration)
    from cmpl_mm.cli import user_errors
    with user_errors('test.py', args.traceback):
        run(args)


def run(args):
    """Load the config, check its test data and checkpoint, test."""
    from cmpl_mm.datasets.data_check import check_data_paths
    from cmpl_mm.compat import finish_cpu_distributed_run, setup_cpu_distributed
    from cmpl_mm.engine.resources import apply_resource_plan
    from cmpl_mm.cli import load_config
    from mmengine.logging import print_log

    cfg = load_config(args.config)
    cfg = merge_args(cfg, args)
    check_data_paths(cfg, ('test_dataloader', ))
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        from cmpl_mm.datasets.data_check import DataPathError
        raise DataPathError([f'checkpoint {args.checkpoint!r}: file not '
                             'found'])
    plan = apply_resource_plan(
        cfg, args.threads, args.num_workers, cfg_options=args.cfg_options)
    print_log(plan.describe(), logger='current')
    cpu_distributed = setup_cpu_distributed(cfg, args.launcher)
    test(cfg)  # the Runner is released on return
    if cpu_distributed:
        finish_cpu_distributed_run()


def test(cfg):
    """Build the Runner from ``cfg`` and run the test loop."""
    from mmengine.runner import Runner
    Runner.from_cfg(cfg).test()


if __name__ == '__main__':
    main()
