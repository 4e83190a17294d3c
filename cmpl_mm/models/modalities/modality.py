"""What a network of each modality sees of a clip batch.

A clip batch from the data preprocessor is RGB, ``(..., 3, T, H, W)``, or
RGB with the optical flow of the same frames stacked behind it,
``(..., 5, T, H, W)`` (channels ``x, y`` of the flow, loaded by
:class:`~cmpl_mm.datasets.transforms.LoadFlowForFrames` and normalised by
:class:`~cmpl_mm.models.data_preprocessors.MultiViewDataPreprocessor`)::

    channel   0 1 2   3      4
              R G B   flow_x flow_y

Every view is a slice or a difference of that one tensor, on the model's
device: no second decode.
"""
from typing import Optional, Tuple

import torch

from .temporal_gradient import temporal_gradient

#: the modalities a network can be told to see (``semi_train_cfg.modality``)
MODALITIES = ('rgb', 'tg', 'flow')

RGB_CHANNELS = 3
FLOW_CHANNELS = 2

#: the channels a network of each modality takes (its backbone's
#: ``in_channels``)
MODALITY_CHANNELS = dict(rgb=RGB_CHANNELS, tg=RGB_CHANNELS,
                         flow=FLOW_CHANNELS)


def split_rgb_flow(clips: torch.Tensor
                   ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``(rgb, flow)`` of a clip batch; ``flow`` is None when the clips
    carry none (any channel count but ``3 + 2``).

    Args:
        clips (Tensor): ``(..., C, T, H, W)`` clips.
    """
    if clips.dim() >= 4 and clips.shape[-4] == RGB_CHANNELS + FLOW_CHANNELS:
        return clips[..., :RGB_CHANNELS, :, :, :], \
            clips[..., RGB_CHANNELS:, :, :, :]
    return clips, None


def to_modality(clips: torch.Tensor, modality: str,
                key: str = 'semi_train_cfg.modality') -> torch.Tensor:
    """``clips`` as a network of ``modality`` sees them: the RGB channels,
    their temporal gradient, or the flow channels.

    Args:
        clips (Tensor, optional): Normalised clips ``(..., C, T, H, W)``,
            RGB or RGB + flow (see the module doc); None gives None.
        modality (str): One of :data:`MODALITIES`.
        key (str): The config key that asked for ``modality``, for the
            message when the clips have no flow. Defaults to
            ``'semi_train_cfg.modality'``.
    """
    if clips is None:  # a view nobody reads (a live teacher's weak input)
        return None
    rgb, flow = split_rgb_flow(clips)
    if modality == 'rgb':
        return rgb
    if modality == 'tg':
        return temporal_gradient(rgb)
    if modality == 'flow':
        if flow is None:
            raise ValueError(
                f"{key}: 'flow' needs clips with flow channels (RGB + flow, "
                f'{RGB_CHANNELS + FLOW_CHANNELS} channels), but the data has '
                f'no flow (clips of shape {tuple(clips.shape)}); add '
                "dict(type='LoadFlowForFrames') after RawFrameDecode in the "
                'pipelines')
        return flow
    raise ValueError(f'{key}={modality!r} must be one of '
                     f'{list(MODALITIES)}')
