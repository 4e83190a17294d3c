# The first form of configs/cmpl_r3d18q-aux-vit-tiny_synthetic-24labels.py
# (commit 5a6ceae), run as cmpl-aux-vit-tiny-onesgd: the R3D-18q primary and
# the tiny-ViT auxiliary under the base config's one SGD (lr 0.02). The ViT
# stayed at chance for all 2400 iterations, which is why the config now
# gives each network its own optimizer.
_base_ = [
    '../../../configs/cmpl_r3d18q_synthetic-24labels.py',
    '../../../configs/_base_/models/vit-tiny_demo.py'
]

model = dict(auxiliary=dict(_delete_=True, **_base_.vit_tiny))
