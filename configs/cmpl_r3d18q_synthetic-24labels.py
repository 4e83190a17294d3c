# CMPL on the demo data with 24 labeled videos per class and 2400
# iterations: cmpl_r3d18q_synthetic.py on the README's headline split.
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/models/aux_r3d18_eighth_demo.py',
    './_base_/datasets/synthetic_semi_24labels.py',
    './_base_/schedules/sgd_cosine_demo_2400.py', './_base_/default_runtime.py'
]

model = dict(type='CMPLRecognizer', auxiliary={{_base_.auxiliary}})
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
