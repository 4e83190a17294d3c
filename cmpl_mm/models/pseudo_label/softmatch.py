"""SoftMatch's truncated Gaussian weights."""
from typing import Optional

import torch
from mmaction.registry import MODELS

from .arg_checks import momentum_arg, positive_arg
from .masks import BaseMask
from .running_state import RunningStateMixin, sum_over_ranks


@MODELS.register_module()
class SoftMatchWeight(RunningStateMixin, BaseMask):
    """A soft weight per clip from the teacher's confidence (SoftMatch,
    Chen et al., ICLR 2023).

    Every training step, first the running mean and variance of the
    confidence ``x_n = max_c p_n(c)`` move with the ``N`` unlabeled clips
    of every rank (``m`` the momentum; the batch variance is the unbiased
    one)::

        mu_t     = m * mu_{t-1}     + (1 - m) * mean_n x_n
        sigma2_t = m * sigma2_{t-1} + (1 - m) * var_n x_n

    starting from ``mu = 1/C`` and ``sigma2 = 1``; then each clip gets::

        w(x) = exp(-(x - mu_t)^2 / (2 * sigma2_t / n_sigma^2))  if x < mu_t
             = 1                                                otherwise

    A batch of a single clip moves neither figure (no variance). The sums
    are all-reduced over ranks, so every rank keeps the same state.
    ``current_threshold`` reports ``mu_t``, the confidence above which a
    clip counts fully. SoftMatch pairs it with uniform distribution
    alignment (``DistributionAlignment(target='uniform')``).

    Args:
        momentum (float): ``m`` in [0, 1). Defaults to 0.999.
        n_sigma (float): Width of the Gaussian in standard deviations
            (``> 0``); the reference code uses 2. Defaults to 2.0.
        num_classes (int, optional): Classes of the teacher (for the
            initial mean 1/C). Defaults to None (from the first batch).
    """

    lazy_buffers = ('mean', 'var')

    def __init__(self,
                 momentum: float = 0.999,
                 n_sigma: float = 2.0,
                 num_classes: Optional[int] = None) -> None:
        super().__init__()
        self.momentum = momentum_arg(momentum)
        self.n_sigma = positive_arg('n_sigma', n_sigma)
        self.register_buffer('mean', torch.zeros(0))
        self.register_buffer('var', torch.zeros(0))
        if num_classes is not None:
            self._init_state(num_classes)

    def _init_state(self, num_classes: int) -> None:
        if self.mean.numel():
            return
        self.mean = torch.full((1, ), 1.0 / num_classes,
                               device=self.mean.device)
        self.var = torch.ones(1, device=self.var.device)

    def current_threshold(self) -> Optional[torch.Tensor]:
        """``mu_t`` (one value), or None before the first batch."""
        return self.mean.clone() if self.mean.numel() else None

    def forward(self, probs, indices=None):
        probs = probs.detach()
        self._init_state(probs.shape[1])
        confidence = probs.max(dim=1)[0]
        if self.training:
            self._update(confidence)
        below = (confidence - self.mean.to(probs)).clamp(max=0.0)
        return torch.exp(-below.pow(2) / (2 * self.var.to(probs) /
                                          self.n_sigma**2))

    @torch.no_grad()
    def _update(self, confidence: torch.Tensor) -> None:
        x = confidence.double()
        count, total, squares = sum_over_ranks(
            x.new_tensor([x.numel()]), x.sum(0, keepdim=True),
            x.pow(2).sum(0, keepdim=True))
        if float(count) < 2:
            return
        mean = total / count
        var = (squares - count * mean.pow(2)) / (count - 1)
        m = self.momentum
        self.mean.mul_(m).add_((1 - m) * mean.float())
        self.var.mul_(m).add_((1 - m) * var.clamp(min=0).float())
