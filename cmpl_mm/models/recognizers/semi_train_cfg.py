"""The ``semi_train_cfg`` schema of the recognizers, and the error a bad
config raises.

:class:`~cmpl_mm.models.recognizers.SemiBaseRecognizer` validates its
``semi_train_cfg`` with :func:`validate_semi_train_cfg` when it is built;
``cmpl_mm.config_check.check_config`` runs the same checks on a whole
training config before anything is built. The keys an algorithm accepts
come from one place, its ``semi_train_cfg_keys()`` (the keys of its
``default_semi_train_cfg``).
"""
import difflib
import math
import numbers
from typing import Iterable, List, Optional, Sequence

#: keys that may be a dict keyed by the network that is taught
PER_NETWORK_KEYS = ('threshold', 'unsup_weight')
#: keys that may follow a weight schedule (``dict(type=..., ...)``)
SCHEDULED_KEYS = ('unsup_weight', )
STUDENT_VIEWS = ('strong', 'weak')
NONFINITE_MODES = ('raise', 'skip')
UNLABELED_FORWARD_MODES = ('joint', 'separate')


class ConfigError(ValueError):
    """A training config that cannot work; the message names the keys."""

    def __init__(self, problems: Sequence[str]) -> None:
        problems = [problems] if isinstance(problems, str) else list(problems)
        self.problems = problems
        if len(problems) == 1:
            message = f'invalid config: {problems[0]}'
        else:
            message = 'invalid config:\n' + '\n'.join(
                f'  - {p}' for p in problems)
        super().__init__(message)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(
        value, bool)


def _per_network(key: str, value, prefix: str, required: Iterable[str]):
    """``([(key path, value)], [problem])`` of a scalar or per-network
    setting."""
    if not isinstance(value, dict) or 'type' in value:
        return [(f'{prefix}{key}', value)], []
    problems = []
    required = list(required)
    unknown = sorted(set(value) - set(required)) if required else []
    if unknown:
        problems.append(f'{prefix}{key}: unknown network key(s) {unknown}; '
                        f'a per-network {key} is keyed by the networks this '
                        f'algorithm teaches, {required}')
    missing = [n for n in required if n not in value]
    if missing:
        problems.append(f'{prefix}{key}: lacks the network(s) {missing} '
                        'that this algorithm teaches with pseudo-labels')
    entries = [(f'{prefix}{key}.{n}', v) for n, v in value.items()
               if not required or n in required]
    return entries, problems


def semi_train_cfg_problems(cfg: Optional[dict],
                            students: Iterable[str],
                            prefix: str,
                            keys: Sequence[str]) -> List[str]:
    """Every problem of a ``semi_train_cfg``, as ``'key: problem'`` lines.

    Args:
        cfg (dict, optional): The (partial) ``semi_train_cfg``.
        students (Iterable[str]): Networks taught by pseudo-labels; a
            per-network ``threshold`` / ``unsup_weight`` must cover them.
        prefix (str): Key path printed before each key.
        keys (Sequence[str]): The keys the algorithm accepts.
    """
    if cfg is None:
        return []
    if not isinstance(cfg, dict):
        return [f'{prefix.rstrip(".")}: must be a dict, got '
                f'{type(cfg).__name__}']
    problems = []
    for key in sorted(set(cfg) - set(keys)):
        close = difflib.get_close_matches(key, keys, n=1)
        hint = f' (did you mean {close[0]!r}?)' if close else ''
        problems.append(f'{prefix}{key}: unknown key{hint}; valid keys are '
                        f'{list(keys)}')
    students = list(students)

    def check(key, valid, requirement):
        if key not in cfg:
            return
        if key in PER_NETWORK_KEYS:
            entries, found = _per_network(key, cfg[key], prefix, students)
            problems.extend(found)
        else:
            entries = [(f'{prefix}{key}', cfg[key])]
        for path, value in entries:
            if isinstance(value, dict) and 'type' in value:
                problems.extend(_schedule_problems(key, path, value))
            elif not valid(value):
                problems.append(f'{path}={value!r}: {requirement}')

    def non_negative(value):
        return _is_number(value) and math.isfinite(value) and value >= 0

    check('threshold', lambda v: _is_number(v) and 0.0 <= v <= 1.0,
          'must be a number in [0, 1] (the confidence a pseudo-label '
          'needs)')
    check('sup_weight', non_negative, 'must be a finite number >= 0')
    check('unsup_weight', non_negative, 'must be a finite number >= 0')
    check('warmup_iters', lambda v: _is_int(v) and v >= 0,
          'must be an integer >= 0')
    check('unlabeled_forward', lambda v: isinstance(v, str) and v in
          UNLABELED_FORWARD_MODES,
          f'must be one of {list(UNLABELED_FORWARD_MODES)}')
    check('concurrent_networks', lambda v: isinstance(v, bool),
          'must be True or False')
    check('nonfinite_loss', lambda v: isinstance(v, str) and v in
          NONFINITE_MODES, f'must be one of {list(NONFINITE_MODES)}')
    check('student_view', lambda v: isinstance(v, str) and v in
          STUDENT_VIEWS, f'must be one of {list(STUDENT_VIEWS)}')
    return problems


def _schedule_problems(key: str, path: str, cfg: dict) -> List[str]:
    """A weight schedule where ``key`` takes one, built to check it."""
    from ..pseudo_label.schedules import build_weight_schedule
    if key not in SCHEDULED_KEYS:
        return [f'{path}={cfg!r}: {key} takes a number, not a schedule '
                f'(schedules are for {list(SCHEDULED_KEYS)})']
    try:
        build_weight_schedule(cfg)
    except ValueError as err:
        return [f'{path}: {err}']
    return []


def validate_semi_train_cfg(cfg: Optional[dict],
                            students: Iterable[str],
                            prefix: str,
                            keys: Sequence[str]) -> None:
    """Raise :class:`ConfigError` listing every problem of ``cfg``."""
    problems = semi_train_cfg_problems(cfg, students, prefix, keys)
    if problems:
        raise ConfigError(problems)
