# Pseudo-Label (Lee, 2013) as a config of FixMatchRecognizer: the network's
# own most probable class of an unlabeled clip is the target of that same
# prediction (student_view 'weak'), on every clip, weighted by Lee's
# alpha(t) (0 before T1, linear to alpha_f = 3 at T2). 3D ResNet-50 from
# scratch, UCF-101 split 1, 1% labels; same split, pipelines and schedule
# as fixmatch_r3d50_ucf101.py. T1 = 5400 and T2 = 32400 iterations (10% and
# 60% of the run; Lee's 100 and 600 epochs of a run whose length the paper
# does not give for this). Not verified on video here.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(
    semi_train_cfg=dict(
        warmup_iters=5400,
        student_view='weak',
        mask=dict(type='AllClips'),
        unsup_weight=dict(
            _delete_=True, type='LinearRampUp', value=3.0,
            ramp_iters=27000)))
