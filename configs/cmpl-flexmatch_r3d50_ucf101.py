# CMPL with FlexMatch's class-adaptive thresholds: each network's
# pseudo-labels (from the other network) pass T(c) = M(beta(c)) * 0.95, and
# each direction keeps its own per-clip memory. Otherwise
# cmpl_r3d50_ucf101.py (3D ResNet-50 + 1/4-width auxiliary, UCF-101 1%).
# Not verified on video.
_base_ = ['./cmpl_r3d50_ucf101.py']

model = dict(semi_train_cfg=dict(mask=dict(type='FlexMatchThreshold')))
