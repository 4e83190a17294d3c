from .auxiliary_acc_metric import AuxiliaryAccMetric
from .bad_video_metric import BadVideoAwareMetric
from .synthetic_factor_metric import SyntheticFactorAccMetric

__all__ = [
    'AuxiliaryAccMetric', 'BadVideoAwareMetric', 'SyntheticFactorAccMetric'
]
