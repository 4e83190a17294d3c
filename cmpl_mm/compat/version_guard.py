"""Warn once when a patch of the stack meets versions it was not tested on.

Every module of :mod:`cmpl_mm.compat` changes or relies on something of a
dependency that is not a public, stable API. Each one states the versions it
was written and tested for (``TESTED_WITH``) and calls :func:`warn_if_untested`
before it acts: outside those versions the patch still runs, and
:class:`UntestedStackWarning` says once per patch and process what to check.
"""
import importlib.metadata
import warnings
from typing import Dict, Optional, Tuple

from mmengine.utils import digit_version

# ``{distribution: (lowest tested, first untested)}``; the upper bound is
# exclusive, so ``('0.10.0', '0.11.0')`` means every 0.10.x release
VersionRanges = Dict[str, Tuple[str, str]]

_warned = set()


class UntestedStackWarning(UserWarning):
    """A patch of :mod:`cmpl_mm.compat` runs on versions it was not tested
    with."""


def installed_version(distribution: str) -> Optional[str]:
    """The installed version of a distribution (e.g. ``'mmengine'``), or
    None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def untested_versions(tested_with: VersionRanges) -> Dict[str, str]:
    """``{distribution: installed version}`` for each installed distribution
    outside its tested range.

    Args:
        tested_with (dict): ``{distribution: (lowest, first untested)}``.
    """
    untested = {}
    for name, (low, high) in tested_with.items():
        version = installed_version(name)
        if version is None:
            continue
        # local tags such as torch's '+cpu' are not part of the release
        release = digit_version(version.split('+')[0])
        if not digit_version(low) <= release < digit_version(high):
            untested[name] = version
    return untested


def warn_if_untested(patch: str, tested_with: VersionRanges,
                     check: str) -> bool:
    """Warn once per ``patch`` when installed versions are outside
    ``tested_with``.

    Args:
        patch (str): The patch's name, as the warning shows it.
        tested_with (dict): ``{distribution: (lowest, first untested)}``.
        check (str): What to verify by hand on the untested versions.

    Returns:
        bool: True when a warning was issued now.
    """
    if patch in _warned:
        return False
    untested = untested_versions(tested_with)
    if not untested:
        return False
    _warned.add(patch)
    found = ', '.join(f'{name} {version}'
                      for name, version in sorted(untested.items()))
    tested = ', '.join(f'{name}>={low},<{high}'
                       for name, (low, high) in sorted(tested_with.items()))
    warnings.warn(
        f'cmpl_mm.compat: the patch "{patch}" was tested with {tested}, '
        f'and this environment has {found}. It is applied anyway; check '
        f'{check}', UntestedStackWarning, stacklevel=3)
    return True
