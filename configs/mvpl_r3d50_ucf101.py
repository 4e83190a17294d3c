# MvPL (Xiong et al., ICCV 2021), RGB + temporal-gradient views (the paper
# also uses optical flow, not here): one 3D ResNet-50 shared by both views,
# pseudo-labels from the mean of the views' weak-view probabilities (the
# paper; fuse='mean_logits' is LTG's re-implementation), threshold 0.3 and
# no unlabeled loss for the first 30 of 240 epochs as that re-implementation
# has them (read from its code; here 30/240 of the 54k-iteration schedule =
# 6750 iterations). Validation and test see RGB only. UCF-101 split 1, 1%
# labels; same split, pipelines and schedule as fixmatch_r3d50_ucf101.py
# (its SlowOnly-R50 backbone and 10% split are not used). Not verified here.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(
    type='MvPLRecognizer',
    semi_train_cfg=dict(threshold=0.3, warmup_iters=6750))
