from .auxiliary_acc_metric import AuxiliaryAccMetric

__all__ = ['AuxiliaryAccMetric']
