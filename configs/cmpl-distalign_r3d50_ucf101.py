# CMPL with distribution alignment (AdaMatch-style): each teacher's
# probabilities are scaled by the running labeled class distribution over
# the running distribution of its own unlabeled predictions (EMA momentum
# 0.999) before the fixed 0.95 threshold and the hard target. Otherwise
# cmpl_r3d50_ucf101.py. Not verified on video.
_base_ = ['./cmpl_r3d50_ucf101.py']

model = dict(semi_train_cfg=dict(align=dict(type='DistributionAlignment')))
