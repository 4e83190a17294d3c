"""Shape and motion accuracy of trained runs on the generated demo data.

Each demo class is a (shape, motion) pair, so top-1 alone hides which cue
a model learned. For every work dir given, this evaluates the run's last
checkpoint on its validation set with ``SyntheticFactorAccMetric`` and
prints one row per run plus, per config, the mean ± std over its runs. For
CMPL runs the auxiliary network is evaluated too (its own rows), so the cues
the two networks learned can be compared. With the heads' probabilities the
rows also say how sure each network is (``SyntheticFactorAccMetric``): the
share of clips at or above ``--threshold`` and their top-1, the probability
on the predicted motion and the top class's share of it::

    python tools/analysis/factor_accuracy.py work_dirs/compare_demo400/*/seed* \
        [--out factor_accuracy.json]

A work dir needs the config the run dumped (as ``tools/train.py`` writes
it) and ``last_checkpoint``. Runs whose folder lacks either are reported
and skipped. ``--cfg-options`` change every run's config before the
evaluation, e.g. to score the checkpoints on a larger validation set::

    python tools/analysis/factor_accuracy.py work_dirs/compare/*/seed* \
        --cfg-options val_dataloader.dataset.ann_file=data/val2000/val.txt \
        val_dataloader.dataset.data_prefix.video=data/val2000

Runs are grouped by the folder that holds their ``seedN`` folders
(``<comparison>/<config name>`` in ``compare_algorithms.py``'s layout).
"""
import argparse
import json
import os
import os.path as osp
import re
import sys

from mmengine.config import DictAction

from cmpl_mm.analysis.checkpoint_eval import validate_checkpoint
from cmpl_mm.analysis.run_logs import find_config
from cmpl_mm.analysis.stats import mean_std

FACTORS = ('top1', 'shape_acc', 'motion_acc', 'motion_axis_acc')
# how sure each network is (SyntheticFactorAccMetric, probabilities only)
CONFIDENCE = ('confident_ratio', 'confident_top1', 'motion_mass',
              'shape_share')
COLUMNS = dict(top1='top-1', shape_acc='shape', motion_acc='motion',
               motion_axis_acc='motion axis', confident_ratio='confident',
               confident_top1='top-1 of confident',
               motion_mass='motion mass', shape_share='shape share')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Evaluate the last checkpoint of runs on the demo data '
        'and report shape and motion accuracy.')
    parser.add_argument('work_dirs', nargs='+', help='run work dirs')
    parser.add_argument('--out', help='also write the results as JSON here')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='KEY=VALUE overrides of every run\'s config (e.g. another '
        'validation set: val_dataloader.dataset.ann_file=...)')
    parser.add_argument(
        '--group-by', choices=('comparison', 'config'), default='comparison',
        help='rows averaged together: runs of one config in one comparison '
        'folder (default), or of one config name wherever they were '
        'trained (seeds from several comparisons)')
    parser.add_argument(
        '--threshold', type=float, default=0.8,
        help='confidence that counts a clip as confident (the demo '
        'configs\' pseudo-label threshold; default: 0.8)')
    return parser.parse_args(argv)


def last_checkpoint(work_dir):
    """The checkpoint named in ``WORK_DIR/last_checkpoint``, if any."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    if path and not osp.isabs(path) and not osp.exists(path):
        path = osp.join(work_dir, osp.basename(path))
    return path if path and osp.isfile(path) else None


def evaluate(config_path, checkpoint, cfg_options=None, threshold=0.8):
    """Factor metrics of ``checkpoint`` on the config's validation set
    (after ``cfg_options``, a dict of dotted keys, are merged in), with
    ``threshold`` for the share of confident clips.

    Returns:
        dict[str, dict]: Metrics by network: ``primary`` always,
        ``auxiliary`` too for a model with one (CMPL).
    """
    from mmengine.config import Config

    cfg = Config.fromfile(config_path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = cfg.model
    primary = model.get('primary', model)
    num_classes = primary['cls_head']['num_classes']
    # network -> (metric prefix, data-sample field with its scores)
    networks = {'primary': ('factor', 'pred_score')}
    if 'auxiliary' in model:  # CMPL: its auxiliary scores too
        model.evaluate_auxiliary = True
        networks['auxiliary'] = ('aux_factor', 'aux_pred_score')
    evaluator = [
        dict(type='SyntheticFactorAccMetric', num_classes=num_classes,
             score_key=score_key, prefix=prefix, threshold=threshold)
        for prefix, score_key in networks.values()
    ]
    metrics = validate_checkpoint(cfg, checkpoint, evaluator)
    return {
        network: {
            k.split('/', 1)[-1]: v
            for k, v in metrics.items() if k.startswith(prefix + '/')
        }
        for network, (prefix, _) in networks.items()
    }


def percent(value) -> str:
    return '–' if value is None else f'{100 * value:.1f}'


def run_name(work_dir, group_by='comparison'):
    """The name runs are grouped by: ``<comparison>/<config name>`` for
    ``compare_algorithms.py``'s ``seedN`` folders (``<config name>`` with
    ``group_by='config'``), else the work dir's own name."""
    work_dir = osp.normpath(work_dir)
    base = osp.basename(work_dir)
    if re.fullmatch(r'seed\d+', base):
        config_dir = osp.dirname(work_dir)
        comparison = osp.basename(osp.dirname(config_dir))
        if comparison and group_by == 'comparison':
            return osp.join(comparison, osp.basename(config_dir))
        return osp.basename(config_dir)
    return base


def main(argv=None):
    args = parse_args(argv)
    rows, failures = [], []
    for work_dir in args.work_dirs:
        config_path = find_config(work_dir)
        checkpoint = last_checkpoint(work_dir)
        if config_path is None or checkpoint is None:
            failures.append((work_dir, 'no dumped config' if config_path is
                             None else 'no last_checkpoint'))
            continue
        for network, metrics in evaluate(config_path, checkpoint,
                                         args.cfg_options,
                                         args.threshold).items():
            rows.append(
                dict(
                    work_dir=work_dir,
                    config=run_name(work_dir, args.group_by),
                    network=network,
                    checkpoint=checkpoint,
                    **metrics))

    keys = FACTORS + tuple(k for k in CONFIDENCE
                           if any(k in row for row in rows))
    print(f'\nconfident: top probability >= {args.threshold}')
    print('\n| run | network | ' +
          ' | '.join(COLUMNS[k] for k in keys) + ' |')
    print('|---|---|' + '---|' * len(keys))
    for row in rows:
        print(f"| {row['work_dir']} | {row['network']} | " +
              ' | '.join(percent(row.get(k)) for k in keys) + ' |')
    groups = {}
    for row in rows:
        groups.setdefault((row['config'], row['network']), []).append(row)
    print('\n| config | network | runs | ' +
          ' | '.join(COLUMNS[k] for k in keys) + ' |')
    print('|---|---|---|' + '---|' * len(keys))
    summary = {}
    for (config, network), runs in groups.items():
        cells, stats = [], summary.setdefault(config, {}).setdefault(
            network, {})
        for key in keys:
            values = [100 * r[key] for r in runs if r.get(key) is not None]
            mean, std = mean_std(values)
            stats[key] = dict(mean=mean if values else None, std=std)
            cells.append('–' if not values else f'{mean:.1f}' + (
                '' if std is None else f' ± {std:.1f}'))
        print(f'| {config} | {network} | {len(runs)} | ' +
              ' | '.join(cells) + ' |')
    for work_dir, why in failures:
        print(f'skipped {work_dir}: {why}', file=sys.stderr)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(threshold=args.threshold, runs=rows,
                           summary=summary,
                           skipped=[dict(work_dir=w, reason=r)
                                    for w, r in failures]), f, indent=1)
    return 1 if failures and not rows else 0


if __name__ == '__main__':
    sys.exit(main())
