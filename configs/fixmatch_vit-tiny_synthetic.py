# FixMatch on the generated demo data with the tiny video ViT of
# _base_/models/vit-tiny_demo.py as primary in place of the 3D ResNet
# (8 frames of 56x56, 8x8 patches, 4 blocks of width 96; AdamW), swapped
# in by _delete_; same split and schedule as fixmatch_r3d18q_synthetic.py.
# Sized to train on the 2-core CPU in about the demo's time; whether a ViT
# this small learns the demo classes is not measured yet.
_base_ = [
    './fixmatch_r3d18q_synthetic.py', './_base_/models/vit-tiny_demo.py'
]

model = dict(primary=dict(_delete_=True, **_base_.vit_tiny))
optim_wrapper = dict(_delete_=True, **_base_.vit_tiny_optim_wrapper)
