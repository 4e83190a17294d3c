# LTG on the generated demo data: an RGB network (the demo's 1/4-width 3D
# ResNet-18, deployed) and a temporal-gradient network of the same size,
# trained together: pseudo-labels from the mean of both networks' weak-view
# logits teach both; the RGB features of every stage are aligned with the
# TG ones (LTGRecognizer). Split, schedule, threshold 0.8 and warm-up as
# fixmatch_r3d18q_synthetic.py (LTG's own threshold is 0.3:
# ltg_r3d18_ucf101.py).
_base_ = ['./fixmatch_r3d18q_synthetic.py']

model = dict(
    type='LTGRecognizer',
    auxiliary=dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3d',
            depth=18,
            base_channels=16,
            pretrained=None,
            pretrained2d=False,
            conv1_kernel=(3, 7, 7),
            conv1_stride_t=1,
            pool1_stride_t=1,
            inflate=(1, 1, 1, 1),
            norm_eval=False),
        cls_head=dict(
            type='I3DHead',
            in_channels=128,
            spatial_type='avg',
            dropout_ratio=0.3,
            init_std=0.01,
            average_clips='prob')))
