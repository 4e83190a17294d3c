# The generated demo dataset (tools/data/generate_synthetic.py), semi-
# supervised: 8 classes, labeled/unlabeled lists from
# tools/data/build_semi_split.py. 8-frame clips at 56x56, CPU-sized.
data_root = 'data/synthetic'
labeled_ann_file = 'data/synthetic/semi/labeled.txt'
unlabeled_ann_file = 'data/synthetic/semi/unlabeled.txt'
val_ann_file = 'data/synthetic/val.txt'
num_classes = 8
labeled_batch_size = 8
mu = 1

views = ['sup', 'weak', 'strong']
decode_and_geometry = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=2, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    # no horizontal flip: it would turn 'moves right' into 'moves left'
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
        frame_interval=2,
        num_clips=1,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=labeled_batch_size * (1 + mu),
    num_workers=2,
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
    batch_size=16,
    num_workers=2,
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
test_dataloader = val_dataloader

val_evaluator = dict(
    type='AccMetric', metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
