# Alternative CMPL auxiliary: a full-width 3D ResNet-18 (33 M parameters;
# 3x1x1-inflated first convolutions, as in mmaction2's ResNet3d).
_base_ = ['./aux_r3d50_quarter.py']

auxiliary = dict(
    backbone=dict(depth=18, base_channels=64), cls_head=dict(in_channels=512))
