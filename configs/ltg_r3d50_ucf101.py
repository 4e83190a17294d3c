# LTG (Xiao et al., CVPR 2022) with 3D ResNet-50s: an RGB network
# (deployed) and a temporal-gradient network of the same architecture;
# pseudo-labels from the mean of both networks' weak-view logits teach both
# (threshold 0.3), the RGB features of all four stages are aligned with the
# detached TG ones (cosine, weight 1 each), and no unlabeled loss for the
# first 30 of 180 epochs (here 9000 of the 54k iterations): values read
# from LTG's code, as is the cross-modal contrastive term (symmetric InfoNCE
# of the labeled and weak clips' last-stage features through 512-wide
# projection heads, temperature 0.5, weight 0.5; the LTGRecognizer
# default). UCF-101 split
# 1, 1% labels; same split, pipelines and schedule as
# fixmatch_r3d50_ucf101.py. LTG itself uses 3D ResNet-18s
# (ltg_r3d18_ucf101.py). Not verified here.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(
    type='LTGRecognizer',
    auxiliary=dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3d',
            depth=50,
            pretrained=None,
            pretrained2d=False,
            conv1_kernel=(3, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(1, 1, 1, 1),
            norm_eval=False),
        cls_head=dict(
            type='I3DHead',
            in_channels=2048,
            spatial_type='avg',
            dropout_ratio=0.5,
            init_std=0.01,
            average_clips='prob')),
    semi_train_cfg=dict(threshold=0.3, warmup_iters=9000))
