# ltg_r3d50_ucf101.py with two 3D ResNet-18s, as LTG trains them (UCF-101
# 10 %: 62.4 top-1 in the paper; this config uses the 1% split of the
# other UCF-101 configs).
_base_ = ['./ltg_r3d50_ucf101.py']

r3d18 = dict(
    _delete_=True,
    type='ResNet3d',
    depth=18,
    pretrained=None,
    pretrained2d=False,
    conv1_kernel=(3, 7, 7),
    conv1_stride_t=1,
    pool1_stride_t=1,
    inflate=(1, 1, 1, 1),
    norm_eval=False)
model = dict(
    primary=dict(backbone=r3d18, cls_head=dict(in_channels=512)),
    auxiliary=dict(backbone=r3d18, cls_head=dict(in_channels=512)))
