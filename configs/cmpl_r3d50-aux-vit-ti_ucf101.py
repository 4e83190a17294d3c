# Cross-architecture CMPL (as ActNetFormer pairs them): the 3D ResNet-50
# primary of cmpl_r3d50_ucf101.py with a ViT-Ti auxiliary
# (configs/_base_/models/vit-s_112.py) instead of the 1/4-width 3D ResNet.
# Each network keeps its own optimizer (PerNetworkOptimWrapperConstructor):
# the primary the base config's SGD, the ViT AdamW; under one SGD for both
# the demo-sized pair's ViT stayed at chance
# (cmpl_r3d18q-aux-vit-tiny_synthetic-24labels.py). Per-network optimizers
# run in fp32 (no AMP: one loss scaler would have to serve both). Not run
# here.
_base_ = ['./cmpl_r3d50_ucf101.py', './_base_/models/vit-s_112.py']

model = dict(auxiliary=dict(_delete_=True, **_base_.vit_ti))
optim_wrapper = dict(
    _delete_=True,
    constructor='PerNetworkOptimWrapperConstructor',
    primary=dict(
        optimizer=_base_.optim_wrapper.optimizer,
        clip_grad=_base_.optim_wrapper.clip_grad),
    auxiliary=_base_.vit_optim_wrapper)
