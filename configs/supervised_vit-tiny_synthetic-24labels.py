# Supervised baseline for the demo's tiny video ViT
# (_base_/models/vit-tiny_demo.py, AdamW) with 24 labeled videos per class
# and 2400 iterations: supervised_r3d18q_synthetic-24labels.py with the 3D
# ResNet swapped out by _delete_. The labeled-only reference of
# fixmatch_vit-tiny_synthetic-24labels.py and
# svformer_vit-tiny_synthetic-24labels.py.
_base_ = [
    './supervised_r3d18q_synthetic-24labels.py',
    './_base_/models/vit-tiny_demo.py'
]

model = dict(primary=dict(_delete_=True, **_base_.vit_tiny))
optim_wrapper = dict(_delete_=True, **_base_.vit_tiny_optim_wrapper)
