# Ablation of cmpl_r3d18q_synthetic.py: no dropout in the demo auxiliary's
# head (0.3 in the base config), to test whether dropout on its 32 features
# keeps the auxiliary's weak-view predictions below the threshold. Measured
# results: docs/results/README.md and configs/metafiles/cmpl/metafile.yml.
_base_ = ['./cmpl_r3d18q_synthetic.py']

model = dict(auxiliary=dict(cls_head=dict(dropout_ratio=0.0)))
