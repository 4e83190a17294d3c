from .running_stats import frozen_bn_running_stats

__all__ = ['frozen_bn_running_stats']
