"""Distribution alignment of the teacher's probabilities (AdaMatch-style)."""
from typing import Optional

import torch
from mmaction.registry import MODELS

from .arg_checks import momentum_arg, positive_arg
from .alignment import BaseAlignment
from .running_state import RunningStateMixin, sum_over_ranks

TARGETS = ('labeled', 'uniform')


@MODELS.register_module()
class DistributionAlignment(RunningStateMixin, BaseAlignment):
    """Scale the teacher's probabilities towards a target class
    distribution (ReMixMatch, Berthelot et al., 2020; AdaMatch, Berthelot
    et al., 2022; SoftMatch's uniform alignment).

    Every training step, first the running distributions move with the
    batch of every rank (``m`` the momentum, ``N`` unlabeled clips with
    teacher probabilities ``p_n``, ``B`` labeled clips with classes
    ``y_b``)::

        p_model(c)  = m * p_model(c)  + (1 - m) * mean_n p_n(c)
        p_target(c) = m * p_target(c) + (1 - m) * share of y_b = c
                                              (target='labeled' only)

    both starting at ``1/C`` (``target='uniform'`` keeps ``p_target =
    1/C``); then every clip's probabilities become::

        p'_n(c) = SumNorm(p_n(c) * (p_target(c) + eps) / (p_model(c) + eps))

    with ``eps = 1e-6`` as in the reference code. A step without labeled
    clips leaves ``p_target`` alone. The sums are all-reduced over ranks,
    so every rank keeps the same state; the target and mask rules read the
    aligned probabilities. In CMPL each taught network aligns the
    probabilities of its own teacher with its own state.

    Args:
        target (str): ``'labeled'``: the running class distribution of the
            labeled clips; ``'uniform'``: ``1/C``. Defaults to
            ``'labeled'``.
        momentum (float): ``m`` in [0, 1). Defaults to 0.999.
        eps (float): Added to both distributions. Defaults to 1e-6.
        num_classes (int, optional): Classes of the teacher. Defaults to
            None (from the first batch).
    """

    lazy_buffers = ('p_model', 'p_target')

    def __init__(self,
                 target: str = 'labeled',
                 momentum: float = 0.999,
                 eps: float = 1e-6,
                 num_classes: Optional[int] = None) -> None:
        super().__init__()
        if target not in TARGETS:
            raise ValueError(f'target={target!r} must be one of '
                             f'{list(TARGETS)}')
        self.target = target
        self.momentum = momentum_arg(momentum)
        self.eps = positive_arg('eps', eps, allow_zero=True)
        self.register_buffer('p_model', torch.zeros(0))
        self.register_buffer('p_target', torch.zeros(0))
        if num_classes is not None:
            self._init_state(num_classes)

    def _init_state(self, num_classes: int) -> None:
        self.start_uniform(num_classes, ('p_model', 'p_target'))

    def forward(self, probs, labeled_targets):
        probs = probs.detach()
        self._init_state(probs.shape[1])
        if self.training:
            self._update(probs, labeled_targets)
        scale = (self.p_target + self.eps) / (self.p_model + self.eps)
        aligned = probs * scale.to(probs)
        return aligned / aligned.sum(dim=1, keepdim=True)

    @torch.no_grad()
    def _update(self, probs, labeled_targets) -> None:
        num_classes = probs.shape[1]
        labeled = labeled_targets.reshape(-1).to(probs.device)
        hist = torch.bincount(labeled, minlength=num_classes).double()
        unl_count, prob_sum, lab_count, hist = sum_over_ranks(
            probs.new_tensor([probs.shape[0]]).double(),
            probs.sum(0).double(),
            probs.new_tensor([labeled.numel()]).double(), hist)
        m = self.momentum
        if float(unl_count) > 0:
            self.p_model.mul_(m).add_((1 - m) * (prob_sum / unl_count).float())
        if self.target == 'labeled' and float(lab_count) > 0:
            self.p_target.mul_(m).add_((1 - m) * (hist / lab_count).float())
