# Cross-architecture CMPL the other way round: a ViT-S primary with the
# 1/4-width 3D ResNet-50 auxiliary of cmpl_r3d50_ucf101.py, AdamW over
# both. Not run here.
_base_ = ['./cmpl_r3d50_ucf101.py', './_base_/models/vit-s_112.py']

model = dict(primary=dict(_delete_=True, **_base_.vit_s))
optim_wrapper = dict(_delete_=True, **_base_.vit_optim_wrapper)
