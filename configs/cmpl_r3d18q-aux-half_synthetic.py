# Ablation of cmpl_r3d18q_synthetic.py: the demo auxiliary at 1/2 of the
# primary's width (base_channels=8, about 0.5 M params) instead of 1/4
# (0.13 M), to test whether CMPL lags FixMatch on the demo data because
# its auxiliary is too small to be a confident teacher. Measured results:
# docs/results/README.md and configs/metafiles/cmpl/metafile.yml.
_base_ = ['./cmpl_r3d18q_synthetic.py']

model = dict(
    auxiliary=dict(
        backbone=dict(base_channels=8), cls_head=dict(in_channels=64)))
