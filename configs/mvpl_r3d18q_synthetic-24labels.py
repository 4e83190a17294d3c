# MvPL on the demo data with 24 labeled videos per class and 2400
# iterations: mvpl_r3d18q_synthetic.py (RGB + temporal-gradient views, one
# network) on the split and schedule of fixmatch_r3d18q_synthetic-24labels.py.
_base_ = ['./fixmatch_r3d18q_synthetic-24labels.py']

model = dict(type='MvPLRecognizer')
