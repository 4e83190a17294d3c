# CPU-sized CMPL auxiliary for the demo data: the demo primary's 3D
# ResNet-18 at a further 1/4 of its width (base_channels=4); 0.13 M params.
_base_ = ['./aux_r3d50_quarter.py']

auxiliary = dict(
    backbone=dict(depth=18, base_channels=4),
    cls_head=dict(in_channels=32, dropout_ratio=0.3))
