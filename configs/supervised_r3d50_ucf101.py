# Supervised baseline: 3D ResNet-50 from scratch on the labeled 1% of
# UCF-101 split 1 only. Same split, pipeline and schedule as
# fixmatch_r3d50_ucf101.py and cmpl_r3d50_ucf101.py.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/ucf101_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

# clips and Conv3d weights in channels_last_3d layout on the GPU (README,
# "GPU speed"); the same results on any device
model = dict(
    type='SupervisedRecognizer',
    data_preprocessor=dict(channels_last_3d=True))
train_dataloader = dict(
    batch_size=8,
    sampler=dict(mu=0),
    dataset=dict(unlabeled=None))
