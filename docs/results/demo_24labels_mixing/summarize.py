"""Tables of docs/results/README.md, "Mixing, the tiny ViT and
cross-architecture CMPL at 24 labels".

The adaptive-threshold tables' script (``../demo_24labels_adaptive/
summarize.py``) on issue 27's runs: FixMatch and CMPL with tube CutMix on
their strong views (``fixmatch-tubecutmix``, ``cmpl-tubecutmix``) paired by
seed with the same configs re-run under the same augmentation seeding
(``fixmatch-reseeded``, ``cmpl-reseeded``); CMPL with a tiny-ViT auxiliary
(``cmpl-aux-vit-tiny``, and ``-onesgd`` under one SGD); the tiny video ViT
supervised, with FixMatch and with SVFormer, and supervised on all 1280
labels (``supervised-vit-tiny-alllabels``, a diagnostic). Last, what each CMPL / FixMatch
primary was taught, per class. Reads only files in the repository. Run
from the repository root:

    python docs/results/demo_24labels_mixing/summarize.py

After new runs in work_dirs/evidence24/NAME/seedS, copy their files here
first with ``--collect NAME`` (and write a ``factor_accuracy_N.json`` here
with tools/analysis/factor_accuracy.py; every such file is read).
"""
import glob
import importlib.util
import os.path as osp

HERE = osp.dirname(osp.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    'adaptive_summarize',
    osp.join(HERE, '..', 'demo_24labels_adaptive', 'summarize.py'))
tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tables)

from cmpl_mm.analysis.pseudo_classes import class_tables  # noqa: E402

tables.__doc__ = __doc__
tables.HERE = HERE
tables.RUNS = ('fixmatch-reseeded', 'fixmatch-tubecutmix', 'cmpl-reseeded',
               'cmpl-tubecutmix', 'cmpl-aux-vit-tiny-onesgd',
               'cmpl-aux-vit-tiny', 'supervised-vit-tiny',
               'fixmatch-vit-tiny', 'svformer-vit-tiny',
               'supervised-vit-tiny-alllabels')
tables.ROWS = ('supervised', 'fixmatch', 'cmpl') + tables.RUNS
# each mixing run against the same algorithm with the same augmentation
# draws (per-sample seeding: the reseeded runs), then the tiny ViT's
tables.GAPS = (('fixmatch-reseeded', 'fixmatch-tubecutmix'),
               ('cmpl-reseeded', 'cmpl-tubecutmix'),
               ('cmpl-reseeded', 'cmpl-aux-vit-tiny'),
               ('supervised-vit-tiny', 'fixmatch-vit-tiny'),
               ('supervised-vit-tiny', 'svformer-vit-tiny'),
               ('fixmatch-vit-tiny', 'svformer-vit-tiny'))
# the baselines' shape / motion accuracy, then ours
tables.FACTOR_FILES = tables.FACTOR_FILES[:2] + (osp.join(
    HERE, '..', 'demo_24labels_time', 'factor_accuracy_controls.json'),
) + tuple(sorted(glob.glob(osp.join(HERE, 'factor_accuracy*.json'))))
CLASSES = ('square_moves_right', 'square_moves_left', 'square_moves_up',
           'square_moves_down', 'cross_moves_right', 'cross_moves_left',
           'cross_moves_up', 'cross_moves_down')  # the demo's classes.txt


def taught_table(names=('fixmatch-reseeded', 'fixmatch-tubecutmix',
                        'cmpl-reseeded', 'cmpl-tubecutmix',
                        'cmpl-aux-vit-tiny-onesgd', 'cmpl-aux-vit-tiny')):
    """What each run's primary was taught, per class, summed over its
    seeds and the second half of training (iterations 1250-2400): the
    share of the accepted pseudo-labels that fall in each class and their
    precision, and the precision over all classes (``right``)."""
    print('| run (primary taught by) | seeds | labels | right | '
          + ' | '.join(c.replace('_moves_', ' ') for c in CLASSES) + ' |')
    print('|---|---|---|---|' + '---|' * len(CLASSES))
    for name in names:
        accepted, correct, seeds, teacher = None, None, 0, None
        for seed in tables.SEEDS:
            stats = tables.pseudo_stats(name, seed)
            records = [r for it, r in stats.items() if it > 1200]
            table = class_tables(records).get('primary')
            if table is None:
                continue
            seeds += 1
            teacher = table.teacher
            accepted = [a + b for a, b in zip(accepted or [0] * len(CLASSES),
                                               table.accepted)]
            correct = [a + b for a, b in zip(correct or [0] * len(CLASSES),
                                              table.correct)]
        if not seeds:
            continue
        total = sum(accepted)
        cells = [f'{100 * a / total:.0f} % / {100 * c / a:.0f} %' if a
                 else '0 %' for a, c in zip(accepted, correct)]
        right = f'{100 * sum(correct) / total:.1f} %' if total else '-'
        print(f'| {name} ({teacher}) | {seeds} | {total} | {right} | '
              + ' | '.join(cells) + ' |')
    print()


if __name__ == '__main__':
    tables.main()
    taught_table()
