# cmpl_r3d50_ucf101.py with a SlowOnly-R50 primary (from scratch): only the
# backbone changes, by inheritance.
_base_ = ['./cmpl_r3d50_ucf101.py']

model = dict(
    primary=dict(
        backbone=dict(
            _delete_=True,
            type='ResNet3dSlowOnly',
            depth=50,
            pretrained=None,
            lateral=False,
            conv1_kernel=(1, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(0, 0, 1, 1),
            norm_eval=False)))
