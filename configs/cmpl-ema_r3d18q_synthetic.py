# CMPL with EMA teachers on the generated demo data: each network is taught
# by the EMA (momentum 0.99, for the demo's 600 iterations) of the other.
_base_ = ['./cmpl_r3d18q_synthetic.py']

model = dict(
    semi_train_cfg=dict(teacher=dict(type='EMATeacher', momentum=0.99)))
