"""Generate the demo videos if absent, train on them (CPU) and summarise.

The console shows a progress bar, one line per validation and a closing
summary: each network's validation top-1 and, for the algorithms that
make pseudo-labels, each network's mask ratio and pseudo-label precision.
The environment, the full config and every log line go to the log file in
the work dir; the curves are written to ``WORK_DIR/plots/``, with
``pseudo_label_classes.png``: per class, the pseudo-labels each network
gave the other and how many were right.

A mistake of the user's (a config key, a list file, a missing optional
package) is found before the Runner is built, as ``tools/train.py`` finds
it, and printed as one line (exit status 2); nothing is left in the work
dir. One found only while the Runner is built removes what that start
wrote.

Example::

    python tools/run_demo.py                      # CMPL, the main job
    python tools/run_demo.py --algorithm fixmatch
"""
import argparse
import glob
import os
import os.path as osp
import shutil
import sys
import time
from contextlib import contextmanager

# torch, mmaction2 and cmpl_mm are imported after the arguments are parsed
from mmengine.config import DictAction  # (no torch import)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: every demo config, by algorithm: configs/<algorithm>_r3d18q_synthetic.py
CONFIGS = {
    osp.basename(path)[:-len('_r3d18q_synthetic.py')]:
    osp.relpath(path, ROOT)
    for path in sorted(glob.glob(
        osp.join(ROOT, 'configs', '*_r3d18q_synthetic.py')))
}
DEFAULT_DATA_ROOT = 'data/synthetic'


def point_config_at(cfg, data_root: str) -> None:
    """Make every dataloader of a demo config read ``data_root``.

    The demo configs name ``data/synthetic``; this rewrites the lists
    (``semi/labeled.txt``, ``semi/unlabeled.txt``, ``val.txt``) and the video
    folder of the training parts, validation and test.

    Args:
        cfg (mmengine.Config): A ``*_r3d18q_synthetic.py`` config.
        data_root (str): The generated dataset's folder.
    """
    train = cfg.train_dataloader.dataset
    parts = dict(labeled=osp.join(data_root, 'semi', 'labeled.txt'),
                 unlabeled=osp.join(data_root, 'semi', 'unlabeled.txt'))
    for part, ann_file in parts.items():
        if train.get(part):
            train[part].ann_file = ann_file
            train[part].data_prefix = dict(video=data_root)
    for key in ('val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            cfg[key].dataset.ann_file = osp.join(data_root, 'val.txt')
            cfg[key].dataset.data_prefix = dict(video=data_root)


def demo_config(algorithm: str, data_root: str, work_dir: str, seed: int,
                cfg_options=None):
    """The demo config of ``algorithm``, quiet on the console, pointed at
    ``data_root``, evaluating CMPL's auxiliary too.

    Args:
        algorithm (str): A key of :data:`CONFIGS` (``'cmpl'``,
            ``'fixmatch'``, ``'meanteacher'``, ...).
        data_root (str): The generated dataset's folder.
        work_dir (str): The run's work dir.
        seed (int): Random seed.
        cfg_options (dict, optional): ``--cfg-options``, merged last.

    Returns:
        mmengine.Config: The config to build the Runner from.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[algorithm]))
    point_config_at(cfg, data_root)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.runner_type = 'QuietConsoleRunner'
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='ConsoleProgressHook')
    ]
    if cfg.model.get('auxiliary'):
        cfg.model.evaluate_auxiliary = True
        for key in ('val_evaluator', 'test_evaluator'):
            evaluator = cfg[key]
            evaluator = list(evaluator) if isinstance(evaluator,
                                                      (list, tuple)) \
                else [evaluator]
            cfg[key] = evaluator + [dict(type='AuxiliaryAccMetric')]
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def summary_lines(algorithm: str, metrics: dict, stats, seconds: float,
                  work_dir: str) -> list:
    """The closing summary, one line per figure.

    Args:
        algorithm (str): The demo's algorithm.
        metrics (dict): The last validation's metrics (``acc/top1``,
            ``aux_acc/top1``).
        stats (dict, optional): The last pseudo-label statistics.
        seconds (float): Wall time of the whole demo.
        work_dir (str): The run's work dir.

    Returns:
        list[str]: The lines.
    """
    lines = [f'{algorithm} demo finished in {seconds:.0f} s '
             f'(work dir {work_dir})']

    def pct(value):
        return '  n/a' if value is None else f'{100 * value:5.1f}%'

    networks = [('primary', 'acc/top1')]
    if 'aux_acc/top1' in metrics:
        networks.append(('auxiliary', 'aux_acc/top1'))
    for network, key in networks:
        line = f'  {network:<9} val top-1 {pct(metrics.get(key))}'
        record = (stats or {}).get(network)
        if isinstance(record, dict):
            line += (f' | pseudo-labels on {pct(record.get("mask_ratio"))} '
                     f'of unlabeled clips, precision '
                     f'{pct(record.get("precision"))}')
        lines.append(line)
    if stats:
        lines.append(f'  (pseudo-labels: the last logged interval, up to '
                     f'iteration {stats.get("iter")}; chance top-1 12.5%)')
    # the headline figure kept in its old wording, for scripts that grep it
    top1 = metrics.get('acc/top1')
    if top1 is not None:
        lines.append(f'final val top-1 {top1:.4f}')
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog='Set CMPL_MM_TRACEBACK=1 for Python tracebacks of data and '
        'config errors.')
    parser.add_argument(
        '--algorithm', choices=sorted(CONFIGS), default='cmpl')
    parser.add_argument(
        '--data-root',
        default=DEFAULT_DATA_ROOT,
        help='where the demo videos are (generated there when absent)')
    parser.add_argument(
        '--work-dir', default=None, help='default: work_dirs/demo_ALGORITHM')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch threads (default: OMP_NUM_THREADS, else from the cores)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=None,
        help='decoding workers per dataloader (default: config, at most '
        'cores - 1)')
    parser.add_argument(
        '--no-plots', action='store_true', help='do not write the plots')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument(
        '--traceback',
        action='store_true',
        help='Python tracebacks instead of one-line errors')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    import cmpl_mm  # noqa: F401  (compat layer + registration)
    from cmpl_mm.cli import user_errors
    with user_errors('run_demo.py', args.traceback):
        return run(args, start)


def run(args, start: float) -> int:
    """Prepare the data, train with a quiet console, summarise, plot."""
    from cmpl_mm.analysis.run_logs import last_pseudo_stats
    from cmpl_mm.demo import prepare_demo_data
    from cmpl_mm.engine.resources import apply_resource_plan
    from mmaction.registry import RUNNERS

    work_dir = args.work_dir or osp.join('work_dirs',
                                         f'demo_{args.algorithm}')
    prepare_demo_data(args.data_root)
    cfg = demo_config(args.algorithm, args.data_root, work_dir, args.seed,
                      args.cfg_options)
    check_before_runner(cfg)
    plan = apply_resource_plan(
        cfg, args.threads, args.num_workers, cfg_options=args.cfg_options)
    print(f'{args.algorithm} demo: {CONFIGS[args.algorithm]}, '
          f'{cfg.train_cfg.max_iters} iterations, data {args.data_root}')
    print(plan.describe())
    with removed_on_user_error(cfg.work_dir):
        runner = RUNNERS.build(cfg)
        print(f'full log: {runner.log_dir}')
        runner.train()
    metrics = {
        key[len('val/'):]: buffer.current()
        for key, buffer in runner.message_hub.log_scalars.items()
        if key.startswith('val/')
    }
    stats = last_pseudo_stats(cfg.work_dir)
    del runner
    for line in summary_lines(args.algorithm, metrics, stats,
                              time.time() - start, cfg.work_dir):
        print(line)
    if not args.no_plots:
        write_plots(cfg.work_dir,
                    osp.join(args.data_root, 'classes.txt'))
    if args.algorithm != 'fixmatch':
        print('compare with FixMatch on the same split and schedule: '
              'python tools/run_demo.py --algorithm fixmatch'
              + ('' if args.data_root == DEFAULT_DATA_ROOT else
                 f' --data-root {args.data_root}')
              + ' (its plots go to work_dirs/demo_fixmatch/plots); all '
              'three algorithms over seeds: python '
              'tools/analysis/compare_algorithms.py --work-dir '
              'work_dirs/compare --seeds 0 1 2')
    return 0


def check_before_runner(cfg) -> None:
    """Find the user's mistakes before the Runner writes anything.

    As ``tools/train.py``: the data paths and :func:`~cmpl_mm.config_check.
    check_config` (keys named in full, ``model.semi_train_cfg...``); then a
    visualization backend's missing package, and every dataset built once
    (so a malformed list file fails here, naming file and line).

    Args:
        cfg (mmengine.Config): The demo config.

    Raises:
        An error of :func:`cmpl_mm.cli.user_error_types`.
    """
    import copy

    from cmpl_mm.compat.optional_backends import check_optional_backends
    from cmpl_mm.config_check import check_run_inputs
    from mmaction.registry import DATASETS
    from mmengine.registry import init_default_scope

    check_run_inputs(cfg, ('train_dataloader', 'val_dataloader'))
    check_optional_backends(cfg)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            DATASETS.build(copy.deepcopy(loader.dataset))


@contextmanager
def removed_on_user_error(work_dir: str):
    """On a user error (:func:`cmpl_mm.cli.user_error_types`) inside the
    block, remove what the block created under ``work_dir`` (the folders it
    did not find there, ``work_dir`` itself when it was new) and re-raise.

    Args:
        work_dir (str): The run's work dir.
    """
    from cmpl_mm.cli import user_error_types
    work_dir = osp.abspath(work_dir)
    new_root = work_dir  # the highest folder that does not exist yet
    while not osp.exists(osp.dirname(new_root)):
        new_root = osp.dirname(new_root)
    existed = osp.isdir(work_dir)
    before = set(os.listdir(work_dir)) if existed else set()
    try:
        yield
    except user_error_types():
        if not existed:
            shutil.rmtree(new_root, ignore_errors=True)
        elif osp.isdir(work_dir):
            for name in set(os.listdir(work_dir)) - before:
                path = osp.join(work_dir, name)
                if osp.isdir(path) and not osp.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.remove(path)
        raise


def write_plots(work_dir: str, class_names: str = None) -> None:
    """Write the run's curves to ``WORK_DIR/plots`` and print the paths.

    Args:
        work_dir (str): The run's work dir.
        class_names (str, optional): A file of class names, one per line,
            for ``pseudo_label_classes.png``.
    """
    from cmpl_mm.analysis.plots import plot_single_run
    from cmpl_mm.analysis.pseudo_classes import (missing_reason,
                                                 read_class_names)
    from cmpl_mm.analysis.run_logs import load_run
    run = load_run(work_dir)
    written = plot_single_run(run, osp.join(work_dir, 'plots'),
                              read_class_names(class_names))
    for name, path in written.items():
        print(f'plot: {path}')
    if run.pseudo and 'pseudo_label_classes' not in written:
        print('pseudo_label_classes.png not written: '
              f'{missing_reason(run.pseudo)}')


if __name__ == '__main__':
    sys.exit(main())
