# CMPL with a motion auxiliary on the demo data with 24 labeled videos per
# class and 2400 iterations: cmpl-tg_r3d18q_synthetic.py (the auxiliary sees
# the temporal gradient, the primary RGB) on the split and schedule of
# cmpl_r3d18q_synthetic-24labels.py.
_base_ = ['./cmpl_r3d18q_synthetic-24labels.py']

model = dict(semi_train_cfg=dict(modality=dict(auxiliary='tg')))
