# UDA: 3D ResNet-50 from scratch, UCF-101 split 1, 1% labels. The weak-view
# distribution sharpened at temperature 0.4 supervises the strong view where
# the top probability reaches 0.8 (UDA's confidence mask), soft-target
# cross-entropy. Same split, pipelines and schedule as
# supervised_/fixmatch_/cmpl_r3d50_ucf101.py. UDA's image settings; none is
# verified on video here.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/ucf101_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

model = dict(type='UDARecognizer', semi_train_cfg=dict(threshold=0.8))
