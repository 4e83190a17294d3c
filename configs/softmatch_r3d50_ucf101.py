# SoftMatch (Chen et al., ICLR 2023): FixMatch with truncated Gaussian
# clip weights from the EMA mean and variance of the confidence, and uniform
# distribution alignment (EMA momentum 0.999, the paper's). 3D ResNet-50
# from scratch, UCF-101 split 1, 1% labels; same split, pipelines and
# schedule as fixmatch_r3d50_ucf101.py. Not verified on video.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(type='SoftMatchRecognizer')
