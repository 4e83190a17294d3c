# SVFormer on the generated demo data with the tiny video ViT of
# fixmatch_vit-tiny_synthetic.py (mmaction2's VisionTransformer: 8 frames of
# 56x56, 8x8 patches so 7x7 = 49 patch positions, tubelets of 2 frames, 4
# blocks of width 96; TimeSformerHead), from scratch, AdamW; same split and
# schedule as the other demo configs. The student fits FixMatch's hard
# pseudo-labels of an EMA teacher on its strong view (L_un) and, on the
# strong clips with TubeTokenMix (tokens swapped after the patch
# embedding), SVFormer's mixed targets with a squared error on logits
# (L_mix); the strong view is temporally warped (TemporalWarp, SVFormer's
# TWAug) after RandAugment.
# Not from SVFormer (its code reads them from config keys it does not
# define), chosen a priori and NOT verified: EMA momentum 0.99 (the demo's
# Mean Teacher value for a 900-iteration run), threshold 0.8 and the
# 200-iteration supervised warm-up (the demo base's), Beta alpha 1.0,
# gamma1 = unsup_weight 1.0, gamma2 = mix_weight 1.0. Not trained to the end
# here; whether a ViT this small learns the demo classes is not measured.
_base_ = ['./fixmatch_vit-tiny_synthetic.py']

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
