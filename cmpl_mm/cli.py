"""Shared command-line behaviour of ``tools/train.py``, ``tools/test.py``
and ``tools/run_demo.py``: errors a user can act on as one line each, the
console kept to what matters, and a way back to full tracebacks.

Set ``CMPL_MM_TRACEBACK=1`` (or pass ``--traceback``) to get the Python
traceback of these errors instead of the one-line message.
"""
import os
import sys
from contextlib import contextmanager
from typing import Iterator, Tuple, Type

TRACEBACK_ENV = 'CMPL_MM_TRACEBACK'


def user_error_types() -> Tuple[Type[BaseException], ...]:
    """Errors caused by the user's data, config or checkpoint (not bugs)."""
    from .datasets.data_check import DataPathError
    from .datasets.semi_split import SplitError
    from .compat import UnsafeCheckpointError
    from .config_check import ConfigError
    return (DataPathError, ConfigError, SplitError, UnsafeCheckpointError)


def tracebacks_wanted(flag: bool = False) -> bool:
    """Whether ``--traceback`` was given or ``CMPL_MM_TRACEBACK`` is set
    (to anything but ``''``/``0``)."""
    return flag or os.environ.get(TRACEBACK_ENV, '') not in ('', '0')


def format_user_error(prog: str, err: BaseException) -> str:
    """``prog: error: ...`` lines, one per problem, plus the traceback hint.

    Args:
        prog (str): Tool name, e.g. ``'train.py'``.
        err (BaseException): The error.

    Returns:
        str: The text to print on stderr.
    """
    problems = getattr(err, 'problems', None) or str(err).splitlines() or [
        type(err).__name__
    ]
    lines = [f'{prog}: error: {line}' for line in problems]
    lines.append(f'({prog}: set {TRACEBACK_ENV}=1 or pass --traceback for '
                 'the Python traceback)')
    return '\n'.join(lines)


def load_config(path: str):
    """``mmengine.Config.fromfile(path)``; a path that is not a file is a
    :class:`~cmpl_mm.config_check.ConfigError` naming it (and the closest
    config of the folder it names), not a traceback.

    Args:
        path (str): The config file given on the command line.
    """
    import difflib
    import glob
    import os.path as osp

    from mmengine.config import Config

    from .config_check import ConfigError
    if not osp.isfile(path):
        folder = osp.dirname(path) or '.'
        names = [osp.basename(p) for p in glob.glob(osp.join(folder, '*.py'))]
        close = difflib.get_close_matches(osp.basename(path), names, n=1)
        hint = (f' (did you mean {osp.join(folder, close[0])!r}?)'
                if close else '')
        raise ConfigError(f'config {path!r}: file not found{hint}')
    return Config.fromfile(path)


@contextmanager
def user_errors(prog: str, traceback: bool = False) -> Iterator[None]:
    """Turn a user error raised inside the block into one line per problem
    on stderr and exit status 2; other exceptions pass unchanged.

    Args:
        prog (str): Tool name for the message.
        traceback (bool): Re-raise instead (``--traceback``); the
            ``CMPL_MM_TRACEBACK`` environment variable does the same.
    """
    try:
        yield
    except user_error_types() as err:
        if tracebacks_wanted(traceback):
            raise
        print(format_user_error(prog, err), file=sys.stderr)
        raise SystemExit(2) from None
