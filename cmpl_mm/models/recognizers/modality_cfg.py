"""Which modality each network of a model config sees, and whether its
backbone takes that many input channels, checked before anything is built.
"""
import inspect
from typing import Dict, List, Optional, Tuple


def modality_of(value, network: str) -> str:
    """The modality ``network`` sees under ``semi_train_cfg.modality`` =
    ``value`` (one modality, or a dict of them by network; ``'rgb'`` for a
    network the dict leaves out)."""
    return value.get(network, 'rgb') if isinstance(value, dict) else value


def backbone_in_channels(backbone) -> Optional[int]:
    """A backbone's input channels: ``in_channels`` of its config, else the
    default of its registered class's ``__init__``; None when unknown (no
    such argument, an unregistered type).

    Args:
        backbone (dict | nn.Module): A backbone config, or a built one
            (its ``in_channels`` attribute).
    """
    if not isinstance(backbone, dict):
        value = getattr(backbone, 'in_channels', None)
        return value if isinstance(value, int) else None
    if 'in_channels' in backbone:
        return backbone['in_channels']
    from mmaction.registry import MODELS
    kind = backbone.get('type')
    try:
        cls = MODELS.get(kind) if isinstance(kind, str) else kind
    except Exception:  # a scope that does not exist, a broken import
        cls = None
    if not isinstance(cls, type):
        return None
    param = inspect.signature(cls.__init__).parameters.get('in_channels')
    if param is None or param.default is inspect.Parameter.empty:
        return None
    return param.default


def in_channels_problems(backbones: Dict[str, object],
                         wanted: Dict[str, Tuple[Optional[int], str]],
                         prefix: str) -> List[str]:
    """A network whose backbone does not take the channels of what it sees
    (a flow network needs ``in_channels=2``).

    Args:
        backbones (dict): Network -> its backbone (config or module).
        wanted (dict): Network -> ``(channels it is fed, why)``, ``why``
            naming the setting (``"it sees 'flow'
            (semi_train_cfg.modality)"``).
        prefix (str): Key path of the networks (``'model.'`` or ``''``).
    """
    problems = []
    for network, backbone in backbones.items():
        have = backbone_in_channels(backbone)
        want, why = wanted.get(network, (None, ''))
        if want is None or have is None or have == want:
            continue
        problems.append(
            f'{prefix}{network}.backbone.in_channels={have!r}: {network} '
            f'{why}, {want} channels; set in_channels={want}')
    return problems

