# SVFormer-S on UCF-101 split 1, 1% labels (the split of the other UCF-101
# configs). From SVFormer's released code (ChenHsing/SVFormer @51d6698,
# docs: /work/shared/reference/video_ssl_methods.md) and followed here:
# a TimeSformer with divided space-time attention and 16x16 patches; 8
# frames at frame interval 8, crops of 224; 1 labeled + 5 unlabeled clips
# per GPU; SGD, lr 0.005; an EMA teacher on the weak view, FixMatch's masked
# cross-entropy on the strong view, TubeTokenMix (tokens swapped after the
# patch embedding, before the position and time embeddings) with a squared
# error on logits; temporal warping (TWAug: 0, 2 or 4 anchors) of the
# strong view; the student is evaluated.
# Not from the released code, so NOT verified: its ViT-S width (384, 6
# heads, 12 layers: the usual ViT-S; no ViT-S class is released), EMA
# momentum 0.999, threshold 0.95 (FixMatch's), Beta alpha 1.0, gamma1 =
# unsup_weight 1.0, gamma2 = mix_weight 1.0, the 700-iteration supervised
# warm-up, weight decay 1e-4, momentum 0.9, the schedule (7000 iterations =
# about 30 passes over the unlabeled set at 8 GPUs x 5 clips, SVFormer's 30
# Kinetics epochs; the GPU count is assumed), the linear lr warm-up and the
# cosine decay. Also from the released code: dropout2d(0.2) on the strong
# batch (semi_train_cfg.strong_dropout) and the EMA teacher started as a copy
# of the model when the supervised warm-up ends (start='warmup_end').
# SVFormer starts from ImageNet weights (ViT-B: vit_base_p16_224.pth). Give
# them as TimeSformer's own option, a 2D ViT checkpoint in mmaction2's key
# names that it converts (space attention copied to time attention):
#   --cfg-options model.primary.backbone.pretrained=vit_s16_224.pth
# or with load_from, a checkpoint of this recognizer's keys (primary.*):
#   --cfg-options load_from=svformer_vit-s_init.pth
# Reported (SVFormer's README, from the paper): ViT-S UCF-101 1% 31.4 top-1.
# Not run here.
_base_ = [
    './_base_/datasets/ucf101_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

model = dict(
    type='SVFormerRecognizer',
    primary=dict(
        type='Recognizer3D',
        backbone=dict(
            type='TimeSformer',
            num_frames=8,
            img_size=224,
            patch_size=16,
            embed_dims=384,
            num_heads=6,
            num_transformer_layers=12,
            attention_type='divided_space_time',
            dropout_ratio=0.,
            norm_cfg=dict(type='LN', eps=1e-6)),
        cls_head=dict(
            type='TimeSformerHead',
            num_classes=101,
            in_channels=384,
            average_clips='prob')),
    semi_train_cfg=dict(
        threshold=0.95,
        warmup_iters=700,
        teacher=dict(type='EMATeacher', momentum=0.999, start='warmup_end'),
        mix_term=dict(type='TubeTokenMix', alpha=1.0),
        unsup_weight=1.0,
        mix_weight=1.0),
    # the other UCF-101 configs' GPU speed options (README, "GPU speed")
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        channels_last_3d=True,
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            format_shape='NCTHW')))

labeled_batch_size = 1
mu = 5
decode_and_geometry = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.2, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
]
eval_geometry = [
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=labeled_batch_size * (1 + mu),
    sampler=dict(labeled_batch_size=labeled_batch_size, mu=mu),
    dataset=dict(
        labeled=dict(pipeline=decode_and_geometry + [
            dict(type='MultiView', view_names=_base_.views, sup=_base_.pack)
        ]),
        unlabeled=dict(pipeline=decode_and_geometry + [
            dict(
                type='MultiView',
                view_names=_base_.views,
                weak=_base_.pack,
                strong=[
                    dict(type='VideoRandAugment', num_ops=2, magnitude=10),
                    dict(type='TemporalWarp', anchor_counts=(0, 2, 4))
                ] + _base_.pack)
        ])))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=8, frame_interval=8,
             num_clips=1, test_mode=True)
    ] + eval_geometry))
test_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=8, frame_interval=8,
             num_clips=10, test_mode=True)
    ] + eval_geometry))

max_iters = 7000
train_cfg = dict(max_iters=max_iters, val_interval=1000)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=500),
    dict(type='CosineAnnealingLR', T_max=max_iters - 500, eta_min=0,
         by_epoch=False, begin=500, end=max_iters)
]
auto_scale_lr = dict(enable=False, base_batch_size=48)
