# CPU-sized primary for the demo data: the 3D ResNet of r3d50.py at depth
# 18 and 1/4 width (base_channels=16), trained from scratch; 2.1 M params.
_base_ = ['./r3d50.py']

model = dict(
    primary=dict(
        backbone=dict(depth=18, base_channels=16),
        cls_head=dict(num_classes=8, in_channels=128, dropout_ratio=0.3)),
    # from scratch on tiny data the networks are rarely 95% sure early on:
    # a lower threshold and a supervised warm-up, as video FixMatch
    # baselines use (LTG, MvPL: threshold 0.3); chosen a priori, not tuned
    semi_train_cfg=dict(threshold=0.8, warmup_iters=200))
