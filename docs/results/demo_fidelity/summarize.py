"""Tables of docs/results/README.md, "Algorithm fidelity: does every
algorithm learn?".

Validation top-1 at iterations 300 / 600 / 900 of each demo-config run
(8 labels per class, 400 val clips, chance 12.5 %) and the last logged
pseudo-label interval, from the files copied beside this script; a run
that ends below 2 x chance is marked. Reads only files in the repository.
Run from the repository root:

    python docs/results/demo_fidelity/summarize.py

After new runs in work_dirs/fidelity/NAME/seedS, copy their files here
first with ``--collect NAME [NAME ...]``.
"""
import argparse
import glob
import json
import os.path as osp
import re
import shutil

from cmpl_mm.analysis.stats import mean_std

HERE = osp.dirname(osp.abspath(__file__))
SEEDS = range(3)
VAL_ITERS = (300, 600, 900)
CHANCE = 1 / 8
LEARNED_FACTOR = 2.0


def collect(name):
    """Copy each finished seed's stats and validation lines beside us."""
    for seed in SEEDS:
        work_dir = f'work_dirs/fidelity/{name}/seed{seed}'
        if not osp.isfile(osp.join(work_dir, 'iter_900.pth')):
            continue
        shutil.copy(osp.join(work_dir, 'pseudo_label_stats.jsonl'),
                    osp.join(HERE, f'{name}_seed{seed}_pseudo_label_stats.jsonl'))
        lines = []
        for log in sorted(glob.glob(osp.join(work_dir, '*', '*.log'))):
            for line in open(log):
                if 'Iter(val) [' in line and 'acc/top1' in line:
                    lines.append(line[line.index('Iter(val)'):])
        with open(osp.join(HERE, f'{name}_seed{seed}_val.txt'), 'w') as f:
            f.writelines(lines)


def val_top1(name, seed):
    """Top-1 at each validation, or None if the run was not copied."""
    path = osp.join(HERE, f'{name}_seed{seed}_val.txt')
    if not osp.isfile(path):
        return None
    values = [float(m.group(1)) * 100 for m in
              re.finditer(r'acc/top1: ([0-9.]+)', open(path).read())]
    assert len(values) == len(VAL_ITERS), (path, values)
    return values


def last_pseudo(name, seed):
    """The last logged pseudo-label interval of every taught network."""
    path = osp.join(HERE, f'{name}_seed{seed}_pseudo_label_stats.jsonl')
    if not osp.isfile(path):
        return {}
    records = [r for r in map(json.loads, open(path)) if 'iter' in r]
    return records[-1] if records else {}


def names():
    found = {osp.basename(p).rsplit('_seed', 1)[0]
             for p in glob.glob(osp.join(HERE, '*_val.txt'))}
    return sorted(found)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--collect', nargs='*', default=[])
    args = parser.parse_args()
    for name in args.collect:
        collect(name)
    rows, summary = [], {}
    print('| run | seed | top-1 at 300 / 600 / 900 | learned (>= 25 %) | '
          'last interval: mask ratio / precision / threshold |')
    print('|---|---|---|---|---|')
    for name in names():
        finals = []
        for seed in SEEDS:
            top1 = val_top1(name, seed)
            if top1 is None:
                continue
            finals.append(top1[-1])
            pseudo = last_pseudo(name, seed)
            nets = []
            for net, s in pseudo.items():
                if not isinstance(s, dict) or 'mask_ratio' not in s:
                    continue
                thr = s.get('threshold_mean')
                nets.append(f"{net} {s['mask_ratio']:.2f} / "
                            f"{s.get('precision') or 0:.2f}"
                            + (f' / {thr:.2f}' if thr is not None else ''))
            learned = top1[-1] >= LEARNED_FACTOR * CHANCE * 100
            print(f'| {name} | {seed} | '
                  + ' / '.join(f'{v:.2f}' for v in top1)
                  + f" | {'yes' if learned else '**no**'} | "
                  + ('; '.join(nets) or '-') + ' |')
        mean, std = mean_std(finals)
        summary[name] = dict(final_top1=finals, mean=mean, std=std)
    print()
    print('| run | seeds | final top-1 mean +- std |')
    print('|---|---|---|')
    for name, s in summary.items():
        std = f" +- {s['std']:.2f}" if s['std'] is not None else ''
        print(f"| {name} | {len(s['final_top1'])} | {s['mean']:.2f}{std} |")
    with open(osp.join(HERE, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
