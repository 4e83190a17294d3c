"""Tables of docs/results/README.md, "Mixing and the tiny ViT at 24 labels".

The adaptive-threshold tables' script (``../demo_24labels_adaptive/
summarize.py``) on issue 27's runs: FixMatch and CMPL with tube CutMix on
their strong views (``fixmatch-tubecutmix``, ``cmpl-tubecutmix``), and the
tiny video ViT with FixMatch and with SVFormer (``fixmatch-vit-tiny``,
``svformer-vit-tiny``), paired by seed with the earlier FixMatch / CMPL /
supervised runs and with each other. Reads only files in the repository.
Run from the repository root:

    python docs/results/demo_24labels_mixing/summarize.py

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
tables.RUNS = ('fixmatch-tubecutmix', 'cmpl-tubecutmix', 'fixmatch-vit-tiny',
               'svformer-vit-tiny')
tables.ROWS = ('supervised', 'fixmatch', 'cmpl') + tables.RUNS
tables.GAPS = (('fixmatch', 'fixmatch-tubecutmix'),
               ('cmpl', 'cmpl-tubecutmix'),
               ('fixmatch-vit-tiny', 'svformer-vit-tiny'),
               ('fixmatch', 'fixmatch-vit-tiny'))
# the baselines' shape / motion accuracy, then ours
tables.FACTOR_FILES = tables.FACTOR_FILES[:2] + (
    osp.join(HERE, 'factor_accuracy.json'), )

if __name__ == '__main__':
    tables.main()
