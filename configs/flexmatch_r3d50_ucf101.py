# FlexMatch (Zhang et al., NeurIPS 2021): FixMatch with class-adaptive
# thresholds T(c) = M(beta(c)) * 0.95 (convex M, threshold warm-up) from a
# per-clip memory of the latest confident prediction. 3D ResNet-50 from
# scratch, UCF-101 split 1, 1% labels; same split, pipelines and schedule as
# fixmatch_r3d50_ucf101.py. The paper's image settings; none is verified on
# video here.
_base_ = ['./fixmatch_r3d50_ucf101.py']

model = dict(type='FlexMatchRecognizer')
