"""Load checkpoints with torch's safe (weights-only) unpickler.

torch >= 2.6 defaults ``torch.load`` to ``weights_only=True`` and mmengine
0.10.7 does not pass the flag. :func:`allow_mmengine_checkpoint_globals`
allowlists exactly the non-tensor types a Runner checkpoint holds, and
:func:`register_safe_local_loader` replaces mmengine's local-file loader by
one that keeps safe loading on and explains a refusal.
"""
import os.path as osp
import pickle
import re

import numpy as np
import torch

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmengine=('0.10.0', '0.11.0'), torch=('2.1.0', '2.14.0'))


def mmengine_checkpoint_globals() -> list:
    """The non-tensor globals an mmengine Runner checkpoint pickles.

    Runner checkpoints hold numpy arrays and scalars in ``message_hub``
    (``HistoryBuffer`` with bound statistics methods, hence ``getattr``) and
    plain Python containers elsewhere.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    core = getattr(np, '_core', None) or np.core
    allowed = [
        core.multiarray._reconstruct, core.multiarray.scalar, np.ndarray,
        np.dtype, HistoryBuffer, getattr
    ]
    # concrete dtype classes such as numpy.dtypes.Float64DType
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType') and isinstance(
                getattr(dtypes, name), type)
        ]
    return allowed


def allow_mmengine_checkpoint_globals() -> None:
    """Add :func:`mmengine_checkpoint_globals` to torch's safe globals."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(mmengine_checkpoint_globals())


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object outside the safe allowlist."""


# What torch's weights-only unpickler says when it refuses an object, oldest
# wording (torch 2.0-2.3, RuntimeError text wrapped in UnpicklingError)
# and newest (torch >= 2.4, up to 2.13 here); group 1 is the object
_REFUSAL_PATTERNS = (
    r'Unsupported global: GLOBAL (\S+?) was not an allowed global',
    r'Trying to load unsupported GLOBAL (\S+) whose module',
    r'Unsupported class (\S+)',
    r'Trying to call reduce for unrecognized function (.+?)'
    r'(?: which belongs to .*)?$',
    r'Trying to instantiate unsupported class (.+)$',
    r'(?:Can only build|Can only create new object)[^\n]* but got (.+)$',
    r'(Unsupported operand \S+)',
)


def refused_object(message: str) -> str:
    """Name the object a weights-only ``torch.load`` refused.

    Args:
        message (str): ``str()`` of the ``UnpicklingError`` torch raised.

    Returns:
        str: The refused global / class / function (e.g.
        ``'__main__.Foo'``), the pickle opcode, or, for a wording not known
        here, the unpickler's own sentence (never torch's advice about
        ``weights_only``).
    """
    marker = 'WeightsUnpickler error:'
    detail = message.split(marker, 1)[1] if marker in message else message
    for line in detail.strip().splitlines():
        line = line.strip()
        for pattern in _REFUSAL_PATTERNS:
            found = re.search(pattern, line)
            if found:
                return found.group(1).strip().rstrip('.')
    lines = [line.strip() for line in detail.strip().splitlines()
             if line.strip()]
    return lines[0] if lines else message.strip()


def safe_torch_load(filename, map_location=None):
    """``torch.load`` with ``weights_only=True`` and an explanatory error.

    Args:
        filename (str): Path of a local checkpoint file.
        map_location (str | torch.device, optional): As for ``torch.load``.

    Returns:
        dict: The loaded checkpoint.
    """
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        culprit = refused_object(str(err))
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename!r}: it contains a pickled '
            f'object outside the safe-loading allowlist: {culprit} (allowed: '
            'tensors, numpy arrays and the types an mmengine Runner '
            'checkpoint holds). If you trust this file, convert it once '
            'with `python tools/convert_checkpoint.py IN OUT`, which keeps '
            'only the weights (state_dict) and the meta data.') from err


def register_safe_local_loader() -> None:
    """Make mmengine load local checkpoint files with :func:`safe_torch_load`.

    Covers ``--resume``, ``load_from`` and ``tools/test.py`` checkpoints.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    warn_if_untested(
        'safe checkpoint loading', TESTED_WITH,
        'that mmengine.runner.checkpoint.CheckpointLoader.register_scheme '
        "still takes the local-file loader (prefix '') and that a Runner "
        'checkpoint still loads (tests/test_safe_load_from.py).')

    def load_from_local_safely(filename, map_location):
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        return safe_torch_load(filename, map_location)

    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)
