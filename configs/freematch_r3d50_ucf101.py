# FreeMatch (Wang et al., ICLR 2023): FixMatch with self-adaptive
# thresholds tau_t * p~_t(c) / max p~_t (EMA momentum 0.999, the paper's);
# the fairness loss is off (set semi_train_cfg.mask.fairness_weight).
# 3D ResNet-50 from scratch, UCF-101 split 1, 1% labels; same split,
# pipelines and schedule as fixmatch_r3d50_ucf101.py. Not verified on video.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(type='FreeMatchRecognizer')
