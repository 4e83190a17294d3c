# Mean Teacher: the EMA of a 3D ResNet-50 (momentum 0.999) teaches the
# network itself with soft targets on every unlabeled clip (squared-error
# consistency), UCF-101 split 1, 1% labels. The EMA network is the one
# validated, tested and exported. Same split, pipelines and schedule as
# supervised_/fixmatch_/cmpl_r3d50_ucf101.py.
# Consistency weight 10 = Mean Teacher's CIFAR-10 weight 100 on its
# per-class-mean cost (see SoftPseudoLabelMSE), ramped up with its sigmoid
# exp(-5 (1 - t)^2) over the first 1500 iterations (its 5 ramp-up epochs of
# 180, in proportion to this 54k-iteration schedule); the EMA warms up as
# the original code does (min(1 - 1/(n + 2), 0.999), the class default).
# None of these values is verified on video here.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/ucf101_semi.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

# clips and Conv3d weights in channels_last_3d layout on the GPU (README,
# "GPU speed"); the same results on any device
model = dict(
    type='MeanTeacherRecognizer',
    semi_train_cfg=dict(
        unsup_weight=dict(
            _delete_=True, type='SigmoidRampUp', value=10.0,
            ramp_iters=1500)),
    data_preprocessor=dict(channels_last_3d=True))
