"""Build a class-balanced labeled / unlabeled split of a video list.

Examples::

    # 1% of each UCF101 class labeled (round half up, at least 1)
    python tools/data/build_semi_split.py \\
        --ann-file data/ucf101/annotations/trainlist01.txt \\
        --classind data/ucf101/annotations/classInd.txt \\
        --ratio 0.01 --seed 0 --out-dir data/ucf101/semi/split1_1pct

    # 5 labeled videos per class of an MMAction2 list
    python tools/data/build_semi_split.py \\
        --ann-file data/kinetics400/kinetics400_train_list_videos.txt \\
        --per-class 5 --seed 1 --out-dir data/k400/semi/5pc_seed1

Writes ``labeled.txt``, ``unlabeled.txt`` (MMAction2 lists, 0-based labels)
and ``split_summary.json`` into ``--out-dir``.  See
:mod:`cmpl_mm.datasets.semi_split` for the exact rules.  Invalid input prints
an error message and exits with status 2.
"""
import argparse
import os.path as osp
import sys

from cmpl_mm.datasets.semi_split import build_semi_split


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Build a class-balanced labeled/unlabeled split for '
        'semi-supervised video classification.')
    parser.add_argument(
        '--ann-file',
        required=True,
        help='MMAction2 list ("path label" or "path total_frames label", '
        '0-based) or, with --classind, a UCF101 trainlist/testlist')
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        '--ratio',
        help='labeled fraction of each class in (0, 1]; each class gets '
        'max(1, round_half_up(ratio * n_class)) labeled videos')
    mode.add_argument(
        '--per-class',
        type=int,
        help='labeled videos per class (min(K, n_class))')
    parser.add_argument('--seed', type=int, required=True, help='random seed')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--classind',
        help='UCF101 classInd.txt ("1 ApplyEyeMakeup"); makes --ann-file be '
        'read as a UCF101 official list and converts labels to 0-based')
    parser.add_argument(
        '--num-classes',
        type=int,
        help='number of classes; labels must be < N (optional)')
    parser.add_argument(
        '--unlabeled-includes-labeled',
        action='store_true',
        help='unlabeled.txt lists every video, labeled ones included '
        '(default: labeled and unlabeled are disjoint)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        summary = build_semi_split(
            args.ann_file,
            args.out_dir,
            seed=args.seed,
            ratio=args.ratio,
            per_class=args.per_class,
            classind_file=args.classind,
            num_classes=args.num_classes,
            unlabeled_includes_labeled=args.unlabeled_includes_labeled)
    except (ValueError, OSError) as exc:
        print(f'build_semi_split.py: error: {exc}', file=sys.stderr)
        return 2
    totals = summary['totals']
    print(summary['description'])
    print(f"{totals['videos']} videos, {summary['num_classes_present']} "
          f"classes: {totals['labeled']} labeled, {totals['unlabeled']} "
          f'unlabeled -> {osp.abspath(args.out_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
