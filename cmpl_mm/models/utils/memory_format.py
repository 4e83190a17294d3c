"""The ``channels_last_3d`` memory format for video networks and clips.

cuDNN runs 3D convolutions in NDHWC layout (channels last) faster than in
NCDHW, above all under mixed precision, where the tensor cores want the
channels innermost; in NCDHW it transposes around every convolution. A
convolution takes the channels-last path when its weight or its input is
in that layout, and then returns its output in it too, so converting the
parameters once and the clips once per batch keeps the whole network in
it. Shapes do not change, only strides; results are the same up to
floating-point summation order.
"""
import torch
import torch.nn as nn

__all__ = [
    'to_channels_last_3d', 'is_channels_last_3d',
    'network_to_channels_last_3d', 'channels_last_3d_wanted'
]

CHANNELS_LAST_3D_SETTINGS = (False, True, 'always')


def channels_last_3d_wanted(setting, device) -> bool:
    """Whether a ``channels_last_3d`` setting applies on ``device``.

    Channels last is the layout cuDNN's fast 3D convolutions use. On the
    CPU (oneDNN) its effect depends on the network and was not settled on
    the shared 2-core machine here (README, "GPU speed"), so ``True``
    leaves CPU tensors alone and ``'always'`` converts them too.

    Args:
        setting (bool | str): ``False`` (never), ``True`` (on CUDA
            devices) or ``'always'``.
        device (torch.device | str): Where the tensors are.

    Returns:
        bool: Whether to convert.
    """
    if setting not in CHANNELS_LAST_3D_SETTINGS:
        raise ValueError('channels_last_3d must be False, True (CUDA '
                         f"devices only) or 'always', got {setting!r}")
    if setting == 'always':
        return True
    return bool(setting) and torch.device(device).type == 'cuda'


def to_channels_last_3d(x: torch.Tensor) -> torch.Tensor:
    """A clip batch in ``channels_last_3d`` layout, same shape and values.

    Args:
        x (torch.Tensor): ``(N, C, T, H, W)``, or mmaction2's
            ``(N, num_clips, C, T, H, W)``; the latter is laid out so that
            ``Recognizer3D``'s ``view(-1, C, T, H, W)`` gives a
            ``channels_last_3d`` tensor. Other ranks are returned unchanged.

    Returns:
        torch.Tensor: ``x`` itself when it already has that layout, else a
        copy.
    """
    if x.dim() == 5:
        return x.contiguous(memory_format=torch.channels_last_3d)
    if x.dim() == 6:
        flat = x.flatten(0, 1).contiguous(
            memory_format=torch.channels_last_3d)
        return flat.view(x.shape)
    return x


def is_channels_last_3d(x: torch.Tensor) -> bool:
    """Whether a 5-D or 6-D clip batch is laid out as by
    :func:`to_channels_last_3d`.

    Args:
        x (torch.Tensor): A 5-D or 6-D tensor.

    Returns:
        bool: False for other ranks.
    """
    if x.dim() == 6:
        x = x.flatten(0, 1)
    return x.dim() == 5 and x.is_contiguous(
        memory_format=torch.channels_last_3d)


def network_to_channels_last_3d(module: nn.Module) -> int:
    """Lay out every 5-D parameter and buffer of ``module`` channels last.

    Only 5-D tensors (``Conv3d`` weights) change; ``nn.Module.to(
    memory_format=torch.channels_last_3d)`` would fail on the 4-D ones of
    a 2D head or stem. The parameter objects stay the same (only their
    ``data`` is replaced), so an optimizer already built over them keeps
    working; gradients and momentum buffers take the parameters' layout.
    ``module.to(device)``, ``load_state_dict`` and checkpoints keep the
    layout (a checkpoint saved from a converted network loads into an
    unconverted one and vice versa).

    Args:
        module (nn.Module): The network, e.g. a ``Recognizer3D``.

    Returns:
        int: How many tensors were converted.
    """
    converted = 0
    for tensor in list(module.parameters()) + list(module.buffers()):
        if tensor.dim() == 5 and not tensor.is_contiguous(
                memory_format=torch.channels_last_3d):
            with torch.no_grad():
                tensor.data = tensor.data.contiguous(
                    memory_format=torch.channels_last_3d)
            converted += 1
    return converted
