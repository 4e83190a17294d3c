# SVFormer's training scheme on the demo's CNN (3D ResNet-18 at 1/4 width):
# the configuration the every-algorithm tests train (they read
# configs/{algorithm}_r3d18q_synthetic.py). A CNN has no patch tokens, so
# the mixed term uses TubeCutMix (one box through every frame, at pixel
# level) in place of SVFormer's TubeTokenMix, which refuses a CNN; SVFormer
# itself is svformer_vit-tiny_synthetic.py / svformer_vit-s_ucf101.py.
# EMA teacher on the weak view, FixMatch's masked cross-entropy on the
# strong view, the mixed term's squared error on logits, TemporalWarp on the
# strong view. Values NOT verified (SVFormer's code does not define them),
# chosen a priori: EMA momentum 0.99 (the demo's Mean Teacher value),
# threshold 0.8 and 200-iteration warm-up (the demo base's), alpha 1.0,
# unsup_weight (gamma1) 1.0, mix_weight (gamma2) 1.0.
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(
    type='SVFormerRecognizer',
    semi_train_cfg=dict(
        teacher=dict(type='EMATeacher', momentum=0.99, start='warmup_end'),
        mix_term=dict(type='TubeCutMix', alpha=1.0),
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
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
