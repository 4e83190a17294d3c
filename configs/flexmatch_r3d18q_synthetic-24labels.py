# FlexMatch on the generated demo data: fixmatch_r3d18q_synthetic-24labels.py
# with class-adaptive thresholds (FlexMatchThreshold) whose upper threshold is
# the demo's semi_train_cfg.threshold (0.8), so the two differ in the mask rule
# only.
_base_ = ['./fixmatch_r3d18q_synthetic-24labels.py']

model = dict(type='FlexMatchRecognizer')
