# Pseudo-Label (Lee, 2013) on the generated demo data, as a config of
# FixMatchRecognizer: the network's own most probable class on an unlabeled
# clip is the hard target for that same clip's prediction (student_view
# 'weak': the same forward, no strong augmentation), on every clip (no
# threshold), with Lee's deterministic annealing alpha(t): 0 before T1, a
# linear ramp to alpha_f = 3 at T2, then constant. T1 = the demo's 200
# warm-up iterations, T2 = 700 (Lee: epochs 100 and 600); chosen in
# proportion for this 900-iteration run, not tuned.
_base_ = ['./fixmatch_r3d18q_synthetic.py']

model = dict(
    semi_train_cfg=dict(
        student_view='weak',
        mask=dict(type='AllClips'),
        unsup_weight=dict(
            _delete_=True, type='LinearRampUp', value=3.0, ramp_iters=500)))
