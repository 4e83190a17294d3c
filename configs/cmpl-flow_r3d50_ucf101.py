# CMPL with an optical-flow auxiliary: the 1/4-width auxiliary sees the
# precomputed flow of each clip's frames (2 channels, in_channels=2), the
# 3D ResNet-50 primary RGB; both from the same decoded, cropped and flipped
# frames (_base_/datasets/ucf101_semi_flow.py: UCF-101 split 1, 1% labels,
# as rawframes with TV-L1 flow). Otherwise cmpl_r3d50_ucf101.py. A
# combination no paper reports; nothing here is verified.
_base_ = [
    './_base_/models/r3d50.py', './_base_/models/aux_r3d50_quarter_flow.py',
    './_base_/datasets/ucf101_semi_flow.py',
    './_base_/schedules/sgd_cosine_54k.py', './_base_/default_runtime.py'
]

# clips and Conv3d weights in channels_last_3d layout on the GPU (README,
# "GPU speed"); the same results on any device
model = dict(
    type='CMPLRecognizer',
    auxiliary={{_base_.auxiliary}},
    semi_train_cfg=dict(modality=dict(auxiliary='flow')),
    data_preprocessor=dict(channels_last_3d=True))
