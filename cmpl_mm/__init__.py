"""cmpl_mm: semi-supervised action recognition on MMAction2 / MMEngine.

Importing the package applies the compatibility layer
(:mod:`cmpl_mm.compat`), silences mmcv-lite's warning about its
missing ``MultiScaleDeformableAttention`` op, and registers every component
into ``mmaction.registry``.
"""
import warnings

# mmcv-lite has no compiled ops; mmcv warns about one of them on every
# import although no cmpl_mm or mmaction2 recognizer uses it
warnings.filterwarnings(
    'ignore',
    message=r'Fail to import ``MultiScaleDeformableAttention``',
    category=UserWarning)

from .compat import apply_all as apply_compat  # noqa: E402

apply_compat()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__']
