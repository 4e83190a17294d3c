# Dash on the generated demo data: fixmatch_r3d18q_synthetic.py with Dash's
# dynamic loss threshold instead of the fixed 0.8. rho_hat is the mean
# supervised loss of the last 50 warm-up iterations (warm-up: 200, from the
# demo model base); rho decays by USB's gamma 1.27 every 100 unlabeled
# iterations (7 steps in this 900-iteration run; USB: every 10 epochs).
_base_ = ['./fixmatch_r3d18q_synthetic.py']

model = dict(
    type='DashRecognizer',
    semi_train_cfg=dict(
        mask=dict(type='DashThreshold', decay_iters=100, estimate_iters=50)))
