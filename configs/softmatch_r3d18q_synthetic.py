# SoftMatch on the generated demo data: fixmatch_r3d18q_synthetic.py with
# truncated Gaussian weights (SoftMatchWeight) and uniform alignment, EMA
# momentum 0.99 (the papers' 0.999 is scaled to the demo's short schedule, as
# cmpl-ema_r3d18q_synthetic.py does; chosen a priori, not tuned).
_base_ = ['./fixmatch_r3d18q_synthetic.py']

model = dict(
    type='SoftMatchRecognizer',
    semi_train_cfg=dict(
        align=dict(
            type='DistributionAlignment', target='uniform', momentum=0.99),
        mask=dict(type='SoftMatchWeight', momentum=0.99)))
