"""Tables of docs/results/README.md, "Adaptive thresholds at 24 labels": top-1 at
iteration 2400 paired by seed (FixMatch, CMPL and supervised from
docs/results/demo_24labels_seeds/merged/results.json) and pseudo-label
statistics of the runs in work_dirs/evidence24. Run from the repository root:
python docs/results/demo_24labels_adaptive/summarize.py"""
import json, os.path as osp, sys
from cmpl_mm.analysis.run_logs import load_run
from cmpl_mm.analysis.stats import mean_std, paired_gap

old = json.load(open('docs/results/demo_24labels_seeds/merged/results.json'))
top1 = {}
for run in old['runs']:
    algo = run['name'].split('_')[0]
    top1.setdefault(algo, {})[str(run['seed'])] = run['final_val']['acc/top1']
pseudo = {}
for name in ('flexmatch', 'cmpl-flexmatch', 'cmpl-distalign'):
    for seed in range(5):
        wd = f'work_dirs/evidence24/{name}/seed{seed}'
        if not osp.isfile(osp.join(wd, 'iter_2400.pth')):
            continue
        log = load_run(wd)
        final = [v for v in log.val if v['iter'] == 2400]
        if final:
            top1.setdefault(name, {})[str(seed)] = final[-1]['acc/top1']
        pseudo[(name, seed)] = log.pseudo[-1] if log.pseudo else None
print('| config | ' + ' | '.join(f'seed {s}' for s in range(5)) + ' | mean ± std |')
print('|---|' + '---|' * 6)
for algo in ('supervised', 'fixmatch', 'flexmatch', 'cmpl', 'cmpl-flexmatch', 'cmpl-distalign'):
    vals = top1.get(algo, {})
    if not vals:
        continue
    m, s = mean_std([100 * v for v in vals.values()])
    cells = [f'{100 * vals[str(k)]:.2f}' if str(k) in vals else '-' for k in range(5)]
    print(f'| {algo} | ' + ' | '.join(cells) + f' | {m:.2f} ± {s:.2f} |' if s is not None else f'| {algo} | ' + ' | '.join(cells) + f' | {m:.2f} |')
print()
def spread(a):
    v = [100 * x for x in top1[a].values()]
    return mean_std(v)[1]
for a, b in (('fixmatch', 'flexmatch'), ('cmpl', 'cmpl-flexmatch'), ('cmpl', 'cmpl-distalign'), ('fixmatch', 'cmpl-flexmatch'), ('fixmatch', 'cmpl-distalign')):
    if b not in top1: continue
    g = paired_gap({k: 100 * v for k, v in top1[a].items()}, {k: 100 * v for k, v in top1[b].items()}, [spread(a), spread(b)])
    print(f'{b} - {a}: seeds {g["seeds"]}, per seed ' + ', '.join(f'{d:+.2f}' for d in g['per_seed'].values()) + f'; mean {g["gap"]:+.2f}' + (f' ± {g["std"]:.2f}' if g['std'] is not None else '') + f'; {g["verdict"]}; seeds needed {g["seeds_needed"]}')
print()
print('| run | network | mask ratio | precision | threshold mean (min-max) |')
print('|---|---|---|---|---|')
for (name, seed), rec in sorted(pseudo.items()):
    if rec is None: continue
    for net in ('primary', 'auxiliary'):
        r = rec.get(net)
        if not r: continue
        th = (f"{r['threshold_mean']:.2f} ({r['threshold_min']:.2f}-{r['threshold_max']:.2f})" if 'threshold_mean' in r else '-')
        print(f"| {name} seed {seed} | {net} | {r['mask_ratio']:.2f} | {r['precision']:.2f} | {th} |")

print()
print('| run, network | iter 800 | iter 1600 | iter 2400 |')
print('|---|---|---|---|')
import statistics as st
for name in ('flexmatch', 'cmpl-flexmatch'):
    for net in ('primary', 'auxiliary'):
        cells = []
        for it in (800, 1600, 2400):
            m, p, t = [], [], []
            for seed in range(5):
                wd = f'work_dirs/evidence24/{name}/seed{seed}'
                if not osp.isfile(osp.join(wd, 'iter_2400.pth')):
                    continue
                recs = [r for r in load_run(wd).pseudo if r['iter'] == it]
                if recs and net in recs[-1]:
                    r = recs[-1][net]
                    m.append(r['mask_ratio']); p.append(r['precision']); t.append(r['threshold_mean'])
            if m:
                cells.append(f'{st.mean(m):.2f} / {st.mean(p):.2f} / {st.mean(t):.2f}')
        if cells:
            print(f'| {name}, {net} (n={len(m)}) | ' + ' | '.join(cells) + ' |')
