# CPU-sized primary for the demo data: the 3D ResNet of r3d50.py at depth
# 18 and 1/4 width (base_channels=16), trained from scratch; 2.1 M params.
_base_ = ['./r3d50.py']

model = dict(
    primary=dict(
        backbone=dict(depth=18, base_channels=16),
        cls_head=dict(num_classes=8, in_channels=128, dropout_ratio=0.3)))
