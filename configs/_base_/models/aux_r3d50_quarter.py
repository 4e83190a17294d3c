# CMPL's default auxiliary: the same 3D ResNet-50 at 1/4 channel width
# (base_channels=16), about 2 M parameters. Use it in an algorithm config as
# model = dict(type='CMPLRecognizer', auxiliary={{_base_.auxiliary}}).
auxiliary = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3d',
        depth=50,
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
        in_channels=512,
        spatial_type='avg',
        dropout_ratio=0.5,
        init_std=0.01,
        average_clips='prob'))
