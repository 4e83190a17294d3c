# MvPL on the generated demo data: fixmatch_r3d18q_synthetic.py with one
# network shared by the RGB and temporal-gradient views of every clip (the
# TG derived from the same decoded clip), pseudo-labels from the mean of
# both views' weak-view probabilities, both views' strong clips taught.
# The demo's threshold (0.8) and warm-up are kept, so the two differ in the
# views only (MvPL's own threshold is 0.3: mvpl_r3d50_ucf101.py).
_base_ = ['./fixmatch_r3d18q_synthetic.py']

model = dict(type='MvPLRecognizer')
