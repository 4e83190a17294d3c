"""FlexMatch's class-adaptive thresholds (Curriculum Pseudo Labeling)."""
import math
from typing import Optional

import torch
from mmaction.registry import MODELS

from .arg_checks import probability_arg
from .masks import BaseMask
from .running_state import RunningStateMixin, gather_rows

#: the mapping functions of the paper, [0, 1] -> [0, 1]
MAPPINGS = dict(
    convex=lambda x: x / (2.0 - x),
    linear=lambda x: x,
    concave=lambda x: torch.log1p(x) / math.log(2.0))


@MODELS.register_module()
class FlexMatchThreshold(RunningStateMixin, BaseMask):
    """A threshold per class that rises as the class is learned (FlexMatch,
    Zhang et al., NeurIPS 2021).

    A per-clip memory holds, for every unlabeled clip (by its index in the
    unlabeled dataset), the latest class the teacher predicted for it with
    confidence >= ``threshold`` (``-1`` until it first did, as in the
    official implementation). From it::

        sigma(c) = number of clips whose remembered class is c
        unused   = number of clips never predicted confidently
        beta(c)  = sigma(c) / max(max_c sigma, unused)   # warm-up
                 = sigma(c) / max_c sigma                # without warm-up
        T(c)     = M(beta(c)) * threshold,   M(x) = x / (2 - x) (convex)

    and a clip counts (weight 1) when its top probability reaches
    ``T(its top class)``. The weights of a step use the thresholds before
    that step's clips enter the memory. Class counts are kept next to the
    memory and changed only where a clip changes class, so a step costs
    O(batch), not O(unlabeled clips); nothing is copied per step.

    In distributed training each rank's clips (index, class) are gathered
    so every rank writes the same memory. The memory has one entry per
    unlabeled clip: set ``num_unlabeled``, or let
    ``PseudoLabelMemoryHook`` (in the base runtime config) size it from
    the training set before training; a checkpoint gives it its size too.

    Args:
        threshold (float): The upper threshold ``tau`` in [0, 1]; the
            recognizer passes ``semi_train_cfg.threshold`` when it is not
            set here. Defaults to 0.95.
        num_unlabeled (int, optional): Clips in the unlabeled dataset.
            Defaults to None (set by the hook or a checkpoint).
        mapping (str): ``'convex'`` (``x / (2 - x)``, the paper's choice),
            ``'linear'`` (``x``) or ``'concave'`` (``log2(1 + x)``).
            Defaults to ``'convex'``.
        warmup (bool): Threshold warm-up: unused clips count as a class in
            the normaliser. Defaults to True.
    """

    uses_threshold = True
    remembers_clips = True
    lazy_buffers = ('memory', 'counts')

    def __init__(self,
                 threshold: float = 0.95,
                 num_unlabeled: Optional[int] = None,
                 mapping: str = 'convex',
                 warmup: bool = True) -> None:
        super().__init__()
        threshold = probability_arg('threshold', threshold)
        if mapping not in MAPPINGS:
            raise ValueError(f'mapping={mapping!r} must be one of '
                             f'{sorted(MAPPINGS)}')
        if num_unlabeled is not None and (
                isinstance(num_unlabeled, bool)
                or not isinstance(num_unlabeled, int) or num_unlabeled < 1):
            raise ValueError(f'num_unlabeled={num_unlabeled!r} must be an '
                             'integer >= 1 (or None: sized before training)')
        self.threshold = float(threshold)
        self.mapping = mapping
        self.warmup = bool(warmup)
        #: latest confident class per unlabeled clip, -1 = never
        self.register_buffer('memory', torch.zeros(0, dtype=torch.long))
        #: clips per remembered class; the last entry counts unused clips
        self.register_buffer('counts', torch.zeros(0, dtype=torch.long))
        if num_unlabeled is not None:
            self.set_num_unlabeled(num_unlabeled)

    def set_num_unlabeled(self, num_unlabeled: int) -> None:
        """Give the memory one entry per unlabeled clip (all unused).

        Args:
            num_unlabeled (int): Clips in the unlabeled dataset.

        Raises:
            ValueError: The memory already holds another number of clips
                (resumed from a checkpoint of another unlabeled set).
        """
        size = self.memory.shape[0]
        if size == num_unlabeled:
            return
        if size:
            raise ValueError(
                f'{type(self).__name__}: the memory holds {size} unlabeled '
                f'clips (from a checkpoint or mask.num_unlabeled), the '
                f'unlabeled dataset has {num_unlabeled}')
        self.memory = torch.full((num_unlabeled, ), -1, dtype=torch.long,
                                 device=self.memory.device)
        self.counts = self.counts.new_zeros(0)

    def _ensure_counts(self, num_classes: int) -> None:
        """Count the memory once (a fresh memory: every clip unused)."""
        if self.counts.numel() == num_classes + 1:
            return
        if self.counts.numel():
            raise ValueError(
                f'{type(self).__name__}: its state counts '
                f'{self.counts.numel() - 1} classes, the teacher predicts '
                f'{num_classes}')
        slots = torch.where(self.memory < 0, num_classes, self.memory)
        self.counts = torch.bincount(slots, minlength=num_classes + 1)

    def learning_effect(self) -> torch.Tensor:
        """``beta(c)`` of every class ``(C,)`` (see the class doc)."""
        sigma = self.counts[:-1].double()
        norm = sigma.max()
        if self.warmup:
            norm = torch.maximum(norm, self.counts[-1].double())
        return sigma / norm.clamp(min=1.0)

    def current_threshold(self) -> Optional[torch.Tensor]:
        """``T(c)`` of every class ``(C,)``, or None before the first
        batch."""
        if self.counts.numel() == 0:
            return None
        return (MAPPINGS[self.mapping](self.learning_effect()) *
                self.threshold).float()

    def forward(self, probs, indices=None):
        if self.memory.numel() == 0:
            raise RuntimeError(
                f'{type(self).__name__} has no per-clip memory yet: set '
                "semi_train_cfg.mask.num_unlabeled, or add dict(type="
                "'PseudoLabelMemoryHook') to custom_hooks (the base config "
                'configs/_base_/default_runtime.py has it)')
        if indices is None:
            raise RuntimeError(
                f'{type(self).__name__} needs the index of each unlabeled '
                "clip: the weak view's data samples must carry 'sample_idx' "
                '(MultiView puts it there)')
        probs = probs.detach()
        self._ensure_counts(probs.shape[1])
        confidence, classes = probs.max(dim=1)
        thresholds = self.current_threshold().to(probs)
        weights = (confidence >= thresholds[classes]).float()
        if self.training:
            self._remember(indices.to(self.memory.device),
                           classes.to(self.memory.device),
                           (confidence >= self.threshold).to(
                               self.memory.device))
        return weights

    @torch.no_grad()
    def _remember(self, indices: torch.Tensor, classes: torch.Tensor,
                  confident: torch.Tensor) -> None:
        """Write the confident clips of every rank into the memory and
        move the class counts accordingly."""
        rows = gather_rows(torch.stack([indices, classes], dim=1)[confident])
        if rows.shape[0] == 0:
            return
        indices, classes = rows[:, 0], rows[:, 1]
        if int(indices.min()) < 0 or int(indices.max()) >= len(self.memory):
            raise IndexError(
                f'{type(self).__name__}: unlabeled clip index '
                f'{int(indices.max())} outside the memory of '
                f'{len(self.memory)} clips (wrong num_unlabeled?)')
        # a clip twice in one step: its last prediction counts
        unique, inverse = torch.unique(indices, return_inverse=True)
        order = torch.arange(len(indices), device=indices.device)
        last = torch.full_like(unique, -1).scatter_reduce_(
            0, inverse, order, reduce='amax')
        new = classes[last]
        old = self.memory[unique]
        num_classes = self.counts.numel() - 1
        old_slots = torch.where(old < 0, num_classes, old)
        self.counts.index_add_(0, old_slots, -torch.ones_like(old_slots))
        self.counts.index_add_(0, new, torch.ones_like(new))
        self.memory[unique] = new
