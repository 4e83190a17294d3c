# FixMatch with a ViT-S primary (configs/_base_/models/vit-s_112.py) in
# place of the 3D ResNet-50: UCF-101 split 1, 1% labels, the split,
# pipelines (8 frames at 112x112) and schedule of fixmatch_r3d50_ucf101.py,
# AdamW. From scratch; an ImageNet or Kinetics checkpoint by load_from.
# Not run here.
_base_ = ['./fixmatch_r3d50_ucf101.py', './_base_/models/vit-s_112.py']

model = dict(primary=dict(_delete_=True, **_base_.vit_s))
optim_wrapper = dict(_delete_=True, **_base_.vit_optim_wrapper)
