"""Who predicts the weak view that becomes a network's pseudo-label."""
from typing import Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .base_part import BasePart
from .arg_checks import choice_arg, momentum_arg, positive_arg
from .ema_network import EMA_BUFFER_MODES, EMA_STARTS, EMA_WARMUPS


class BaseTeacher(BasePart):
    """Where the teacher's weak-view logits come from.

    Args:
        network (str, optional): The network that teaches (``'primary'``,
            ``'auxiliary'``, ...). None takes the algorithm's choice (the
            network itself for FixMatch, the other one for CMPL). Defaults
            to None.
    """

    #: the weak view must go through the live ``network`` in training
    needs_live_weak_view = True

    def __init__(self, network: Optional[str] = None) -> None:
        super().__init__()
        if network is not None and not isinstance(network, str):
            raise ValueError(f'network={network!r} must be a network name')
        self.network = network

    def logits(self, weak_inputs: torch.Tensor,
               live_weak_logits: Optional[torch.Tensor],
               ema_networks: nn.ModuleDict) -> torch.Tensor:
        """Detached weak-view logits ``(N, num_classes)``.

        Args:
            weak_inputs (Tensor): The weak view, ``(N, 1, C, T, H, W)``.
            live_weak_logits (Tensor, optional): ``network``'s logits of the
                weak view from the training forward, when it ran one.
            ema_networks (nn.ModuleDict): The recognizer's EMA copies.
        """
        raise NotImplementedError


@MODELS.register_module()
class LiveTeacher(BaseTeacher):
    """The teacher network as it is being trained (FixMatch, CMPL): its
    weak-view logits from the same training forward, detached."""

    def logits(self, weak_inputs, live_weak_logits, ema_networks):
        return live_weak_logits.detach()


@MODELS.register_module()
class EMATeacher(BaseTeacher):
    """An exponential moving average of the teacher network (Mean Teacher).

    The recognizer keeps one :class:`EMANetwork` per averaged network
    (``model.ema_networks[network]``); ``EMATeacherHook`` updates it after
    every optimizer step. It predicts the weak view in evaluation mode.
    ``momentum``, ``warmup``, ``gamma``, ``buffers`` and ``start`` are
    those of :class:`EMANetwork`.

    Args:
        network (str, optional): See :class:`BaseTeacher`.
        momentum (float): Weight of the old average in
            ``ema = m * ema + (1 - m) * live`` once warmed up, in [0, 1).
            Defaults to 0.999.
        warmup (str): How ``m`` starts: ``'tarvainen'``
            (``min(1 - 1/(n + 2), momentum)`` after ``n`` updates, the
            original Mean Teacher code), ``'exp'`` (mmdetection's
            ``ExpMomentumEMA``) or ``'none'``. Defaults to ``'tarvainen'``.
        gamma (float): Length of the ``'exp'`` warm-up, in updates.
            Defaults to 2000.
        buffers (str): Batch-norm statistics of the copy: ``'copy'`` the
            live network's or ``'average'`` them. Defaults to ``'copy'``.
        start (str): ``'init'`` (average from the first step) or
            ``'warmup_end'`` (the copy is the live network until the
            supervised warm-up ends, then averages). Defaults to ``'init'``.
    """

    needs_live_weak_view = False

    def __init__(self, network: Optional[str] = None,
                 momentum: float = 0.999, warmup: str = 'tarvainen',
                 gamma: float = 2000.0, buffers: str = 'copy',
                 start: str = 'init') -> None:
        super().__init__(network)
        self.momentum = momentum_arg(momentum)
        self.warmup = choice_arg('warmup', warmup, EMA_WARMUPS)
        self.gamma = positive_arg('gamma', gamma)
        self.buffers = choice_arg('buffers', buffers, EMA_BUFFER_MODES)
        self.start = choice_arg('start', start, EMA_STARTS)

    def ema_settings(self) -> dict:
        """The :class:`EMANetwork` arguments this teacher asks for."""
        return dict(momentum=self.momentum, warmup=self.warmup,
                    gamma=self.gamma, buffers=self.buffers, start=self.start)

    def logits(self, weak_inputs, live_weak_logits, ema_networks):
        return ema_networks[self.network](weak_inputs)
