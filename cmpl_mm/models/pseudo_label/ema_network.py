"""An exponential moving average of a network's weights, kept out of training."""
import copy
import math
from typing import List

import torch
import torch.nn as nn

from .arg_checks import choice_arg, momentum_arg, positive_arg

#: how the averaging momentum starts (see :meth:`EMANetwork.momentum_at`)
EMA_WARMUPS = ('tarvainen', 'exp', 'none')
#: what the copy does with the live network's buffers (batch-norm statistics)
EMA_BUFFER_MODES = ('copy', 'average')
#: when the averaging starts (see :class:`EMANetwork`, ``start``)
EMA_STARTS = ('init', 'warmup_end')


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
    ``ema = m_n * ema + (1 - m_n) * live``, where ``n`` counts the updates
    before this one and ``m_n`` warms up to ``momentum``:

    * ``'tarvainen'`` (default; the original Mean Teacher code,
      ``alpha = min(1 - 1 / (global_step + 1), alpha)``):
      ``m_n = min(1 - 1 / (n + 2), momentum)``, so the copy is the plain
      mean of the initial and every later weight until that mean is longer
      than the exponential average's memory;
    * ``'exp'`` (mmdetection's ``ExpMomentumEMA`` in this momentum
      convention): ``m_n = momentum * (1 - exp(-(n + 1) / gamma))``;
    * ``'none'``: ``m_n = momentum`` from the first step; the copy then keeps
      ``momentum ** n`` of its random start (0.999 ** 900 = 0.41).

    Buffers (batch-norm running statistics) are copied from the live
    network (``buffers='copy'``, default) or averaged with the same
    ``m_n`` (``'average'``; integer buffers such as ``num_batches_tracked``
    are copied). The copy always predicts in evaluation mode and without
    gradient. Its weights are buffers, so they live in the checkpoint (keys
    ``<name>.network.*``, and the counter ``<name>.num_updates``) but not in
    ``model.parameters()``.

    Args:
        live (nn.Module): The recognizer to follow (copied now).
        momentum (float): Weight of the old average once warmed up, in
            [0, 1).
        warmup (str): ``'tarvainen'``, ``'exp'`` or ``'none'`` (see above).
            Defaults to ``'tarvainen'``.
        gamma (float): Length of the ``'exp'`` warm-up in updates, > 0.
            Defaults to 2000.
        buffers (str): ``'copy'`` or ``'average'``. Defaults to ``'copy'``.
        start (str): ``'init'`` (average from the first step) or
            ``'warmup_end'``: during the recognizer's supervised warm-up
            (``semi_train_cfg.warmup_iters``) the copy follows the live
            network (:meth:`follow`), so the average starts, warm-up rule
            and all, from the network the warm-up trained (SVFormer's
            released code). Defaults to ``'init'``.
    """

    #: an update count past any warm-up (for a checkpoint without one)
    WARMED_UP = 10**9

    def __init__(self, live: nn.Module, momentum: float,
                 warmup: str = 'tarvainen', gamma: float = 2000.0,
                 buffers: str = 'copy', start: str = 'init') -> None:
        super().__init__()
        self.momentum = momentum_arg(momentum)
        self.warmup = choice_arg('warmup', warmup, EMA_WARMUPS)
        self.gamma = positive_arg('gamma', gamma,
                                  hint="updates the 'exp' warm-up lasts")
        self.buffers_mode = choice_arg('buffers', buffers, EMA_BUFFER_MODES)
        self.start = choice_arg('start', start, EMA_STARTS)
        self.network = copy.deepcopy(live)
        _weights_as_buffers(self.network)
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.long))
        self.train(False)

    def train(self, mode: bool = True) -> 'EMANetwork':
        """Stay in evaluation mode whatever the parent asks."""
        return super().train(False)

    def momentum_at(self, n: int) -> float:
        """The momentum of the update that follows ``n`` earlier ones."""
        if self.warmup == 'tarvainen':
            return min(1.0 - 1.0 / (n + 2), self.momentum)
        if self.warmup == 'exp':
            return self.momentum * (1.0 - math.exp(-(n + 1) / self.gamma))
        return self.momentum

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
    def follow(self, live: nn.Module) -> None:
        """Become ``live`` again, as before any update (``num_updates``
        back to 0): the step of a ``start='warmup_end'`` copy during the
        warm-up."""
        self.copy_from(live)
        self.num_updates.zero_()

    @torch.no_grad()
    def update(self, live: nn.Module) -> None:
        """One moving-average step towards ``live`` (see class doc)."""
        momentum = self.momentum_at(int(self.num_updates))
        weights, buffers = self._pairs(live)
        averaged = list(weights)
        if self.buffers_mode == 'average':
            averaged += [(e, s) for e, s in buffers if e.is_floating_point()]
        ema: List[torch.Tensor] = [e for e, _ in averaged]
        src = [s.detach().to(e.dtype) for e, s in averaged]
        torch._foreach_mul_(ema, momentum)
        torch._foreach_add_(ema, src, alpha=1.0 - momentum)
        averaged_ids = {id(e) for e in ema}
        for ema_buffer, live_buffer in buffers:
            if id(ema_buffer) not in averaged_ids:
                ema_buffer.copy_(live_buffer)
        self.num_updates += 1

    @torch.no_grad()
    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class logits of ``inputs`` ``(N, num_crops, C, T, H, W)``."""
        feats, _ = self.network.extract_feat(inputs)
        return self.network.cls_head(feats)
