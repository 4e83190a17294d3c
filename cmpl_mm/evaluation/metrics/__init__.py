from .auxiliary_acc_metric import AuxiliaryAccMetric
from .bad_video_metric import BadVideoAwareMetric

__all__ = ['AuxiliaryAccMetric', 'BadVideoAwareMetric']
