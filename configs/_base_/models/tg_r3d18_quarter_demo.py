# LTG's temporal-gradient network for the demo data: the same 1/4-width
# 3D ResNet-18 as the RGB primary (r3d18_quarter_demo.py), as LTG pairs two
# networks of one size. Used as ``auxiliary`` by the LTG demo configs.
auxiliary = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=18,
        base_channels=16,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(1, 1, 1, 1),
        norm_eval=False),
    cls_head=dict(
        type='I3DHead',
        in_channels=128,
        spatial_type='avg',
        dropout_ratio=0.3,
        init_std=0.01,
        average_clips='prob'))
