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
``CutmixBlending.rand_bbox``), ``MixupClips`` blends whole clips, and
``TubeTokenMix`` (SVFormer) swaps patch tokens of a video transformer
inside its forward, right after the patch embedding.

A rule mixes either the pixels (:meth:`BaseMix.mix_inputs`, before the
forward) or the tokens (:func:`mixed_forward`, during it); the recognizer
calls both, and each rule uses one.
"""
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmaction.models.utils.blending_utils import CutmixBlending
from mmaction.registry import MODELS
from torch.distributions import Beta

from .arg_checks import positive_arg
from .base_part import BasePart


@dataclass
class MixDraw:
    """One step's mix: partner of each clip ``(N,)`` and the share of the
    clip's own content ``(N,)``, plus the box of a tube mix or the patch
    positions ``(h*w,)`` (True: the partner's token) of a token mix."""
    perm: torch.Tensor
    lam: torch.Tensor
    box: Tuple[int, int, int, int] = (0, 0, 0, 0)
    tokens: Optional[torch.Tensor] = None


class BaseMix(BasePart):
    """How the student's strong clips are mixed (see the module doc).

    ``mixes`` is False for :class:`NoMix`, so a recognizer skips the rule.
    """

    mixes = True

    def draw(self, clips: torch.Tensor) -> MixDraw:
        """This step's partners and proportions for ``clips`` ``(N, ...)``."""
        raise NotImplementedError

    def draw_for(self, clips: torch.Tensor, network: nn.Module) -> MixDraw:
        """:meth:`draw` for the clips of ``network`` (a token mix reads its
        patch grid)."""
        return self.draw(clips)

    def backbone_problems(self, backbone, path: str) -> List[str]:
        """Why this rule cannot mix the input of a network with this
        backbone (a type name, a class, or None when unknown); none by
        default."""
        return []

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


#: backbones whose ``patch_embed`` output TubeTokenMix knows: mmaction2's
#: VisionTransformer ``(B, T'*h*w, C)`` (t-major, in a tuple) and TimeSformer
#: ``(B*T, h*w, C)``
TOKEN_BACKBONES = ('VisionTransformer', 'TimeSformer')


def patch_embedding(network: nn.Module) -> nn.Module:
    """``network.backbone.patch_embed``."""
    return network.backbone.patch_embed


@MODELS.register_module()
class TubeTokenMix(_BetaMix):
    """SVFormer's TubeTokenMix: ``int(round((1 - lam) h w))`` random patch
    positions, the same on every frame (a tube of tokens) and for the
    whole batch, take the partner clip's tokens right after the backbone's
    patch embedding (before the position and time embeddings); ``lam``
    becomes the exact share of the clip's own tokens. The clips pass
    :meth:`mix_inputs` unchanged: the recognizer forwards them under
    :func:`mixed_forward`. For mmaction2's ``VisionTransformer`` and
    ``TimeSformer`` backbones (:data:`TOKEN_BACKBONES`).

    Args:
        alpha (float): ``lam ~ Beta(alpha, alpha)``, > 0. Defaults to 1.0.
    """

    def draw_for(self, clips, network):
        stride = patch_embedding(network).projection.stride
        h, w = clips.shape[-2:]
        return self.draw(clips, (h // stride[-2]) * (w // stride[-1]))

    def draw(self, clips, num_patches: int) -> MixDraw:
        """Args:
            clips (Tensor): ``(N, ...)``.
            num_patches (int): Patch positions per frame, ``h*w``."""
        n = clips.shape[0]
        count = int(round((1 - float(self._lam())) * num_patches))
        tokens = torch.zeros(num_patches, dtype=torch.bool)
        tokens[torch.randperm(num_patches)[:count]] = True
        return MixDraw(torch.randperm(n),
                       torch.full((n, ), 1.0 - count / num_patches),
                       tokens=tokens)

    def mix_inputs(self, clips, draw):
        return clips

    def backbone_problems(self, backbone, path):
        name = backbone if isinstance(backbone, str) or backbone is None \
            else backbone.__name__
        name = None if name is None else name.split('.')[-1]
        if name is None or name in TOKEN_BACKBONES:
            return []
        return [f'{path}: TubeTokenMix swaps transformer tokens after the '
                f'patch embedding, and the backbone {name} has no patch '
                f'tokens it knows (those of {list(TOKEN_BACKBONES)}); on a '
                'CNN use TubeCutMix or MixupClips']


def mix_tokens(tokens: torch.Tensor, batch: int, draw: MixDraw,
               rows: slice) -> torch.Tensor:
    """Patch-embedding output ``tokens`` of ``batch`` clips (``(B, T'*h*w,
    C)`` or ``(B*T, h*w, C)``), rows ``rows`` (the mixed view's clips x
    crops, clip-major) taking their partner's tokens at ``draw.tokens``;
    the other rows as they are."""
    grid, dims = draw.tokens.numel(), tokens.shape[-1]
    by_patch = tokens.reshape(batch, -1, grid, dims)
    own = by_patch[rows].reshape(draw.perm.numel(), -1, grid, dims)
    take = draw.tokens.to(tokens.device).view(1, 1, grid, 1)
    mixed = torch.where(take, own[draw.perm.to(tokens.device)], own)
    return torch.cat([
        by_patch[:rows.start],
        mixed.reshape(-1, *by_patch.shape[1:]), by_patch[rows.stop:]
    ]).reshape(tokens.shape)


@contextmanager
def _token_hook(network: nn.Module, draw: MixDraw, rows: slice):
    def hook(module, args, out):
        tokens = out[0] if isinstance(out, tuple) else out
        tokens = mix_tokens(tokens, args[0].shape[0], draw, rows)
        return (tokens, *out[1:]) if isinstance(out, tuple) else tokens

    handle = patch_embedding(network).register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def mixed_forward(network: nn.Module, mixed: Optional[Tuple[str, MixDraw]],
                  views: Sequence[str], view_inputs: Sequence[torch.Tensor]):
    """The context of ``network``'s joint forward of ``views`` (inputs
    ``(N, num_crops, ...)`` each, concatenated in that order): when
    ``mixed`` = ``(view, draw)`` is a token mix of one of them, that view's
    rows take their partner's tokens in the patch embedding; otherwise
    nothing happens."""
    if mixed is None or mixed[1].tokens is None or mixed[0] not in views:
        return nullcontext()
    index = views.index(mixed[0])
    start = sum(x.shape[0] * x.shape[1] for x in view_inputs[:index])
    size = view_inputs[index].shape[0] * view_inputs[index].shape[1]
    return _token_hook(network, mixed[1], slice(start, start + size))
