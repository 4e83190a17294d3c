"""Mixing the student's unlabeled clips, with targets mixed alike.

A mix rule pairs every unlabeled clip ``i`` of the batch with clip
``perm[i]``, gives the student a mix of the two strong clips, and mixes the
teacher's targets and clip weights in the same proportion::

    x_i     = mix(x_i, x_perm[i])            (before the student's forward)
    q_i     = lam_i * q_i + (1 - lam_i) * q_perm[i]      (soft targets)
    w_i     = lam_i * w_i + (1 - lam_i) * w_perm[i]

Hard targets become one-hot first, so a mix needs a soft-target loss
(``SoftPseudoLabelCrossEntropy`` or ``SoftPseudoLabelMSE``). ``lam`` is
drawn from ``Beta(alpha, alpha)`` once per step. Video needs the same mix
on every frame: ``TubeCutMix`` pastes one box through the whole clip (a
tube, VideoMix / CutMix for video; the box from mmaction2's
``CutmixBlending.rand_bbox``), ``MixupClips`` blends whole clips. Token
mixing for transformers (SVFormer's TubeTokenMix) is not here yet.
"""
from dataclasses import dataclass
from typing import Tuple

import torch
from mmaction.models.utils.blending_utils import CutmixBlending
from mmaction.registry import MODELS
from torch.distributions import Beta

from .arg_checks import positive_arg
from .base_part import BasePart


@dataclass
class MixDraw:
    """One step's mix: partner of each clip ``(N,)`` and the share of the
    clip's own content ``(N,)``, plus the box of a tube mix."""
    perm: torch.Tensor
    lam: torch.Tensor
    box: Tuple[int, int, int, int] = (0, 0, 0, 0)


class BaseMix(BasePart):
    """How the student's strong clips are mixed (see the module doc).

    ``mixes`` is False for :class:`NoMix`, so a recognizer skips the rule.
    """

    mixes = True

    def draw(self, clips: torch.Tensor) -> MixDraw:
        """This step's partners and proportions for ``clips`` ``(N, ...)``."""
        raise NotImplementedError

    def mix_inputs(self, clips: torch.Tensor, draw: MixDraw) -> torch.Tensor:
        """The mixed clips ``(N, num_crops, C, T, H, W)``."""
        raise NotImplementedError

    @staticmethod
    def mix_targets(targets: torch.Tensor, weights: torch.Tensor,
                    draw: MixDraw) -> Tuple[torch.Tensor, torch.Tensor]:
        """Soft targets ``(N, C)`` and weights ``(N,)`` mixed by ``draw``."""
        lam = draw.lam.to(targets)
        mixed = lam[:, None] * targets + (1 - lam[:, None]) * targets[
            draw.perm]
        return mixed, lam * weights + (1 - lam) * weights[draw.perm]


@MODELS.register_module()
class NoMix(BaseMix):
    """The student sees its strong clips as they are (every algorithm's
    default)."""

    mixes = False

    def draw(self, clips):
        n = clips.shape[0]
        return MixDraw(torch.arange(n), torch.ones(n))

    def mix_inputs(self, clips, draw):
        return clips


class _BetaMix(BaseMix):

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = positive_arg('alpha', alpha, hint='of Beta(alpha, alpha)')

    def _lam(self) -> torch.Tensor:
        return Beta(self.alpha, self.alpha).sample()

    def __repr__(self) -> str:
        return f'{type(self).__name__}(alpha={self.alpha})'


@MODELS.register_module()
class MixupClips(_BetaMix):
    """``x_i = lam x_i + (1 - lam) x_perm[i]`` on every pixel and frame.

    Args:
        alpha (float): ``lam ~ Beta(alpha, alpha)``, > 0. Defaults to 1.0.
    """

    def draw(self, clips):
        n = clips.shape[0]
        return MixDraw(torch.randperm(n), self._lam().expand(n))

    def mix_inputs(self, clips, draw):
        lam = draw.lam.to(clips).view(-1, *[1] * (clips.dim() - 1))
        return lam * clips + (1 - lam) * clips[draw.perm.to(clips.device)]


@MODELS.register_module()
class TubeCutMix(_BetaMix):
    """One box of area about ``(1 - lam) H W``, the same on every frame (a
    tube), filled with the partner clip; ``lam`` becomes the share of the
    frame left to the clip itself.

    Args:
        alpha (float): ``lam ~ Beta(alpha, alpha)``, > 0. Defaults to 1.0.
    """

    def draw(self, clips):
        n = clips.shape[0]
        h, w = clips.shape[-2:]
        x1, y1, x2, y2 = (int(v) for v in CutmixBlending.rand_bbox(
            clips.shape, self._lam()))
        kept = 1.0 - (x2 - x1) * (y2 - y1) / float(h * w)
        return MixDraw(torch.randperm(n), torch.full((n, ), kept),
                       (x1, y1, x2, y2))

    def mix_inputs(self, clips, draw):
        x1, y1, x2, y2 = draw.box
        mixed = clips.clone()
        mixed[..., y1:y2, x1:x2] = clips[draw.perm.to(clips.device)][
            ..., y1:y2, x1:x2]
        return mixed
