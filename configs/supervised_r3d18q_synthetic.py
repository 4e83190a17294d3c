# Supervised baseline on the generated demo data (labeled split only).
_base_ = [
    './_base_/models/r3d18_quarter_demo.py',
    './_base_/datasets/synthetic_semi.py',
    './_base_/schedules/sgd_cosine_demo.py', './_base_/default_runtime.py'
]

model = dict(type='SupervisedRecognizer')
train_dataloader = dict(
    batch_size=8, sampler=dict(mu=0), dataset=dict(unlabeled=None))
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=300))
