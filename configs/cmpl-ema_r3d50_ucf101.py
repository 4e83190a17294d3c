# CMPL with EMA teachers: each network is taught by the exponential moving
# average (momentum 0.999) of the other one, instead of the other network
# as it trains. Otherwise cmpl_r3d50_ucf101.py. Not in the paper; an option
# to compare, unverified.
_base_ = ['./cmpl_r3d50_ucf101.py']

model = dict(
    semi_train_cfg=dict(teacher=dict(type='EMATeacher', momentum=0.999)))
