"""cmpl_mm: semi-supervised action recognition on MMAction2 / MMEngine.

Importing the package applies the compatibility layer
(:mod:`cmpl_mm.utils.compat`) and registers every component into
``mmaction.registry``.
"""
from .utils import apply_compat

apply_compat()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
