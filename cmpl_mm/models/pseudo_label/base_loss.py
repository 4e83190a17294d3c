"""The base class of the losses that fit a student to pseudo-labels."""
import torch

from .base_part import BasePart


class BasePseudoLabelLoss(BasePart):
    """``loss(strong_logits (N, C), targets, weights (N,)) -> scalar``.

    A subclass states :attr:`target_kind`, the kind of target it fits,
    which must equal the target part's ``kind``.
    """

    #: ``'hard'`` (class indices ``(N,)``) or ``'soft'`` (``(N, C)``)
    target_kind: str = ''

    def forward(self, cls_score: torch.Tensor, targets: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
