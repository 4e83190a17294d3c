# Ablation of "Time as a signal at 24 labels" (docs/results/README.md):
# MvPL whose unlabeled loss never starts (the warm-up lasts the whole
# 2400 iterations), i.e. one network trained on the labeled clips' RGB and
# temporal-gradient views and nothing else. Is MvPL's gain its pseudo-labels,
# or the TG view as a second input?
_base_ = ['../../../configs/mvpl_r3d18q_synthetic-24labels.py']

model = dict(semi_train_cfg=dict(warmup_iters=2400))
