from .device_amp_optim_wrapper import DeviceAmpOptimWrapper, amp_available

__all__ = ['DeviceAmpOptimWrapper', 'amp_available']
