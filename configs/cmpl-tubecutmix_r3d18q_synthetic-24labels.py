# CMPL with tube CutMix on the unlabeled clips, on the demo data with 24
# labeled videos per class: cmpl_r3d18q_synthetic-24labels.py where each
# network's strong clips are mixed with another unlabeled clip of the batch
# (TubeCutMix: one box through every frame, lam ~ Beta(1, 1), a draw per
# network) and its teacher's targets (the other network's hard labels,
# made one-hot) are mixed in the same proportion; soft cross-entropy. Beta
# alpha 1.0 is chosen a priori, not tuned.
_base_ = ['./cmpl_r3d18q_synthetic-24labels.py']

model = dict(
    semi_train_cfg=dict(
        mix=dict(type='TubeCutMix', alpha=1.0),
        loss=dict(type='SoftPseudoLabelCrossEntropy')))
