# configs/mvpl_r3d18q_synthetic-24labels.py (RGB + temporal-gradient views)
# on the panning-camera, cluttered demo data.
_base_ = ['./fixmatch_r3d18q_synthetic-pan-24labels.py']

model = dict(type='MvPLRecognizer')
