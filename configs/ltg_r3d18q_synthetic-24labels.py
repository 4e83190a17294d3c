# LTG on the demo data with 24 labeled videos per class and 2400
# iterations: ltg_r3d18q_synthetic.py on the split and schedule of
# fixmatch_r3d18q_synthetic-24labels.py.
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/models/tg_r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi_24labels.py',
    './_base_/schedules/sgd_cosine_demo_2400.py', './_base_/default_runtime.py'
]

model = dict(type='LTGRecognizer', auxiliary={{_base_.auxiliary}})
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
