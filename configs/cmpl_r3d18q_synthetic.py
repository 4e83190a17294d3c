# CMPL on the generated demo data; same split and schedule as the
# supervised and FixMatch demo configs.
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/models/aux_r3d18_eighth_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(type='CMPLRecognizer', auxiliary={{_base_.auxiliary}})
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
