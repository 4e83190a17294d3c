# sgd_cosine_demo.py for 2400 iterations, validated every 800: at 24
# labels per class the shape half of the demo classes needs this budget.
_base_ = ['./sgd_cosine_demo.py']

max_iters = 2400
train_cfg = dict(max_iters=max_iters, val_interval=800)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - 50,
        eta_min=0,
        by_epoch=False,
        begin=50,
        end=max_iters)
]
