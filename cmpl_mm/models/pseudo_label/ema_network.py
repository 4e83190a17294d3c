"""An exponential moving average of a network's weights, kept out of training."""
import copy
from typing import List

import torch
import torch.nn as nn


def _weights_as_buffers(module: nn.Module) -> None:
    """Turn every parameter of ``module`` into a buffer of the same name, so
    the copy is saved and moved with the model but never reaches an
    optimizer or a DDP gradient reduction."""
    for sub in module.modules():
        for name in list(sub._parameters):
            param = sub._parameters.pop(name)
            sub.register_buffer(
                name, None if param is None else param.detach().clone())


class EMANetwork(nn.Module):
    """A frozen copy of a recognizer whose weights follow the live network.

    After every optimizer step :meth:`update` sets, for each weight,
    ``ema = momentum * ema + (1 - momentum) * live`` (Tarvainen & Valpola,
    2017); buffers (batch-norm running statistics) are copied. The copy
    always predicts in evaluation mode and without gradient. Its weights are
    buffers, so they live in the checkpoint (keys ``<name>.network.*``) but
    not in ``model.parameters()``.

    Args:
        live (nn.Module): The recognizer to follow (copied now).
        momentum (float): Weight of the old average, in [0, 1).
    """

    def __init__(self, live: nn.Module, momentum: float) -> None:
        super().__init__()
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f'momentum={momentum!r} must lie in [0, 1)')
        self.momentum = momentum
        self.network = copy.deepcopy(live)
        _weights_as_buffers(self.network)
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        self.train(False)

    def train(self, mode: bool = True) -> 'EMANetwork':
        """Stay in evaluation mode whatever the parent asks."""
        return super().train(False)

    def _pairs(self, live: nn.Module):
        own = dict(self.network.named_buffers())
        weights = [(own[n], p) for n, p in live.named_parameters()]
        buffers = [(own[n], b) for n, b in live.named_buffers()]
        return weights, buffers

    @torch.no_grad()
    def copy_from(self, live: nn.Module) -> None:
        """Set every weight and buffer to the live network's."""
        weights, buffers = self._pairs(live)
        for ema, src in weights + buffers:
            ema.copy_(src)

    @torch.no_grad()
    def update(self, live: nn.Module) -> None:
        """One moving-average step towards ``live`` (see class doc)."""
        weights, buffers = self._pairs(live)
        ema: List[torch.Tensor] = [e for e, _ in weights]
        src = [s.detach().to(e.dtype) for e, s in weights]
        torch._foreach_mul_(ema, self.momentum)
        torch._foreach_add_(ema, src, alpha=1.0 - self.momentum)
        for ema_buffer, live_buffer in buffers:
            ema_buffer.copy_(live_buffer)
        self.num_updates += 1

    @torch.no_grad()
    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class logits of ``inputs`` ``(N, num_crops, C, T, H, W)``."""
        feats, _ = self.network.extract_feat(inputs)
        return self.network.cls_head(feats)
