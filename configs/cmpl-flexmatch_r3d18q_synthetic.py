# CMPL with FlexMatch's class-adaptive thresholds on the demo data:
# cmpl_r3d18q_synthetic.py whose fixed threshold 0.8 becomes the upper
# threshold of FlexMatchThreshold, one per-clip memory per taught network. Does
# an adaptive threshold let the 1/4-width auxiliary teach the primary?
_base_ = ['./cmpl_r3d18q_synthetic.py']

model = dict(semi_train_cfg=dict(mask=dict(type='FlexMatchThreshold')))
