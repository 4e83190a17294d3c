# CMPL with a motion auxiliary: the 1/4-width auxiliary sees the temporal
# gradient of each clip (consecutive-frame differences of the normalised
# clip, as LTG and MvPL define it) while the 3D ResNet-50 primary sees RGB;
# UCF-101 split 1, 1% labels, otherwise cmpl_r3d50_ucf101.py. A
# combination no paper reports; nothing here is verified.
_base_ = ['./cmpl_r3d50_ucf101.py']

model = dict(semi_train_cfg=dict(modality=dict(auxiliary='tg')))
