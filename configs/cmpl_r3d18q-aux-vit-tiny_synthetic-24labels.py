# Cross-architecture CMPL on the demo data with 24 labeled videos per class
# (the demo-sized form of cmpl_r3d50-aux-vit-ti_ucf101.py): the R3D-18q
# primary of cmpl_r3d18q_synthetic-24labels.py with the demo's tiny video
# ViT (_base_/models/vit-tiny_demo.py) as auxiliary in place of the 1/8-width
# 3D ResNet, swapped in by _delete_. Each network keeps its own optimizer
# (PerNetworkOptimWrapperConstructor): the primary the demo's SGD, the ViT
# its AdamW; under one SGD for both, the ViT stayed at chance for all 2400
# iterations (seed 0, measured here). The schedule applies to both.
_base_ = [
    './cmpl_r3d18q_synthetic-24labels.py', './_base_/models/vit-tiny_demo.py'
]

model = dict(auxiliary=dict(_delete_=True, **_base_.vit_tiny))
optim_wrapper = dict(
    _delete_=True,
    constructor='PerNetworkOptimWrapperConstructor',
    primary={{_base_.optim_wrapper}},
    auxiliary={{_base_.vit_tiny_optim_wrapper}})
