"""Keep mmaction2 importable next to a transformers it cannot use.

``mmaction2==1.2.0`` imports its VindLU models (``models/multimodal``)
whenever ``transformers`` is installed, and they import
``apply_chunking_to_forward`` from ``transformers.modeling_utils``, which
newer transformers releases (5.x) no longer export: ``import mmaction.models``
then fails in any environment that also has such a transformers.
:func:`skip_incompatible_multimodal` makes mmaction2 register its VindLU
placeholders instead (as it does without transformers), only when that name
is absent from the installed ``modeling_utils.py``.
"""
import importlib.util
import os.path as osp
import sys

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmaction2=('1.2.0', '1.3.0'))


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
    warn_if_untested(
        'VindLU / transformers guard', TESTED_WITH,
        'whether mmaction.utils.dependency.WITH_MULTIMODAL still decides '
        'whether mmaction2 imports its VindLU models.')
    dependency.WITH_MULTIMODAL = False
    return True
