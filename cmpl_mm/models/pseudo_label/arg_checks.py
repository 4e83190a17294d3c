"""Checks of the numbers a pseudo-labeling part is built with; a bad value
raises ValueError naming the argument (the config check adds the key).

A number is any real (``numbers.Real``: int, float, numpy scalars), not a
bool, so a value that passes the config schema passes here too."""
import numbers
from typing import Sequence


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def choice_arg(name: str, value, choices: Sequence[str]) -> str:
    """``value`` when it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f'{name}={value!r} must be one of {list(choices)}')
    return value


def momentum_arg(momentum) -> float:
    """``momentum`` as a float in [0, 1) (the weight of the old average)."""
    if not _is_number(momentum) or not 0.0 <= momentum < 1.0:
        raise ValueError(f'momentum={momentum!r} must be a number in '
                         '[0, 1) (the weight of the old average)')
    return float(momentum)


def probability_arg(name: str, value) -> float:
    """``value`` as a float in [0, 1] (a confidence threshold)."""
    if not _is_number(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f'{name}={value!r} must be a number in [0, 1]')
    return float(value)


def positive_arg(name: str, value, allow_zero: bool = False,
                 hint: str = '') -> float:
    """``value`` as a float > 0 (>= 0 with ``allow_zero``).

    Args:
        name (str): The argument's name, for the message.
        value: The value given.
        allow_zero (bool): Accept 0. Defaults to False.
        hint (str): What the value means, appended to the message.
    """
    ok = _is_number(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = '>= 0' if allow_zero else '> 0'
        raise ValueError(f'{name}={value!r} must be a number {bound}'
                         + (f' ({hint})' if hint else ''))
    return float(value)


def check_class_count(part: object, held: int, num_classes: int) -> None:
    """Refuse state sized for ``held`` classes when the teacher predicts
    ``num_classes`` (0 held: not sized yet)."""
    if held and held != num_classes:
        raise ValueError(f'{type(part).__name__}: its state has {held} '
                         f'classes, the teacher predicts {num_classes}')
