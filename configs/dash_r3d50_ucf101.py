# Dash (Xu et al., ICML 2021): FixMatch whose clips count where the weak
# view's loss on its pseudo-label is below rho_t = max(C gamma^-k rho_hat,
# rho_min). 3D ResNet-50 from scratch, UCF-101 split 1, 1% labels; same
# split, pipelines and schedule as fixmatch_r3d50_ucf101.py. gamma 1.27,
# C 1.0001, rho_min 0.05 are USB's defaults (read from its code); rho_hat is
# the supervised loss averaged over the last 100 of 2000 supervised warm-up
# iterations (USB: 2048 warm-up iterations, then the labeled loss), and rho
# decays every 5400 iterations (ten times in the run; USB: every 10 epochs,
# an epoch's length depends on the split). Not verified on video here.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(
    type='DashRecognizer',
    semi_train_cfg=dict(
        warmup_iters=2000,
        mask=dict(type='DashThreshold', decay_iters=5400,
                  estimate_iters=100)))
