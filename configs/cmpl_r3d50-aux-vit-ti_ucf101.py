# Cross-architecture CMPL (as ActNetFormer pairs them): the 3D ResNet-50
# primary of cmpl_r3d50_ucf101.py with a ViT-Ti auxiliary
# (configs/_base_/models/vit-s_112.py) instead of the 1/4-width 3D ResNet.
# One SGD optimizer over both, as in the base config. Not run here.
_base_ = ['./cmpl_r3d50_ucf101.py', './_base_/models/vit-s_112.py']

model = dict(auxiliary=dict(_delete_=True, **_base_.vit_ti))
