# FixMatch on the generated demo data with a tiny video ViT primary
# (mmaction2's VisionTransformer, the VideoMAE backbone: 8 frames of 56x56,
# 8x8 patches, tubelets of 2 frames, 4 blocks of width 96) and a
# TimeSformerHead, swapped in by _delete_; from scratch, AdamW. Sized to
# train on the 2-core CPU in about the demo's time; whether a ViT this
# small learns the demo classes is not measured yet.
_base_ = ['./fixmatch_r3d18q_synthetic.py']

model = dict(
    primary=dict(
        backbone=dict(
            _delete_=True,
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
            _delete_=True,
            type='TimeSformerHead',
            num_classes=8,
            in_channels=96,
            average_clips='prob')))
optim_wrapper = dict(
    _delete_=True,
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=40, norm_type=2))
