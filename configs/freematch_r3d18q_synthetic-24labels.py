# FreeMatch on the generated demo data: fixmatch_r3d18q_synthetic-24labels.py
# with self-adaptive thresholds (FreeMatchThreshold), EMA momentum 0.99 (the
# papers' 0.999 is scaled to the demo's short schedule, as cmpl-
# ema_r3d18q_synthetic.py does; chosen a priori, not tuned). The fairness loss
# is off (semi_train_cfg.mask.fairness_weight).
_base_ = ['./fixmatch_r3d18q_synthetic-24labels.py']

model = dict(
    type='FreeMatchRecognizer',
    semi_train_cfg=dict(mask=dict(type='FreeMatchThreshold', momentum=0.99)))
