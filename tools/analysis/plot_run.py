"""Plot the curves of one training run.

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (all segments of a
resumed run) and ``WORK_DIR/pseudo_label_stats.jsonl`` and writes

* ``val_accuracy.png``: validation accuracy vs iteration of every
  evaluated network (CMPL's auxiliary too, when validated): top-1, and
  mean class accuracy in a panel of its own only where it differs from
  top-1; a chance line and where the unsupervised loss starts (warm-up)
  and ramps up;
* ``train_losses.png``: every training loss (``loss``, ``sup_*loss_cls``,
  ``unsup_*loss_cls``) vs iteration;
* ``pseudo_labels.png`` (runs that make pseudo-labels): mask ratio and
  pseudo-label precision per network, and for CMPL the agreement rate of
  the two networks' weak-view predictions;
* ``pseudo_label_classes.png`` (runs whose statistics have per-class
  precision): per class, the pseudo-labels each teacher gave its student
  (``auxiliary -> primary``, ``primary -> auxiliary``), how many were
  right, and the precision per class: which classes each network teaches.

Example::

    python tools/analysis/plot_run.py work_dirs/demo_cmpl [--out DIR] \
        [--class-names data/synthetic/classes.txt]

The reading and plotting code is shared with ``compare_algorithms.py``
(:mod:`cmpl_mm.analysis.run_logs`, :mod:`cmpl_mm.analysis.plots`).
"""
import argparse
import os.path as osp
import sys

from cmpl_mm.analysis.plots import plot_single_run
from cmpl_mm.analysis.pseudo_classes import missing_reason, read_class_names
from cmpl_mm.analysis.run_logs import PSEUDO_FILE, load_run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot validation accuracy, training losses and '
        'pseudo-label statistics of one training run.')
    parser.add_argument('work_dir', help='work dir of the run')
    parser.add_argument(
        '--out', help='output folder (default: WORK_DIR/plots)')
    parser.add_argument(
        '--class-names',
        help='a file of class names, one per line, for the per-class '
        'picture (default: class indices)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        run = load_run(args.work_dir)
    except FileNotFoundError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if not (run.train or run.val or run.pseudo):
        print(f'error: no logs under {args.work_dir} (expected '
              '<timestamp>/vis_data/scalars.json or '
              f'{PSEUDO_FILE})', file=sys.stderr)
        return 2
    if args.class_names and not osp.isfile(args.class_names):
        print(f'error: --class-names {args.class_names}: file not found',
              file=sys.stderr)
        return 2
    out_dir = args.out or osp.join(args.work_dir, 'plots')
    written = plot_single_run(run, out_dir,
                              read_class_names(args.class_names))
    final = run.final_val()
    if final:
        print(f'last validation at iteration {final["iter"]}: ' + ', '.join(
            f'{k} {v:.4f}' for k, v in final.items()
            if k.startswith('acc/')) +
              f' (iteration from: {run.val_iter_source})')
    else:
        print('no validation results in the logs')
    if 'pseudo_labels' not in written:
        print('no pseudo-label statistics (supervised run, or '
              'PseudoLabelStatsHook not configured): pseudo_labels.png '
              'not written')
    elif 'pseudo_label_classes' not in written:
        print('pseudo_label_classes.png not written: '
              f'{missing_reason(run.pseudo)}')
    for name, path in written.items():
        print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
