from .ratio_sampler import LabeledUnlabeledRatioSampler

__all__ = ['LabeledUnlabeledRatioSampler']
