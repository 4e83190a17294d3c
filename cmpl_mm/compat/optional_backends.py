"""Name the project's extra when an optional visualization backend's
package is missing.

mmengine builds a ``TensorboardVisBackend`` without checking for
tensorboard; the Runner's first use then fails with two chained tracebacks
and mmengine's hint (``pip install future tensorboard``). Here a missing
package is a :class:`~cmpl_mm.config_check.ConfigError` of one line that
names the project's extra (``pip install -e ".[tensorboard]"``), which the
tools print as one line with exit status 2:

* :func:`missing_backend_problems` / :func:`check_optional_backends`: before
  the Runner is built (nothing is written);
* :func:`name_missing_extras`: every mmengine backend's ``_init_env``
  turns its ``ImportError`` into that error, whoever built the backend
  (backends without an extra of this project keep mmengine's hint, in one
  line).
"""
import importlib.util
from typing import List

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmengine=('0.10.0', '0.11.0'))

#: backend type -> (module it imports, this project's extra that installs it)
EXTRAS = {'TensorboardVisBackend': ('tensorboard', 'tensorboard')}


def install_hint(backend: str, detail: str = '') -> str:
    """The one-line problem of ``backend`` missing its package.

    Args:
        backend (str): The backend type, e.g. ``'TensorboardVisBackend'``.
        detail (str): mmengine's message, used for a backend that is not in
            :data:`EXTRAS`.
    """
    if backend in EXTRAS:
        module, extra = EXTRAS[backend]
        return (f'visualizer.vis_backends: {backend} needs the {module!r} '
                f'package, which is not installed: pip install -e '
                f'".[{extra}]" (or drop --tensorboard / the backend)')
    detail = ' '.join(str(detail).split())
    return f'visualizer.vis_backends: {backend}: {detail}'


def _backend_types(cfg) -> List[str]:
    visualizer = cfg.get('visualizer') or {}
    backends = list(visualizer.get('vis_backends') or []) if isinstance(
        visualizer, dict) else []
    return [b.get('type') for b in backends if isinstance(b, dict)]


def missing_backend_problems(cfg) -> List[str]:
    """One problem per backend of ``cfg.visualizer.vis_backends`` whose
    package (:data:`EXTRAS`) is not installed.

    Args:
        cfg (mmengine.Config | dict): The training config.
    """
    problems = []
    for backend in _backend_types(cfg):
        module = EXTRAS.get(backend, (None, ))[0]
        if module and importlib.util.find_spec(module) is None:
            problems.append(install_hint(backend))
    return problems


def check_optional_backends(cfg) -> None:
    """Raise a :class:`~cmpl_mm.config_check.ConfigError` listing
    :func:`missing_backend_problems` of ``cfg``, if any."""
    problems = missing_backend_problems(cfg)
    if problems:
        from ..config_check import ConfigError
        raise ConfigError(problems)


def name_missing_extras() -> bool:
    """Make mmengine's visualization backends raise the one-line
    ``ConfigError`` of :func:`install_hint` when their package is missing.

    Returns:
        bool: True when the backends were wrapped now.
    """
    from mmengine.visualization import vis_backend
    base = vis_backend.BaseVisBackend
    classes = [
        cls for cls in vars(vis_backend).values()
        if isinstance(cls, type) and issubclass(cls, base)
        and '_init_env' in vars(cls)
    ]
    todo = [c for c in classes
            if not getattr(c._init_env, '_cmpl_mm_names_extra', False)]
    if not todo:
        return False
    warn_if_untested(
        'optional backends', TESTED_WITH,
        'whether mmengine.visualization.vis_backend backends still import '
        'their package in _init_env(self).')
    for cls in todo:
        cls._init_env = _naming_extra(cls._init_env, cls.__name__)
    return True


def _naming_extra(original, backend: str):
    def _init_env(self):
        try:
            return original(self)
        except ImportError as exc:
            from ..config_check import ConfigError
            raise ConfigError([install_hint(backend, str(exc))]) from exc

    _init_env._cmpl_mm_names_extra = True
    _init_env.__doc__ = original.__doc__
    return _init_env
