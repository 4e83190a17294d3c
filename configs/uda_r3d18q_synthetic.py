# UDA on the generated demo data; same split and schedule as the
# supervised, FixMatch and CMPL demo configs (the demo's threshold 0.8 is
# UDA's confidence mask).
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(type='UDARecognizer', semi_train_cfg=dict(threshold=0.8))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
