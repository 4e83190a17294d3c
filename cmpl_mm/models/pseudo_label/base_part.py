"""The extension points every pseudo-labeling part has."""
from typing import Optional

import torch
import torch.nn as nn

from .context import StepContext


class BasePart(nn.Module):
    """A pseudo-labeling part (teacher, alignment, target, mask, loss).

    The recognizer and the hooks call these methods on every part; a part
    overrides the ones it needs and inherits the no-op defaults.
    """

    #: keeps a memory per unlabeled clip, sized by :meth:`set_num_unlabeled`
    remembers_clips = False

    def observe_step(self, context: StepContext) -> None:
        """See the step's facts (iteration, supervised loss) before the
        step asks for targets or weights; does nothing by default.

        Args:
            context (StepContext): This step, for the taught network.
        """

    def current_threshold(self) -> Optional[torch.Tensor]:
        """The confidence a pseudo-label needs now, a scalar or one per
        class ``(C,)``, for the statistics hook; None when the part has no
        threshold."""
        return None

    def set_num_unlabeled(self, num_unlabeled: int) -> None:
        """Size per-clip memory for an unlabeled set of this many clips
        (``PseudoLabelMemoryHook`` calls it before training on the parts
        that set :attr:`remembers_clips`); does nothing by default.

        Args:
            num_unlabeled (int): Clips in the unlabeled dataset.
        """
