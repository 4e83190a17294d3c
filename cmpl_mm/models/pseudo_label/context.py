"""What a training step tells the pseudo-labeling parts of one network."""
from dataclasses import dataclass
from typing import Optional

import torch


@dataclass(frozen=True)
class StepContext:
    """The facts of one training step that a part may need (Dash's loss
    threshold, a ramp), handed to :meth:`BasePart.observe_step` of every
    part of a taught network once per step, during the supervised warm-up
    too, before the part is asked for targets or weights.

    Args:
        network (str): The taught network (``'primary'``, ...).
        iteration (int): The runner's iteration of this step, from 0.
        unsup_start (int): The first iteration with the unlabeled loss
            (``semi_train_cfg.warmup_iters``).
        sup_loss (Tensor, optional): This network's supervised loss of the
            step, detached (a scalar; None when the step has none).
    """
    network: str
    iteration: int
    unsup_start: int
    sup_loss: Optional[torch.Tensor] = None

    @property
    def unsup_iteration(self) -> int:
        """Iterations since the unlabeled loss started (< 0 before)."""
        return self.iteration - self.unsup_start
