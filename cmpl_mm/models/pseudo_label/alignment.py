"""Adjusting the teacher's probabilities before they become targets."""
import torch
from mmaction.registry import MODELS

from .base_part import BasePart


class BaseAlignment(BasePart):
    """Maps teacher probabilities ``(N, C)`` to adjusted probabilities that
    the target and mask rules then read (distribution alignment). May keep
    state as buffers; updates it in training only."""

    def forward(self, probs: torch.Tensor,
                labeled_targets: torch.Tensor) -> torch.Tensor:
        """Args:
            probs (Tensor): Teacher probabilities ``(N, C)``, no gradient.
            labeled_targets (Tensor): Classes of the batch's labeled clips
                ``(B,)`` (for the labeled class distribution).
        """
        raise NotImplementedError


@MODELS.register_module()
class NoAlignment(BaseAlignment):
    """The teacher's probabilities as they are (FixMatch, CMPL, UDA)."""

    def forward(self, probs, labeled_targets):
        return probs
