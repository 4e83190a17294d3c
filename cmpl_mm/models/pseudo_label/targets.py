"""What a student fits: the teacher's probabilities turned into targets."""
import torch
from mmaction.registry import MODELS

from .arg_checks import positive_arg
from .base_part import BasePart


class BaseTarget(BasePart):
    """Turns teacher probabilities ``(N, C)`` into detached targets."""

    #: ``'hard'``: class indices ``(N,)``; ``'soft'``: distributions ``(N, C)``
    kind = 'hard'

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


@MODELS.register_module()
class HardTarget(BaseTarget):
    """The teacher's most probable class (FixMatch, CMPL)."""

    kind = 'hard'

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        return probs.detach().argmax(dim=1)


@MODELS.register_module()
class SoftTarget(BaseTarget):
    """The teacher's distribution sharpened at temperature ``T`` (UDA).

    ``q = softmax(log(p) / T)``, i.e. ``softmax(logits / T)`` of the
    teacher's logits; ``T = 1`` keeps ``p`` (Mean Teacher), ``T < 1``
    sharpens.

    Args:
        temperature (float): ``T > 0``. Defaults to 1.0.
    """

    kind = 'soft'

    def __init__(self, temperature: float = 1.0) -> None:
        super().__init__()
        self.temperature = positive_arg('temperature', temperature)

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        probs = probs.detach()
        if self.temperature == 1.0:
            return probs
        return torch.softmax(probs.log() / self.temperature, dim=1)
