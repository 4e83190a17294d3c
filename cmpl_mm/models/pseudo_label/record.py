"""What a training step did with pseudo-labels, handed to the hooks.

The recognizer publishes one :class:`PseudoLabelRecord` per training step
through the message hub (runtime info ``'pseudo_label_record'``, not saved
in checkpoints); ``PseudoLabelStatsHook`` takes it after the step. Nothing
is left on the model, and the record reaches the hooks whether or not the
model is wrapped for distributed training.
"""
from dataclasses import dataclass, field
from typing import Dict, Optional

import torch
from mmengine.logging import MessageHub

RECORD_KEY = 'pseudo_label_record'


@dataclass
class StudentRecord:
    """Pseudo-labels of one taught network in one step.

    Args:
        teacher (str): Who taught it (``'auxiliary'``, ``'ema_primary'``).
        labels (Tensor): The teacher's top class per unlabeled clip ``(N,)``.
        weights (Tensor): The clip weights of the mask rule ``(N,)``;
            a clip counts as accepted where its weight is >= 0.5 (a hard
            mask's 1; not SoftMatch's small Gaussian tail weights).
        confidence (Tensor): The teacher's top probability ``(N,)``.
        threshold (Tensor, optional): The rule's current threshold, one per
            class ``(C,)`` or a scalar, when it has one.
    """
    teacher: str
    labels: torch.Tensor
    weights: torch.Tensor
    confidence: torch.Tensor
    threshold: Optional[torch.Tensor] = None


@dataclass
class PseudoLabelRecord:
    """Every taught network's pseudo-labels, and each teacher's weak-view
    prediction (for the agreement of two teachers).

    Args:
        num_classes (int): Width of the teachers' predictions.
        students (dict[str, StudentRecord]): By taught network.
        predictions (dict[str, Tensor]): Top class ``(N,)`` by teacher.
    """
    num_classes: int = 0
    students: Dict[str, StudentRecord] = field(default_factory=dict)
    predictions: Dict[str, torch.Tensor] = field(default_factory=dict)


def publish_record(record: PseudoLabelRecord) -> None:
    """Hand ``record`` to the hooks of this training step."""
    MessageHub.get_current_instance().update_info(
        RECORD_KEY, record, resumed=False)


def take_record() -> Optional[PseudoLabelRecord]:
    """The record of the last training step, once (None if none)."""
    return MessageHub.get_current_instance().pop_info(RECORD_KEY, None)
