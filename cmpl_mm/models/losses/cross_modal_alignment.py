"""LTG's feature-level cross-modal alignment (Xiao et al., CVPR 2022)."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..pseudo_label.arg_checks import positive_arg


@MODELS.register_module()
class CrossModalAlignmentLoss(nn.Module):
    """Pull the features of one network towards another's, stage by stage.

    ``L = sum_l [1 - mean_{n,t,h,w} cos_c(F_a^l, sg(F_b^l))]``: at every
    stage ``l`` the cosine similarity over channels between the student's
    feature ``F_a`` and the detached feature ``F_b`` of the other modality
    at each position, averaged over clips and positions (LTG's alignment
    between RGB and temporal-gradient features, at all four ResNet stages,
    weight 1 each; read from LTG's code). Where the two feature maps differ
    in time or space (a TG clip has one frame fewer), ``F_b`` is
    average-pooled to ``F_a``'s size first.

    Args:
        loss_weight (float): Weight of the summed loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = positive_arg('loss_weight', loss_weight,
                                        allow_zero=True)

    def forward(self, student: Sequence[torch.Tensor],
                teacher: Sequence[torch.Tensor]) -> torch.Tensor:
        """Args:
            student (list[Tensor]): Features ``(N, C, T, H, W)`` per stage.
            teacher (list[Tensor]): The other modality's, same order and
                channels.
        """
        if len(student) != len(teacher) or not student:
            raise ValueError(f'{len(student)} student and {len(teacher)} '
                             'teacher stages: they must match')
        total = student[0].new_zeros(())
        for a, b in zip(student, teacher):
            if a.shape[:2] != b.shape[:2]:
                raise ValueError(
                    'cross-modal alignment needs features of the same clips '
                    f'and channels at every stage, got {tuple(a.shape)} and '
                    f'{tuple(b.shape)}')
            b = b.detach()
            if a.shape[2:] != b.shape[2:]:
                b = F.adaptive_avg_pool3d(b, a.shape[2:])
            total = total + 1 - F.cosine_similarity(a, b, dim=1).mean()
        return total * self.loss_weight
