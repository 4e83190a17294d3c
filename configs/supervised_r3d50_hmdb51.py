# supervised with a 3D ResNet-50 from scratch on hmdb51, 40pct labeled.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/hmdb51_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

# clips and Conv3d weights in channels_last_3d layout on the GPU (README,
# "GPU speed"); the same results on any device
model = dict(
    type='SupervisedRecognizer',
    primary=dict(cls_head=dict(num_classes=51)),
    data_preprocessor=dict(channels_last_3d=True))
train_dataloader = dict(
    batch_size=8,
    sampler=dict(mu=0),
    dataset=dict(
        labeled=dict(ann_file='data/hmdb51/semi/split1_40pct/labeled.txt'),
        unlabeled=None))
