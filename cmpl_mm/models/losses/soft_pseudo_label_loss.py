"""Losses against soft (distribution) pseudo-labels, weighted per clip."""
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..pseudo_label.base_loss import BasePseudoLabelLoss


def _check(cls_score, targets, weights) -> None:
    if targets.requires_grad or weights.requires_grad:
        raise ValueError('soft targets and weights must not carry gradient')
    if targets.shape != cls_score.shape:
        raise ValueError(
            f'soft targets of shape {tuple(targets.shape)} do not match the '
            f'scores {tuple(cls_score.shape)}; a soft-target loss needs '
            'distributions (N, C) from a SoftTarget')


@MODELS.register_module()
class SoftPseudoLabelCrossEntropy(BasePseudoLabelLoss):
    """Cross-entropy against soft targets (UDA's consistency loss).

    ``loss = sum_i w_i * (-sum_c q_ic * log softmax(z_i)_c) / N``, with
    ``N`` the whole unlabeled batch (FixMatch's normalisation). Equal to the
    KL divergence ``KL(q || p)`` up to the targets' entropy, which has no
    gradient.
    """

    target_kind = 'soft'

    def forward(self, cls_score: torch.Tensor, targets: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        """Args:
            cls_score (Tensor): Student logits ``(N, C)``.
            targets (Tensor): Target distributions ``(N, C)``, no gradient.
            weights (Tensor): Per-clip weights in [0, 1], ``(N,)``.
        """
        _check(cls_score, targets, weights)
        if cls_score.shape[0] == 0:
            return cls_score.sum() * 0.
        per_clip = -(targets * F.log_softmax(cls_score, dim=1)).sum(dim=1)
        return (per_clip * weights.to(per_clip)).mean()


@MODELS.register_module()
class SoftPseudoLabelMSE(BasePseudoLabelLoss):
    """Squared distance between the student's and the target distribution
    (Mean Teacher's consistency cost).

    ``loss = sum_i w_i * ||softmax(z_i) - q_i||^2 / N`` (summed over
    classes, so its scale does not shrink with the number of classes; the
    Mean Teacher code's per-class mean with weight 100 on CIFAR-10 equals
    this with weight 10).
    """

    target_kind = 'soft'

    def forward(self, cls_score: torch.Tensor, targets: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        """Args as :class:`SoftPseudoLabelCrossEntropy`."""
        _check(cls_score, targets, weights)
        if cls_score.shape[0] == 0:
            return cls_score.sum() * 0.
        per_clip = (cls_score.softmax(dim=1) - targets).pow(2).sum(dim=1)
        return (per_clip * weights.to(per_clip)).mean()
