# CMPL with a motion auxiliary on the generated demo data: the auxiliary
# sees the temporal gradient (differences of consecutive frames of the
# normalised clip, derived on the model's device from the same decoded
# weak / strong / labeled clips: 8 frames -> 7) instead of RGB; the primary
# sees RGB. Otherwise cmpl_r3d18q_synthetic.py. Validation and export use
# the primary (RGB), as in every CMPL config.
_base_ = ['./cmpl_r3d18q_synthetic.py']

model = dict(semi_train_cfg=dict(modality=dict(auxiliary='tg')))
