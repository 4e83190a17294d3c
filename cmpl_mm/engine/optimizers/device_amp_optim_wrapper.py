"""Mixed precision where the device has it, plain fp32 where it has not."""
import logging
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.device import (is_cuda_available, is_mlu_available,
                             is_musa_available, is_npu_available)
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmaction.registry import OPTIM_WRAPPERS


def amp_available() -> bool:
    """Whether MMEngine's ``AmpOptimWrapper`` can run here (a CUDA, NPU,
    MLU or MUSA device; it refuses the CPU)."""
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


@OPTIM_WRAPPERS.register_module()
class DeviceAmpOptimWrapper(AmpOptimWrapper):
    """MMEngine's ``AmpOptimWrapper`` on an accelerator, ``OptimWrapper``
    without one.

    ``AmpOptimWrapper`` raises an ``AssertionError`` when built on a
    machine without CUDA / NPU / MLU / MUSA, so a config that asks for AMP
    cannot be built, tested or trained on the CPU. This wrapper lets the
    GPU configs default to AMP: where ``AmpOptimWrapper`` can run it *is*
    one (autocast to ``dtype`` in :meth:`optim_context`, loss scaling in
    :meth:`backward` / :meth:`step`, ``loss_scaler`` in checkpoints);
    elsewhere it trains in fp32 exactly as ``OptimWrapper`` does, says so
    once in the log, and ignores a ``loss_scaler`` entry of a checkpoint
    it resumes.

    Args:
        loss_scale (str | float | dict): As ``AmpOptimWrapper``:
            ``'dynamic'``, a static scale, or ``GradScaler`` arguments.
            Defaults to ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype,
            ``'float16'`` or ``'bfloat16'`` (``None``: autocast's default,
            float16). Defaults to None.
        use_fsdp (bool): As ``AmpOptimWrapper``. Defaults to False.
        **kwargs: ``OptimWrapper`` arguments (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self,
                 loss_scale='dynamic',
                 dtype=None,
                 use_fsdp: bool = False,
                 **kwargs) -> None:
        self.amp_enabled = amp_available()
        if self.amp_enabled:
            super().__init__(
                loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp,
                **kwargs)
            return
        OptimWrapper.__init__(self, **kwargs)
        if isinstance(dtype, str):
            assert dtype in self.valid_dtypes, (
                f'dtype should be any of {self.valid_dtypes}, got {dtype}')
            dtype = getattr(torch, dtype)
        self.cast_dtype = dtype
        self.loss_scaler = None
        self._scale_update_param = None
        print_log(
            'DeviceAmpOptimWrapper: no CUDA / NPU / MLU / MUSA device, so '
            'no mixed precision: training in float32 as OptimWrapper does.',
            logger='current',
            level=logging.WARNING)

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        if self.amp_enabled:
            return super().backward(loss, **kwargs)
        return OptimWrapper.backward(self, loss, **kwargs)

    def step(self, **kwargs) -> None:
        if self.amp_enabled:
            return super().step(**kwargs)
        return OptimWrapper.step(self, **kwargs)

    def state_dict(self) -> dict:
        if self.amp_enabled:
            return super().state_dict()
        return OptimWrapper.state_dict(self)

    def load_state_dict(self, state_dict: dict) -> None:
        if self.amp_enabled:
            return super().load_state_dict(state_dict)
        state_dict = dict(state_dict)
        state_dict.pop('loss_scaler', None)
        return OptimWrapper.load_state_dict(self, state_dict)

    @contextmanager
    def optim_context(self, model: nn.Module):
        if self.amp_enabled:
            with super().optim_context(model):
                yield
        else:
            with OptimWrapper.optim_context(self, model):
                yield
