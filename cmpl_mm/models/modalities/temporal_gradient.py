"""The temporal-gradient (TG) view of a clip: differences of consecutive
frames of the normalised clip, as LTG (Xiao et al., CVPR 2022) and MvPL
(Xiong et al., ICCV 2021) define it.

It is derived where the clip already is (after the data preprocessor, on
the model's device), from the weak, strong or labeled clip alike, so it
keeps that clip's augmentation and costs no decode: one vectorised
subtraction, no loop over frames.
"""
import torch


def temporal_gradient(clips: torch.Tensor) -> torch.Tensor:
    """``x[t + 1] - x[t]`` along time: ``T`` frames become ``T - 1``.

    Args:
        clips (Tensor): Normalised clips ``(..., C, T, H, W)`` (mmaction2's
            ``NCTHW`` layout, with or without the ``num_clips`` axis).

    Returns:
        Tensor: ``(..., C, T - 1, H, W)``, in the input's dtype and memory
        layout.
    """
    if clips.dim() < 4 or clips.shape[-3] < 2:
        raise ValueError(
            'a temporal-gradient view needs clips of at least 2 frames '
            f'(..., C, T, H, W), got shape {tuple(clips.shape)}')
    return clips[..., 1:, :, :] - clips[..., :-1, :, :]
