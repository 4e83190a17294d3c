# UCF-101 split 1, semi-supervised, 8-frame clips at 112x112 (RGB only).
# Paths follow mmaction2's tools/data/ucf101 layout; the labeled/unlabeled
# lists come from tools/data/build_semi_split.py (see README).
# The dataloader batch is B labeled + mu*B unlabeled clips per GPU.
data_root = 'data/ucf101/videos'
labeled_ann_file = 'data/ucf101/semi/split1_1pct/labeled.txt'
unlabeled_ann_file = 'data/ucf101/semi/split1_1pct/unlabeled.txt'
val_ann_file = 'data/ucf101/ucf101_val_split_1_videos.txt'
num_classes = 101
labeled_batch_size = 8
mu = 1

views = ['sup', 'weak', 'strong']
decode_and_geometry = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='RandomResizedCrop', area_range=(0.2, 1.0)),
    dict(type='Resize', scale=(112, 112), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
]
pack = [
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
labeled_pipeline = decode_and_geometry + [
    dict(type='MultiView', view_names=views, sup=pack)
]
unlabeled_pipeline = decode_and_geometry + [
    dict(
        type='MultiView',
        view_names=views,
        weak=pack,
        strong=[dict(type='VideoRandAugment', num_ops=2, magnitude=10)] +
        pack)
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=8,
        num_clips=1,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=8,
        num_clips=10,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=labeled_batch_size * (1 + mu),
    num_workers=8,
    persistent_workers=True,
    sampler=dict(
        type='LabeledUnlabeledRatioSampler',
        labeled_batch_size=labeled_batch_size,
        mu=mu),
    dataset=dict(
        type='LabeledUnlabeledDataset',
        labeled=dict(
            type='RobustDataset',
            dataset='VideoDataset',
            bad_video_policy='skip',
            ann_file=labeled_ann_file,
            data_prefix=dict(video=data_root),
            pipeline=labeled_pipeline),
        unlabeled=dict(
            type='RobustDataset',
            dataset='VideoDataset',
            hide_labels=True,
            bad_video_policy='skip',
            ann_file=unlabeled_ann_file,
            data_prefix=dict(video=data_root),
            pipeline=unlabeled_pipeline)))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RobustDataset',
        dataset='VideoDataset',
        bad_video_policy='skip',
        ann_file=val_ann_file,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RobustDataset',
        dataset='VideoDataset',
        bad_video_policy='skip',
        ann_file=val_ann_file,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(
    type='AccMetric', metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
