# Diagnostic, not a semi-supervised run: supervised_vit-tiny-alllabels_
# synthetic.py with 4x4 patches instead of 8x8 (14x14 patch positions, four
# times the tokens). The 8x8-patch tiny ViT learns the motion but not the
# shape even with all 1280 labels; a finer patch grid is the first thing to
# try. Measured here (2026-12-03, beside one other training on the 2-core
# CPU): 1.11 s per iteration against 0.15 s with 8x8 patches, so 42 min for
# this supervised run and hours for FixMatch / SVFormer; stopped at
# iteration 160, it is not a CPU demo configuration.
_base_ = ['./supervised_vit-tiny-alllabels_synthetic.py']

model = dict(primary=dict(backbone=dict(patch_size=4)))
