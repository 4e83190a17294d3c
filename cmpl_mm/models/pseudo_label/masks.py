"""How much each unlabeled clip counts: a weight in [0, 1] per clip."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .arg_checks import probability_arg
from .base_part import BasePart


class BaseMask(BasePart):
    """Per-clip weights from the teacher's probabilities.

    A rule may keep state (as buffers, so it is checkpointed); it updates
    it in :meth:`forward` during training only.
    """

    #: takes the confidence threshold ``semi_train_cfg.threshold``
    uses_threshold = False

    def forward(self, probs: torch.Tensor,
                indices: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Weights ``(N,)`` in [0, 1], without gradient.

        Args:
            probs (Tensor): Teacher probabilities ``(N, C)``.
            indices (Tensor, optional): Index of each clip in the unlabeled
                dataset (for rules that remember clips).
        """
        raise NotImplementedError

    def extra_losses(self, strong_logits: torch.Tensor,
                     weights: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Loss terms the rule adds to the student's (e.g. FreeMatch's
        fairness loss), keyed ``loss_*``; none by default.

        Args:
            strong_logits (Tensor): The student's strong-view logits
                ``(N, C)``, with gradient.
            weights (Tensor): This step's clip weights ``(N,)``.
        """
        return {}


@MODELS.register_module()
class FixedThreshold(BaseMask):
    """1 where the teacher's top probability reaches ``threshold``, else 0
    (FixMatch, UDA, CMPL).

    Args:
        threshold (float): In [0, 1]; the recognizer passes
            ``semi_train_cfg.threshold`` (of the taught network) when the
            config does not set it here. Defaults to 0.95.
    """

    uses_threshold = True

    def __init__(self, threshold: float = 0.95) -> None:
        super().__init__()
        self.threshold = probability_arg('threshold', threshold)

    def forward(self, probs, indices=None):
        confidence = probs.detach().max(dim=1)[0]
        return (confidence >= self.threshold).float()


@MODELS.register_module()
class AllClips(BaseMask):
    """Every clip counts fully (Mean Teacher's consistency on all clips)."""

    def forward(self, probs, indices=None):
        return probs.new_ones(probs.shape[0])
