from .ratio_sampler import (LabeledUnlabeledRatioSampler,
                            ratio_sampler_problems)

__all__ = ['LabeledUnlabeledRatioSampler', 'ratio_sampler_problems']
