# configs/ltg_r3d18q_synthetic-24labels.py on the panning-camera, cluttered
# demo data.
_base_ = [
    '../../../configs/_base_/models/r3d18_quarter_demo.py',
    '../../../configs/_base_/models/tg_r3d18_quarter_demo.py',
    '../../../configs/_base_/datasets/synthetic_pan_semi_24labels.py',
    '../../../configs/_base_/schedules/sgd_cosine_demo_2400.py',
    '../../../configs/_base_/default_runtime.py'
]

model = dict(type='LTGRecognizer', auxiliary={{_base_.auxiliary}})
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
