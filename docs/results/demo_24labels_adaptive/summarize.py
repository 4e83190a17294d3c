"""Tables of docs/results/README.md, "Adaptive thresholds at 24 labels".

Top-1 at iteration 2400 paired by seed (FixMatch, CMPL and supervised from
docs/results/demo_24labels_seeds/merged/results.json; the adaptive runs from
the validation lines copied beside this script) and the pseudo-label
statistics of each run's copied ``pseudo_label_stats.jsonl``. Reads only
files in the repository. Run from the repository root:

    python docs/results/demo_24labels_adaptive/summarize.py

After new runs in work_dirs/evidence24/NAME/seedS, copy their files here
first with ``--collect NAME``.
"""
import argparse
import glob
import json
import os.path as osp
import re
import shutil
import statistics

from cmpl_mm.analysis.stats import mean_std, paired_gap

HERE = osp.dirname(osp.abspath(__file__))
SEEDS = range(5)
RUNS = ('flexmatch', 'cmpl-flexmatch', 'cmpl-distalign')
ROWS = ('supervised', 'fixmatch', 'flexmatch', 'cmpl', 'cmpl-flexmatch',
        'cmpl-distalign')
GAPS = (('fixmatch', 'flexmatch'), ('cmpl', 'cmpl-flexmatch'),
        ('cmpl', 'cmpl-distalign'), ('fixmatch', 'cmpl-flexmatch'),
        ('fixmatch', 'cmpl-distalign'))
VAL_ITERS = (800, 1600, 2400)
# shape / motion accuracy of each network's last checkpoint
# (tools/analysis/factor_accuracy.py); the earlier runs' files, then ours
FACTOR_FILES = ('docs/results/demo_compare_24labels/factor_accuracy.json',
                'docs/results/demo_24labels_seeds/confidence_24labels.json',
                osp.join(HERE, 'factor_accuracy.json'))


def collect(name):
    """Copy each finished seed's stats and validation lines beside us."""
    for seed in SEEDS:
        work_dir = f'work_dirs/evidence24/{name}/seed{seed}'
        if not osp.isfile(osp.join(work_dir, 'iter_2400.pth')):
            continue
        stats = osp.join(work_dir, 'pseudo_label_stats.jsonl')
        if osp.isfile(stats):  # none where no pseudo-label was made
            shutil.copy(stats, osp.join(
                HERE, f'{name}_seed{seed}_pseudo_label_stats.jsonl'))
        lines = []
        for log in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
            for line in open(log):
                if 'Iter(val) [' in line and 'acc/top1' in line:
                    lines.append(line[line.index('Iter(val)'):])
        with open(osp.join(HERE, f'{name}_seed{seed}_val.txt'), 'w') as f:
            f.writelines(lines)


def final_top1(name, seed, folder=None):
    """Top-1 of the validation at iteration 2400 copied into ``folder``
    (default ``HERE``), or None if not copied."""
    path = osp.join(folder or HERE, f'{name}_seed{seed}_val.txt')
    if not osp.isfile(path):
        return None
    values = [float(m.group(1)) for m in
              re.finditer(r'acc/top1: ([0-9.]+)', open(path).read())]
    # one validation per 800 iterations: the third is iteration 2400
    assert len(values) == len(VAL_ITERS), (path, values)
    return values[-1]


def pseudo_stats(name, seed):
    path = osp.join(HERE, f'{name}_seed{seed}_pseudo_label_stats.jsonl')
    if not osp.isfile(path):
        return {}
    return {r['iter']: r for r in map(json.loads, open(path)) if 'iter' in r}


def factor_table():
    """Mean shape and motion accuracy per config and network, 5 seeds."""
    rows = {}
    for path in FACTOR_FILES:
        if not osp.isfile(path):
            continue
        for run in json.load(open(path))['runs']:
            parts = run['work_dir'].rstrip('/').split('/')
            algo = parts[-2].split('_')[0]  # NAME_r3d18q_synthetic or NAME
            if algo not in ROWS or not parts[-1].startswith('seed'):
                continue
            rows.setdefault((algo, run['network']), {})[parts[-1]] = run
    print('| config, network | seeds | top-1 | shape | motion |')
    print('|---|---|---|---|---|')
    for algo in ROWS:
        for net in ('primary', 'auxiliary'):
            runs = rows.get((algo, net))
            if not runs:
                continue
            cells = []
            for key in ('top1', 'shape_acc', 'motion_acc'):
                mean, std = mean_std([100 * r[key] for r in runs.values()])
                cells.append(f'{mean:.1f}' + (f' ± {std:.1f}' if std else ''))
            print(f'| {algo}, {net} | {len(runs)} | ' + ' | '.join(cells)
                  + ' |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--collect', nargs='+', default=[], metavar='NAME',
                        help='copy work_dirs/evidence24/NAME/seed* first')
    args = parser.parse_args()
    for name in args.collect:
        collect(name)
    # then, for the shape / motion table:
    # python tools/analysis/factor_accuracy.py work_dirs/evidence24/*/seed? \
    #     --out docs/results/demo_24labels_adaptive/factor_accuracy.json

    merged = json.load(open('docs/results/demo_24labels_seeds/merged/'
                            'results.json'))
    top1 = {}
    for run in merged['runs']:
        algo = run['name'].split('_')[0]
        top1.setdefault(algo, {})[str(run['seed'])] = run['final_val'][
            'acc/top1']
    for name in RUNS:
        for seed in SEEDS:
            value = final_top1(name, seed)
            if value is not None:
                top1.setdefault(name, {})[str(seed)] = value

    print('| config | ' + ' | '.join(f'seed {s}' for s in SEEDS)
          + ' | mean ± std |')
    print('|---|' + '---|' * 6)
    for algo in ROWS:
        values = top1.get(algo, {})
        if not values:
            continue
        mean, std = mean_std([100 * v for v in values.values()])
        cells = [f'{100 * values[str(s)]:.2f}' if str(s) in values else '-'
                 for s in SEEDS]
        spread = f' ± {std:.2f}' if std is not None else ''
        print(f'| {algo} | ' + ' | '.join(cells) + f' | {mean:.2f}{spread} |')
    print()

    def percent(algo):
        return {k: 100 * v for k, v in top1[algo].items()}

    for earlier, later in GAPS:
        if later not in top1 or earlier not in top1:
            continue
        spreads = [mean_std(list(percent(a).values()))[1]
                   for a in (earlier, later)]
        gap = paired_gap(percent(earlier), percent(later), spreads)
        per_seed = ', '.join(f'{d:+.2f}' for d in gap['per_seed'].values())
        std = f' ± {gap["std"]:.2f}' if gap['std'] is not None else ''
        print(f'{later} - {earlier}: seeds {gap["seeds"]}, per seed '
              f'{per_seed}; mean {gap["gap"]:+.2f}{std}; {gap["verdict"]}; '
              f'seeds needed {gap["seeds_needed"]}')
    print()

    print('| run, network | ' + ' | '.join(f'iter {i}' for i in VAL_ITERS)
          + ' |')
    print('|---|' + '---|' * len(VAL_ITERS))
    for name in RUNS:
        for net in ('primary', 'auxiliary'):
            cells, seeds = [], 0
            for it in VAL_ITERS:
                ratio, precision, threshold = [], [], []
                for seed in SEEDS:
                    record = pseudo_stats(name, seed).get(it, {}).get(net)
                    if not record:
                        continue
                    ratio.append(record['mask_ratio'])
                    if record['precision'] is not None:
                        precision.append(record['precision'])
                    threshold.append(record.get('threshold_mean'))
                if not ratio:
                    continue
                seeds = len(ratio)
                cell = f'{statistics.mean(ratio):.2f} / ' + (
                    f'{statistics.mean(precision):.2f}' if precision
                    else '-')
                if None not in threshold:
                    cell += f' / {statistics.mean(threshold):.2f}'
                cells.append(cell)
            if cells:
                print(f'| {name}, {net} (n={seeds}) | ' + ' | '.join(cells)
                      + ' |')
    print()
    factor_table()


if __name__ == '__main__':
    main()
