"""Tables of docs/results/README.md, "Time under a moving camera".

The 24-label runs on the panned, cluttered demo data
(``--camera-motion 0.15 --clutter 8``; configs beside this script), paired
by seed with each other, then set against the same algorithm and seed on the
still-camera demo data (``../demo_24labels_time`` for MvPL / LTG,
``fixmatch-reseeded`` there for FixMatch: the same per-sample augmentation
seeding as the pan runs). Reads only files in the repository. Run from the
repository root:

    python docs/results/demo_24labels_pan/summarize.py

After new runs in work_dirs/evidence24/NAME/seedS, copy their files here
first with ``--collect NAME`` (and write a new ``factor_accuracy_N.json``
here with tools/analysis/factor_accuracy.py, listed in FACTOR_FILES).
"""
import importlib.util
import os.path as osp

HERE = osp.dirname(osp.abspath(__file__))
TIME = osp.join(HERE, '..', 'demo_24labels_time')
spec = importlib.util.spec_from_file_location(
    'adaptive_summarize',
    osp.join(HERE, '..', 'demo_24labels_adaptive', 'summarize.py'))
tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tables)

tables.__doc__ = __doc__
tables.HERE = HERE
tables.RUNS = ('supervised-pan', 'fixmatch-pan', 'mvpl-pan', 'ltg-pan')
tables.ROWS = tables.RUNS
tables.GAPS = (('fixmatch-pan', 'mvpl-pan'), ('fixmatch-pan', 'ltg-pan'),
               ('supervised-pan', 'fixmatch-pan'))
tables.FACTOR_FILES = (osp.join(HERE, 'factor_accuracy.json'),
                       osp.join(HERE, 'factor_accuracy_2.json'))
# each pan run's still-camera counterpart (same config but the data root)
STILL = {'fixmatch-pan': 'fixmatch-reseeded', 'mvpl-pan': 'mvpl',
         'ltg-pan': 'ltg'}


def camera_table():
    """Top-1 per seed on still and panned clips, and the change."""
    print('| config | seed | still camera | pan + clutter | change |')
    print('|---|---|---|---|---|')
    for pan, still in STILL.items():
        for seed in tables.SEEDS:
            moved = tables.final_top1(pan, seed)
            kept = tables.final_top1(still, seed, TIME)
            if moved is None or kept is None:
                continue
            print(f'| {pan[:-4]} | {seed} | {100 * kept:.2f} | '
                  f'{100 * moved:.2f} | {100 * (moved - kept):+.2f} |')
    print()


if __name__ == '__main__':
    tables.main()
    camera_table()
