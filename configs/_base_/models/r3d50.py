# 3D ResNet-50 (mmaction2's ResNet3d: 3x1x1-inflated bottlenecks in every
# stage), trained from scratch; 32.4 M parameters at 101 classes.
model = dict(
    type='SupervisedRecognizer',
    primary=dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3d',
            depth=50,
            pretrained=None,
            pretrained2d=False,
            conv1_kernel=(3, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(1, 1, 1, 1),
            norm_eval=False),
        cls_head=dict(
            type='I3DHead',
            num_classes=101,
            in_channels=2048,
            spatial_type='avg',
            dropout_ratio=0.5,
            init_std=0.01,
            average_clips='prob')),
    semi_train_cfg=dict(
        threshold=0.95, sup_weight=1.0, unsup_weight=1.0, warmup_iters=0),
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            format_shape='NCTHW')))
