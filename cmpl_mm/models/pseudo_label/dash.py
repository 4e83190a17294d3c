"""Dash's dynamic loss threshold (Xu et al., ICML 2021)."""
import math
from typing import Optional

import torch
from mmaction.registry import MODELS

from .arg_checks import positive_arg
from .masks import BaseMask
from .running_state import sum_over_ranks


@MODELS.register_module()
class DashThreshold(BaseMask):
    """1 where the teacher's loss on its own pseudo-label,
    ``-log max_c p_c``, is at most ``rho_t``, else 0.

    ``rho_t = max(C * gamma^(-k) * rho_hat, rho_min)`` with
    ``k = floor(t / decay_iters)`` after ``t`` unlabeled iterations (Dash,
    Eq. 6; USB's ``DashThresholdingHook`` decays it every 10 epochs from
    ``C * rho_hat``). ``rho_hat`` is ``rho_init`` when given, else the mean
    supervised loss of the taught network over the last ``estimate_iters``
    iterations of the supervised warm-up (``semi_train_cfg.warmup_iters``;
    the paper and USB take the labeled loss after the warm-up), or, with no
    warm-up step seen, that of the first unlabeled step; summed over every
    rank. With hard targets the rule equals a confidence threshold
    ``exp(-rho_t)``, which is what the statistics hook reports. USB's
    switch from sharpened soft targets to hard ones when ``rho_t`` reaches
    ``rho_min`` is not implemented: the targets are the algorithm's (hard).

    Args:
        rho_init (float, optional): ``rho_hat`` (> 0); None estimates it.
            Defaults to None.
        gamma (float): Decay base, > 1. Defaults to 1.27 (USB).
        C (float): Scale, > 0. Defaults to 1.0001 (USB).
        rho_min (float): Floor of ``rho_t``, > 0. Defaults to 0.05 (USB).
        decay_iters (int): Unlabeled iterations between two decays, > 0.
            Defaults to 1000.
        estimate_iters (int): Warm-up iterations averaged for ``rho_hat``,
            > 0. Defaults to 50.
    """

    def __init__(self,
                 rho_init: Optional[float] = None,
                 gamma: float = 1.27,
                 C: float = 1.0001,
                 rho_min: float = 0.05,
                 decay_iters: int = 1000,
                 estimate_iters: int = 50) -> None:
        super().__init__()
        if rho_init is not None:
            rho_init = positive_arg('rho_init', rho_init,
                                    hint="Dash's rho_hat, a loss")
        self.rho_init = rho_init
        self.gamma = positive_arg('gamma', gamma)
        if self.gamma <= 1.0:
            raise ValueError(f'gamma={gamma!r} must be > 1 (rho decays as '
                             'gamma^-k)')
        self.C = positive_arg('C', C)
        self.rho_min = positive_arg('rho_min', rho_min)
        for name, value in (('decay_iters', decay_iters),
                            ('estimate_iters', estimate_iters)):
            if not (isinstance(value, int) and not isinstance(value, bool)
                    and value > 0):
                raise ValueError(f'{name}={value!r} must be an integer > 0')
        self.decay_iters, self.estimate_iters = decay_iters, estimate_iters
        self.unsup_iteration = 0
        # the warm-up's supervised losses, summed, and rho_hat (0: unknown)
        self.register_buffer('loss_sum', torch.zeros(()))
        self.register_buffer('loss_count', torch.zeros(()))
        self.register_buffer('rho_hat', torch.tensor(
            0.0 if rho_init is None else rho_init))

    def observe_step(self, context) -> None:
        self.unsup_iteration = t = context.unsup_iteration
        estimating = -self.estimate_iters <= t < 0 or (
            t >= 0 and float(self.loss_count) == 0)  # no warm-up was seen
        if (self.rho_init is None and context.sup_loss is not None
                and float(self.rho_hat) <= 0 and estimating):
            self.loss_sum += context.sup_loss.to(self.loss_sum)
            self.loss_count += 1

    def rho(self) -> torch.Tensor:
        """``rho_t`` of this step (fixes ``rho_hat`` on first use)."""
        if float(self.rho_hat) <= 0:
            loss_sum, count = sum_over_ranks(self.loss_sum.clone(),
                                             self.loss_count.clone())
            if float(count) == 0:
                raise RuntimeError(
                    'DashThreshold has no supervised loss to estimate '
                    'rho_hat from; give rho_init')
            self.rho_hat.fill_(float(loss_sum / count))
        k = max(self.unsup_iteration, 0) // self.decay_iters
        rho = self.C * self.gamma**(-k) * float(self.rho_hat)
        return self.rho_hat.new_tensor(max(rho, self.rho_min))

    def forward(self, probs, indices=None):
        loss = -probs.detach().max(dim=1)[0].clamp_min(1e-12).log()
        return (loss <= self.rho().to(loss)).float()

    def current_threshold(self) -> Optional[torch.Tensor]:
        if float(self.rho_hat) <= 0:
            return None
        return torch.exp(-self.rho())
