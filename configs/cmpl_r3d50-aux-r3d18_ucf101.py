# cmpl_r3d50_ucf101.py with a full-width 3D ResNet-18 auxiliary instead of
# the 1/4-width 3D ResNet-50: the auxiliary is swapped by inheritance.
_base_ = ['./cmpl_r3d50_ucf101.py']

model = dict(
    auxiliary=dict(
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
