# A tiny video ViT for the demo data, sized to train on a 2-core CPU:
# mmaction2's VisionTransformer (the VideoMAE backbone) on 8 frames of
# 56x56, 8x8 patches (7x7 = 49 patch positions), tubelets of 2 frames, 4
# blocks of width 96, 3 heads; a TimeSformerHead; 0.5 M parameters. From
# scratch, AdamW (lr 1e-3, chosen a priori, not tuned). Swap it in as
# ``model = dict(primary=dict(_delete_=True, **_base_.vit_tiny))`` and
# ``optim_wrapper = dict(_delete_=True, **_base_.vit_tiny_optim_wrapper)``.
vit_tiny = dict(
    type='Recognizer3D',
    backbone=dict(
        type='VisionTransformer',
        img_size=56,
        patch_size=8,
        embed_dims=96,
        depth=4,
        num_heads=3,
        mlp_ratio=4,
        qkv_bias=True,
        num_frames=8,
        tubelet_size=2,
        norm_cfg=dict(type='LN', eps=1e-6)),
    cls_head=dict(
        type='TimeSformerHead',
        num_classes=8,
        in_channels=96,
        average_clips='prob'))
vit_tiny_optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=40, norm_type=2))
