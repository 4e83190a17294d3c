# fixmatch_r3d50_ucf101.py with a 3D ResNet-18 primary (from scratch).
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(
    primary=dict(
        backbone=dict(
            _delete_=True,
            type='ResNet3d',
            depth=18,
            pretrained=None,
            pretrained2d=False,
            conv1_kernel=(3, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(1, 1, 1, 1),
            norm_eval=False),
        cls_head=dict(in_channels=512)))
