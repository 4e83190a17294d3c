# ViT-S for video clips of 8 frames at 112x112 (mmaction2's
# VisionTransformer, the VideoMAE backbone: 16x16 patches, tubelets of 2
# frames, 12 blocks of width 384, 6 heads) with a TimeSformerHead; and a
# ViT-Ti (width 192, 3 heads) for CMPL auxiliaries. From scratch;
# SVFormer starts from ImageNet weights: give them with load_from (a
# checkpoint of this VisionTransformer's keys), e.g.
# --cfg-options load_from=vit_s_imagenet.pth.
vit_s = dict(
    type='Recognizer3D',
    backbone=dict(
        type='VisionTransformer',
        img_size=112,
        patch_size=16,
        embed_dims=384,
        depth=12,
        num_heads=6,
        mlp_ratio=4,
        qkv_bias=True,
        num_frames=8,
        tubelet_size=2,
        drop_path_rate=0.1,
        norm_cfg=dict(type='LN', eps=1e-6)),
    cls_head=dict(
        type='TimeSformerHead',
        num_classes=101,
        in_channels=384,
        average_clips='prob'))
vit_ti = dict(
    type='Recognizer3D',
    backbone=dict(
        type='VisionTransformer',
        img_size=112,
        patch_size=16,
        embed_dims=192,
        depth=12,
        num_heads=3,
        mlp_ratio=4,
        qkv_bias=True,
        num_frames=8,
        tubelet_size=2,
        norm_cfg=dict(type='LN', eps=1e-6)),
    cls_head=dict(
        type='TimeSformerHead', in_channels=192, average_clips='prob'))
# transformers from scratch: AdamW (VideoMAE's fine-tuning optimizer; the
# learning rate is not tuned here)
vit_optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
    clip_grad=dict(max_norm=40, norm_type=2))
