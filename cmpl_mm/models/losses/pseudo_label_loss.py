"""Cross-entropy against confidence-masked hard pseudo-labels."""
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..pseudo_label.base_loss import BasePseudoLabelLoss


@MODELS.register_module()
class PseudoLabelCrossEntropy(BasePseudoLabelLoss):
    """Hard-label cross-entropy with a per-sample confidence mask.

    ``loss = sum_i mask_i * CE(logits_i, target_i) / N``, with
    ``N`` the number of unlabeled samples in the batch, masked or not
    (FixMatch's normalisation: the loss shrinks when few samples are
    confident instead of being re-weighted onto them). The weight of the
    loss is set by the recognizer's ``semi_train_cfg``. Takes hard targets
    (class indices); per-clip weights may lie anywhere in [0, 1].
    """

    #: the kind of target it fits (see ``HardTarget`` / ``SoftTarget``)
    target_kind = 'hard'

    def forward(self, cls_score: torch.Tensor, pseudo_labels: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): Logits on the strong view, ``(N, C)``.
            pseudo_labels (Tensor): Target classes, ``(N,)``, no gradient.
            mask (Tensor): Per-clip weight in [0, 1] (1 where the target
                is confident), ``(N,)``.

        Returns:
            Tensor: The scalar loss.
        """
        if pseudo_labels.requires_grad or mask.requires_grad:
            raise ValueError('pseudo-labels and mask must not carry gradient')
        if cls_score.shape[0] == 0:
            return cls_score.sum() * 0.
        per_sample = F.cross_entropy(
            cls_score, pseudo_labels, reduction='none')
        return (per_sample * mask.to(per_sample)).mean()
