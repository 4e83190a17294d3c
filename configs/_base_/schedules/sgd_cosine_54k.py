# SGD + linear warm-up + cosine, iteration-based (the ratio sampler is
# infinite). 54k iterations is about 360 passes over UCF-101's unlabeled set
# at 8 GPUs x 8 unlabeled clips, the budget of video FixMatch baselines.
# lr 0.2 is for 8 GPUs x (8 labeled + 8 unlabeled); --auto-scale-lr rescales.
max_iters = 54000
train_cfg = dict(
    type='FastResumeIterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# Mixed precision on a GPU: float16 autocast with dynamic loss scaling
# (MMEngine's AmpOptimWrapper; dtype='bfloat16' on Ampere or newer also
# works). DeviceAmpOptimWrapper is that wrapper where an accelerator is
# present and a plain float32 OptimWrapper on a CPU-only machine.
optim_wrapper = dict(
    type='DeviceAmpOptimWrapper',
    dtype='float16',
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=0.2, momentum=0.9, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=False,
        begin=0,
        end=2000),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - 2000,
        eta_min=0,
        by_epoch=False,
        begin=2000,
        end=max_iters)
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
