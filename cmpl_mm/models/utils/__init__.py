from .concurrent_forward import concurrent_forward, overlap_possible
from .memory_format import (channels_last_3d_wanted, is_channels_last_3d,
                            network_to_channels_last_3d, to_channels_last_3d)
from .running_stats import frozen_bn_running_stats

__all__ = [
    'frozen_bn_running_stats', 'concurrent_forward', 'overlap_possible',
    'to_channels_last_3d', 'is_channels_last_3d',
    'network_to_channels_last_3d', 'channels_last_3d_wanted'
]
