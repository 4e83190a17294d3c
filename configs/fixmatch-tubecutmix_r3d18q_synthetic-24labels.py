# FixMatch with tube CutMix on the unlabeled clips, on the demo data with 24
# labeled videos per class: fixmatch_r3d18q_synthetic-24labels.py where the
# student sees its strong clips with one box through every frame taken from
# another unlabeled clip of the batch (TubeCutMix, lam ~ Beta(1, 1)), and
# fits the teacher's targets mixed in the same proportion (the hard labels
# made one-hot), so the loss is the soft cross-entropy. Beta alpha 1.0 is
# chosen a priori, not tuned.
_base_ = ['./fixmatch_r3d18q_synthetic-24labels.py']

model = dict(
    semi_train_cfg=dict(
        mix=dict(type='TubeCutMix', alpha=1.0),
        loss=dict(type='SoftPseudoLabelCrossEntropy')))
