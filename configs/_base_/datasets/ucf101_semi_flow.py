# UCF-101 split 1 as RGB + optical-flow rawframes, semi-supervised, 8-frame
# clips at 112x112. mmaction2's tools/data/ucf101/extract_frames.sh writes
# per video a folder of img_00001.jpg ... and flow_x_00001.jpg /
# flow_y_00001.jpg ... (TV-L1 flow quantised to uint8 around 128, one flow
# frame fewer than RGB frames), and generate_rawframes_filelist.sh the
# lists ("frame_dir total_frames label", total_frames counting the RGB
# frames); split them with tools/data/build_semi_split.py as the video
# lists. LoadFlowForFrames stacks the flow of the sampled frames behind
# their RGB channels, so crop, resize and flip (RGBFlowFlip, which negates
# flow_x) move both alike; VideoRandAugment changes RGB values only and
# moves, rotates and shears flow with the frames (docs/configs.md, "Optical
# flow"). Validation and test read RGB only (what the deployed network
# sees); a config whose evaluated network sees flow adds LoadFlowForFrames
# there too (the config check asks for it). Otherwise ucf101_semi.py.
_base_ = ['./ucf101_semi.py']

data_root = 'data/ucf101/rawframes'
labeled_ann_file = 'data/ucf101/semi/split1_1pct_rawframes/labeled.txt'
unlabeled_ann_file = 'data/ucf101/semi/split1_1pct_rawframes/unlabeled.txt'
val_ann_file = 'data/ucf101/ucf101_val_split_1_rawframes.txt'

views = ['sup', 'weak', 'strong']
decode_and_geometry = [
    dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=1),
    dict(type='RawFrameDecode'),
    dict(type='LoadFlowForFrames', filename_tmpl='flow_{}_{:05d}.jpg'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='RandomResizedCrop', area_range=(0.2, 1.0)),
    dict(type='Resize', scale=(112, 112), keep_ratio=False),
    dict(type='RGBFlowFlip', flip_ratio=0.5),
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
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=8,
        num_clips=1,
        test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(
        type='SampleFrames',
        clip_len=8,
        frame_interval=8,
        num_clips=10,
        test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 128)),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

rawframes = dict(
    dataset='RawframeDataset',
    filename_tmpl='img_{:05d}.jpg',
    data_prefix=dict(_delete_=True, img=data_root))
train_dataloader = dict(
    dataset=dict(
        labeled=dict(
            ann_file=labeled_ann_file, pipeline=labeled_pipeline,
            **rawframes),
        unlabeled=dict(
            ann_file=unlabeled_ann_file, pipeline=unlabeled_pipeline,
            **rawframes)))
val_dataloader = dict(
    dataset=dict(
        ann_file=val_ann_file, pipeline=val_pipeline, **rawframes))
test_dataloader = dict(
    dataset=dict(
        ann_file=val_ann_file, pipeline=test_pipeline, **rawframes))
