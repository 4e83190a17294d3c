# FixMatch: 3D ResNet-50 from scratch, UCF-101 split 1, 1% labels. Same
# split, pipelines and schedule as supervised_/cmpl_r3d50_ucf101.py.
# Threshold 0.95 and unlabeled weight 1.0 are FixMatch's defaults, mu=1 as
# in video FixMatch baselines; none of them is verified on UCF-101 here.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/ucf101_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

# clips and Conv3d weights in channels_last_3d layout on the GPU (README,
# "GPU speed"); the same results on any device
model = dict(
    type='FixMatchRecognizer',
    data_preprocessor=dict(channels_last_3d=True))
