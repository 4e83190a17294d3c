# Mean Teacher on the generated demo data; same split and schedule as the
# supervised, FixMatch and CMPL demo configs. Consistency weight as in
# meanteacher_r3d50_ucf101.py.
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(
    type='MeanTeacherRecognizer', semi_train_cfg=dict(unsup_weight=10.0))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
