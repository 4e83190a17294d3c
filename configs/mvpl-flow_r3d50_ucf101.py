# MvPL (Xiong et al., ICCV 2021) with the paper's three views: RGB, its
# temporal gradient and precomputed optical flow (TV-L1 as mmaction2's
# extract_frames.sh writes it), all from the same decoded and augmented
# frames (_base_/datasets/ucf101_semi_flow.py: UCF-101 split 1, 1% labels,
# as rawframes). One 3D ResNet-50 shared by the views; the 2 flow channels
# enter it as (x, y, 0) (how the paper feeds flow to the shared model is
# not verified here). Settings as mvpl_r3d50_ucf101.py: threshold 0.3, no
# unlabeled loss for the first 6750 iterations, validation on RGB. Not
# verified here.
_base_ = [
    './_base_/models/r3d50.py', './_base_/datasets/ucf101_semi_flow.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

# clips and Conv3d weights in channels_last_3d layout on the GPU (README,
# "GPU speed"); the same results on any device
model = dict(
    type='MvPLRecognizer',
    semi_train_cfg=dict(
        threshold=0.3, warmup_iters=6750, views=['rgb', 'tg', 'flow']),
    data_preprocessor=dict(channels_last_3d=True))
