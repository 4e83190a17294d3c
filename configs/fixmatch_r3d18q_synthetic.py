# FixMatch on the generated demo data; same split and schedule as the
# supervised and CMPL demo configs.
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(type='FixMatchRecognizer')
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
