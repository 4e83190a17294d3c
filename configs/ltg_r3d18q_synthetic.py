# LTG on the generated demo data: an RGB network (the demo's 1/4-width 3D
# ResNet-18, deployed) and a temporal-gradient network of the same size,
# trained together: pseudo-labels from the mean of both networks' weak-view
# logits teach both; the RGB features of every stage are aligned with the
# TG ones (LTGRecognizer). Split, schedule, threshold 0.8 and warm-up as
# fixmatch_r3d18q_synthetic.py (LTG's own threshold is 0.3:
# ltg_r3d18_ucf101.py).
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/models/tg_r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(type='LTGRecognizer', auxiliary={{_base_.auxiliary}})
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
