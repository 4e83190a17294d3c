# SVFormer with the demo's tiny video ViT on the demo data with 24 labeled
# videos per class and 2400 iterations: svformer_vit-tiny_synthetic.py on
# the split and schedule of fixmatch_vit-tiny_synthetic-24labels.py, its
# paired baseline (same network, optimizer, threshold and warm-up). The
# settings SVFormer's code does not give (EMA momentum 0.99, threshold 0.8,
# 200-iteration warm-up, Beta alpha 1.0, both loss weights 1.0) are the
# demo config's, chosen a priori and NOT verified.
_base_ = ['./fixmatch_vit-tiny_synthetic-24labels.py']

model = dict(
    type='SVFormerRecognizer',
    semi_train_cfg=dict(
        teacher=dict(type='EMATeacher', momentum=0.99, start='warmup_end'),
        mix_term=dict(type='TubeTokenMix', alpha=1.0),
        unsup_weight=1.0,
        mix_weight=1.0))
train_dataloader = dict(
    dataset=dict(
        unlabeled=dict(pipeline=_base_.decode_and_geometry + [
            dict(
                type='MultiView',
                view_names=_base_.views,
                weak=_base_.pack,
                strong=[
                    dict(type='VideoRandAugment', num_ops=2, magnitude=10),
                    dict(type='TemporalWarp', anchor_counts=(0, 2, 4))
                ] + _base_.pack)
        ])))
