"""Compatibility fixes for the dependency stack, applied on ``import cmpl_mm``.

Each fix is narrow and only acts where the installed stack needs it:

* ``mmaction2==1.2.0`` wheels ship without ``mmaction/models/localizers/drn``
  although ``mmaction/models/localizers/__init__.py`` imports it, so
  ``import mmaction.models`` fails. :func:`provide_missing_drn` installs a
  placeholder module (whose ``DRN`` raises a clear error when built) only
  when that package directory is absent; a complete install is left alone.
* torch >= 2.6 defaults ``torch.load`` to ``weights_only=True`` and mmengine
  0.10.7 does not pass the flag. :func:`allow_mmengine_checkpoint_globals`
  allowlists exactly the non-tensor types a Runner checkpoint holds, and
  :func:`register_safe_local_loader` replaces mmengine's local-file loader by
  one that keeps safe loading on and explains a refusal.
* ``mmaction2==1.2.0`` imports its VindLU models (``models/multimodal``)
  whenever ``transformers`` is installed, and they import
  ``apply_chunking_to_forward`` from ``transformers.modeling_utils``, which
  newer transformers releases (5.x) no longer export: ``import
  mmaction.models`` then fails in any environment that also has such a
  transformers. :func:`skip_incompatible_multimodal` makes mmaction2 register
  its VindLU placeholders instead (as it does without transformers), only
  when that name is absent from the installed ``modeling_utils.py``.
* ``mmaction2==1.2.0``'s ``BaseHead.loss_by_feat`` computes its top-k
  accuracy through ``cls_scores.cpu().numpy()``, which fails on the
  bfloat16 scores of ``AmpOptimWrapper(dtype='bfloat16')`` (numpy has no
  bfloat16). :func:`upcast_bfloat16_head_scores` hands it float32 scores
  in that case only (the loss is computed in float32 under autocast anyway).
"""
import importlib.util
import os.path as osp
import pickle
import re
import sys
import types

import numpy as np
import torch

_DRN_MODULES = ('mmaction.models.localizers.drn',
                'mmaction.models.localizers.drn.drn')


def _mmaction_dir():
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        return None
    return osp.dirname(spec.origin)


def drn_is_missing() -> bool:
    """Whether the installed mmaction2 lacks ``models/localizers/drn``."""
    root = _mmaction_dir()
    if root is None:
        return False
    return not osp.isdir(osp.join(root, 'models', 'localizers', 'drn'))


class _MissingDRN:
    """Stand-in for mmaction2's DRN localizer, absent from this wheel."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            'DRN is not available: the installed mmaction2 wheel lacks '
            'mmaction/models/localizers/drn. Install mmaction2 from source '
            'to use it.')


def provide_missing_drn() -> bool:
    """Install a placeholder ``drn`` package if mmaction2's is missing.

    Returns:
        bool: True when the placeholder was installed.
    """
    if not drn_is_missing() or _DRN_MODULES[0] in sys.modules:
        return False
    package = types.ModuleType(_DRN_MODULES[0])
    package.__path__ = []  # mark it as a package
    package.__doc__ = 'Placeholder installed by cmpl_mm.utils.compat.'
    module = types.ModuleType(_DRN_MODULES[1])
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_DRN_MODULES[0]] = package
    sys.modules[_DRN_MODULES[1]] = module
    return True


def multimodal_is_incompatible() -> bool:
    """Whether mmaction2's VindLU models would fail to import against the
    installed ``transformers`` (read from its source, without importing it,
    which takes seconds)."""
    spec = importlib.util.find_spec('transformers')
    if spec is None or spec.origin is None:
        return False
    source = osp.join(osp.dirname(spec.origin), 'modeling_utils.py')
    try:
        with open(source, encoding='utf-8') as f:
            return 'apply_chunking_to_forward' not in f.read()
    except OSError:
        return False


def skip_incompatible_multimodal() -> bool:
    """Have mmaction2 register placeholders for its VindLU models when the
    installed ``transformers`` cannot import them.

    Acts only before ``mmaction.models`` is imported.

    Returns:
        bool: True when mmaction2's multimodal flag was turned off.
    """
    if 'mmaction.models.multimodal' in sys.modules:
        return False
    from mmaction.utils import dependency
    if not dependency.WITH_MULTIMODAL or not multimodal_is_incompatible():
        return False
    dependency.WITH_MULTIMODAL = False
    return True


def upcast_bfloat16_head_scores() -> bool:
    """Let mmaction2's classification heads take bfloat16 scores.

    Returns:
        bool: True when ``BaseHead.loss_by_feat`` was wrapped now.
    """
    from mmaction.models.heads.base import BaseHead
    original = BaseHead.loss_by_feat
    if getattr(original, '_cmpl_mm_upcasts_bfloat16', False):
        return False

    def loss_by_feat(self, cls_scores, data_samples):
        if cls_scores.dtype == torch.bfloat16:
            cls_scores = cls_scores.float()
        return original(self, cls_scores, data_samples)

    loss_by_feat._cmpl_mm_upcasts_bfloat16 = True
    loss_by_feat.__doc__ = original.__doc__
    BaseHead.loss_by_feat = loss_by_feat
    return True


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

    def load_from_local_safely(filename, map_location):
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} can not be found.')
        return safe_torch_load(filename, map_location)

    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safely, force=True)


def apply_all() -> None:
    """Apply every compatibility fix (idempotent), then the crash-safe
    checkpoint writing of :mod:`cmpl_mm.utils.crash_safe`."""
    from .crash_safe import apply_crash_safety
    provide_missing_drn()
    skip_incompatible_multimodal()
    upcast_bfloat16_head_scores()
    allow_mmengine_checkpoint_globals()
    register_safe_local_loader()
    apply_crash_safety()
