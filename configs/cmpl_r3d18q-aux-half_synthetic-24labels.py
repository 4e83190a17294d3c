# cmpl_r3d18q-aux-half_synthetic.py (the auxiliary at 1/2 of the demo
# primary's width) on the 24-label demo split and 2400-iteration schedule.
_base_ = ['./cmpl_r3d18q_synthetic-24labels.py']

model = dict(
    auxiliary=dict(
        backbone=dict(base_channels=8), cls_head=dict(in_channels=64)))
