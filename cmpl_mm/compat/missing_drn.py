"""A placeholder for mmaction2's DRN localizer, missing from its wheel.

``mmaction2==1.2.0`` wheels ship without ``mmaction/models/localizers/drn``
although ``mmaction/models/localizers/__init__.py`` imports it, so ``import
mmaction.models`` fails. :func:`provide_missing_drn` installs a placeholder
module (whose ``DRN`` raises a clear error when built) only when that package
directory is absent; a complete install is left alone.
"""
import importlib.util
import os.path as osp
import sys
import types

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmaction2=('1.2.0', '1.3.0'))

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
    warn_if_untested(
        'missing drn placeholder', TESTED_WITH,
        'whether this mmaction2 wheel still lacks '
        'mmaction/models/localizers/drn and still imports it.')
    package = types.ModuleType(_DRN_MODULES[0])
    package.__path__ = []  # mark it as a package
    package.__doc__ = 'Placeholder installed by cmpl_mm.compat.missing_drn.'
    module = types.ModuleType(_DRN_MODULES[1])
    module.DRN = _MissingDRN
    package.drn = module
    sys.modules[_DRN_MODULES[0]] = package
    sys.modules[_DRN_MODULES[1]] = module
    return True
