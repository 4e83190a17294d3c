# Mean Teacher: the EMA of a 3D ResNet-50 (momentum 0.999) teaches the
# network itself with soft targets on every unlabeled clip (squared-error
# consistency), UCF-101 split 1, 1% labels. The EMA network is the one
# validated, tested and exported. Same split, pipelines and schedule as
# supervised_/fixmatch_/cmpl_r3d50_ucf101.py.
# Consistency weight 10 = Mean Teacher's CIFAR-10 weight 100 on its
# per-class-mean cost (see SoftPseudoLabelMSE); Mean Teacher's sigmoid
# ramp-up is not implemented (warmup_iters switches the loss on at once).
# None of these values is verified on video here.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/ucf101_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

model = dict(
    type='MeanTeacherRecognizer', semi_train_cfg=dict(unsup_weight=10.0))
