# CMPL with transformers: a ViT-S primary and a ViT-Ti auxiliary
# (configs/_base_/models/vit-s_112.py), otherwise cmpl_r3d50_ucf101.py
# (UCF-101 split 1, 1% labels), AdamW. Not run here.
_base_ = ['./cmpl_r3d50_ucf101.py', './_base_/models/vit-s_112.py']

model = dict(
    primary=dict(_delete_=True, **_base_.vit_s),
    auxiliary=dict(_delete_=True, **_base_.vit_ti))
optim_wrapper = dict(_delete_=True, **_base_.vit_optim_wrapper)
