from .device_amp_optim_wrapper import DeviceAmpOptimWrapper, amp_available
from .per_network_constructor import PerNetworkOptimWrapperConstructor

__all__ = [
    'DeviceAmpOptimWrapper', 'amp_available',
    'PerNetworkOptimWrapperConstructor'
]
