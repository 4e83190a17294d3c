"""Tables of docs/results/README.md, "Time as a signal at 24 labels".

The adaptive-threshold tables' script (``../demo_24labels_adaptive/
summarize.py``) on the time-based runs: CMPL with a temporal-gradient
auxiliary (``cmpl-tg``), MvPL (RGB + TG views) and LTG, paired by seed
with the earlier FixMatch / CMPL / supervised runs. Reads only files in
the repository. Run from the repository root:

    python docs/results/demo_24labels_time/summarize.py

After new runs in work_dirs/evidence24/NAME/seedS, copy their files here
first with ``--collect NAME`` (and write this folder's
``factor_accuracy.json`` with tools/analysis/factor_accuracy.py).
"""
import importlib.util
import os.path as osp

HERE = osp.dirname(osp.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'adaptive_summarize',
    osp.join(HERE, '..', 'demo_24labels_adaptive', 'summarize.py'))
tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tables)

tables.__doc__ = __doc__
tables.HERE = HERE
# fixmatch-reseeded: FixMatch again, with the per-sample augmentation
# seeding that the MvPL and LTG runs (and CMPL-TG from seed 2) drew with;
# mvpl-views-sup: MvPL whose unlabeled loss never starts (warmup_iters =
# 2400), i.e. supervised training of one network on the RGB and TG views
tables.RUNS = ('cmpl-tg', 'mvpl', 'ltg', 'fixmatch-reseeded',
               'mvpl-views-sup')
tables.ROWS = ('supervised', 'mvpl-views-sup', 'fixmatch',
               'fixmatch-reseeded', 'cmpl', 'cmpl-tg', 'mvpl', 'ltg')
tables.GAPS = (('cmpl', 'cmpl-tg'), ('fixmatch', 'cmpl-tg'),
               ('fixmatch', 'mvpl'), ('fixmatch-reseeded', 'mvpl'),
               ('cmpl', 'mvpl'), ('fixmatch', 'ltg'),
               ('fixmatch-reseeded', 'ltg'), ('cmpl', 'ltg'),
               ('fixmatch', 'fixmatch-reseeded'),
               ('supervised', 'mvpl-views-sup'), ('mvpl-views-sup', 'mvpl'))
# runs evaluated on 2026-12-02, then those of 2026-12-03 (_3: MvPL seeds
# 3-4, LTG seeds 2-3; _4: CMPL-TG seed 3, LTG seed 4; _5: CMPL-TG seed 4)
tables.FACTOR_FILES = tables.FACTOR_FILES[:2] + (
    osp.join(HERE, 'factor_accuracy.json'),
    osp.join(HERE, 'factor_accuracy_2.json'),
    osp.join(HERE, 'factor_accuracy_controls.json'),
    osp.join(HERE, 'factor_accuracy_3.json'),
    osp.join(HERE, 'factor_accuracy_4.json'),
    osp.join(HERE, 'factor_accuracy_5.json'))

if __name__ == '__main__':
    tables.main()
