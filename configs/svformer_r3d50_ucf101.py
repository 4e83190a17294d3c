# SVFormer's training scheme on the 3D ResNet-50 of the other UCF-101
# configs (split 1, 1% labels; their split, pipelines and schedule, as
# fixmatch_r3d50_ucf101.py), for a comparison on one backbone. A CNN has no
# patch tokens, so the mixed term uses TubeCutMix (pixel-level tube mix) in
# place of TubeTokenMix; SVFormer with its own backbone and mix is
# svformer_vit-s_ucf101.py. Not run here. EMA momentum 0.999, threshold
# 0.95, alpha 1.0, unsup_weight (gamma1) and mix_weight (gamma2) 1.0 are
# chosen a priori (SVFormer's code does not define them): NOT verified.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(
    type='SVFormerRecognizer',
    semi_train_cfg=dict(
        teacher=dict(type='EMATeacher', momentum=0.999, start='warmup_end'),
        mix_term=dict(type='TubeCutMix', alpha=1.0),
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
