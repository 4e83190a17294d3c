"""Build a labeled / unlabeled split for semi-supervised video classification.

The module is pure Python (standard library only) so that it can be used
without torch or MMAction2.  It reads an annotation list, draws a
class-balanced labeled subset and writes three files into an output folder:

* ``labeled.txt``: the labeled subset, MMAction2 list format, 0-based labels;
* ``unlabeled.txt``: the unlabeled subset in the same format.  Its labels are
  kept (they are known) but must only be used for monitoring, never for
  training;
* ``split_summary.json``: what was done (source file, seed, rule, counts).

Accepted inputs
---------------
* MMAction2 video lists, one ``relative/path.mp4 label`` per line (0-based
  label), and MMAction2 rawframe lists, ``path total_frames label`` (the label
  is the last column; ``total_frames`` is kept in the output).
* UCF101's official lists when a ``classInd.txt`` is given (lines
  ``1 ApplyEyeMakeup``): ``trainlist0X.txt`` lines
  ``ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1`` (1-based label, checked
  against the class folder name) and ``testlist0X.txt`` lines with only the
  path (the label comes from the class folder name, i.e. the name of the
  directory that directly contains the video).  Labels are converted to
  0-based.

Blank lines are ignored.  Every line of a file must have the same number of
columns.

Selection rule
--------------
For each class with ``n`` videos the number of labeled videos is

* ``--ratio R`` (``0 < R <= 1``): ``max(1, round_half_up(R * n))``.  ``R * n``
  is computed exactly with :class:`decimal.Decimal` from the decimal text of
  ``R`` (``0.015 * 100`` is exactly ``1.5`` and gives ``2``); halves are
  always rounded up, never to even (Python's built-in :func:`round` would
  give ``round(2.5) == 2``).
* ``--per-class K`` (``K >= 1``): ``min(K, n)``.

The draw is deterministic for a seed on any machine and independent of the
order of the input lines and of ``PYTHONHASHSEED``: each class's entries are
sorted by path, shuffled with ``random.Random(f'{seed}-{label}')`` (a string
seed is hashed with SHA-512 by :mod:`random`, not with :func:`hash`) and the
first ``k`` are labeled.  Output files list entries sorted by (label, path).

Errors in the input raise :class:`SplitError` (a :class:`ValueError`) whose
message names the file and the 1-based line number; a missing file raises
:class:`FileNotFoundError` naming the path.
"""
from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
import posixpath
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Dict, List, Optional, Sequence, Tuple, Union

from . import list_files

__all__ = [
    'SplitError', 'VideoEntry', 'read_classind', 'read_annotations',
    'parse_ratio', 'num_labeled_for_class', 'split_entries', 'format_entry',
    'write_list', 'describe_split', 'build_semi_split'
]

LABELED_FILE = 'labeled.txt'
UNLABELED_FILE = 'unlabeled.txt'
SUMMARY_FILE = 'split_summary.json'

RatioLike = Union[float, int, str, Decimal]


class SplitError(ValueError):
    """Invalid input for the split builder (bad file content or argument)."""


@dataclass(frozen=True)
class VideoEntry:
    """One video of an annotation list.

    Args:
        path: Video (or rawframe folder) path, as written in the list.
        label: 0-based class index.
        extra: Columns between the path and the label, kept verbatim
            (``total_frames`` of a rawframe list); empty for video lists.
        lineno: 1-based line number in the source file (for messages).
    """

    path: str
    label: int
    extra: Tuple[str, ...] = ()
    lineno: int = 0


def read_classind(classind_file: str) -> List[str]:
    """Read UCF101's ``classInd.txt``.

    Args:
        classind_file: File with lines ``<1-based index> <ClassName>``; the
            indices must be exactly 1..N (in any order) and names unique.

    Returns:
        list[str]: Class names, position ``i`` holding the class with 0-based
        label ``i`` (1-based index ``i + 1``).

    Raises:
        FileNotFoundError: If the file does not exist.
        SplitError: On a malformed line, a repeated index or name, missing
            indices or an empty file.
    """
    list_files.check_exists(classind_file, 'classInd file')
    by_index: Dict[int, Tuple[str, int]] = {}
    by_name: Dict[str, int] = {}
    for lineno, fields in list_files.iter_lines(classind_file, SplitError):
        where = list_files.where(classind_file, lineno)
        if len(fields) != 2:
            raise SplitError(f'{where}: expected 2 columns '
                             f'"<index> <ClassName>", got {len(fields)}')
        index = list_files.parse_int(
                fields[0], classind_file, lineno, 'class index', SplitError)
        name = fields[1]
        if index < 1:
            raise SplitError(f'{where}: class index {index} must be >= 1 '
                             '(classInd indices are 1-based)')
        if index in by_index:
            raise SplitError(f'{where}: class index {index} already used at '
                             f'line {by_index[index][1]}')
        if name in by_name:
            raise SplitError(f'{where}: class name {name!r} already used at '
                             f'line {by_name[name]}')
        by_index[index] = (name, lineno)
        by_name[name] = lineno
    if not by_index:
        raise SplitError(f'{classind_file}: no classes found (empty file)')
    num = len(by_index)
    missing = sorted(set(range(1, num + 1)) - set(by_index))
    if missing:
        raise SplitError(f'{classind_file}: class indices must be 1..{num}; '
                         f'missing {missing[:10]}')
    return [by_index[i][0] for i in range(1, num + 1)]


def _class_folder(path: str) -> str:
    """Name of the directory that directly contains ``path``."""
    return posixpath.basename(posixpath.dirname(path.replace('\\', '/')))


def read_annotations(ann_file: str,
                     class_names: Optional[Sequence[str]] = None,
                     num_classes: Optional[int] = None) -> List[VideoEntry]:
    """Read an annotation list into entries with 0-based labels.

    Args:
        ann_file: The list file.  Without ``class_names``: an MMAction2 list,
            2 columns ``path label`` or 3 columns ``path total_frames label``,
            0-based labels.  With ``class_names``: a UCF101 official list,
            2 columns ``path label`` with 1-based labels (checked against the
            class folder name) or 1 column ``path`` (label from the class
            folder name).
        class_names: Class names from :func:`read_classind` (0-based order),
            or None for an MMAction2 list.
        num_classes: Optional number of classes; labels must then be
            ``< num_classes``.  With ``class_names`` it must equal
            ``len(class_names)`` if given.

    Returns:
        list[VideoEntry]: Entries in file order.

    Raises:
        FileNotFoundError: If ``ann_file`` does not exist.
        SplitError: On a wrong or inconsistent column count, a non-integer
            or out-of-range label, an unknown class folder, a label that
            disagrees with its folder, a duplicate path or an empty list.
    """
    list_files.check_exists(ann_file, 'annotation file')
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) \
                or num_classes < 1:
            raise SplitError(f'num_classes must be an integer >= 1, got '
                             f'{num_classes!r}')
        if class_names is not None and num_classes != len(class_names):
            raise SplitError(
                f'num_classes={num_classes} disagrees with the classInd file, '
                f'which has {len(class_names)} classes')
    if class_names is not None:
        name_to_label = {name: i for i, name in enumerate(class_names)}
        allowed = (1, 2)
        layout = '"path" or "path label" (UCF101 list, 1-based label)'
    else:
        allowed = (2, 3)
        layout = '"path label" or "path total_frames label" (0-based label)'

    entries: List[VideoEntry] = []
    seen: Dict[str, int] = {}
    first_cols: Optional[Tuple[int, int]] = None  # (ncols, lineno)
    for lineno, fields in list_files.iter_lines(ann_file, SplitError):
        where = list_files.where(ann_file, lineno)
        ncols = len(fields)
        if ncols not in allowed:
            raise SplitError(f'{where}: expected {layout}, got {ncols} '
                             f'column(s)')
        if first_cols is None:
            first_cols = (ncols, lineno)
        elif ncols != first_cols[0]:
            raise SplitError(
                f'{where}: {ncols} column(s), but line {first_cols[1]} has '
                f'{first_cols[0]}; all lines must have the same layout')
        path = fields[0]
        if path in seen:
            raise SplitError(f'{where}: duplicate path {path!r} (also at '
                             f'line {seen[path]})')

        if class_names is None:
            label = list_files.parse_int(
                fields[-1], ann_file, lineno, 'label', SplitError)
            if label < 0:
                raise SplitError(f'{where}: negative label {label}')
            if num_classes is not None and label >= num_classes:
                raise SplitError(
                    f'{where}: label {label} out of range for {num_classes} '
                    f'classes (0-based labels 0..{num_classes - 1})')
            extra = tuple(fields[1:-1])
            for value in extra:
                frames = list_files.parse_int(
                value, ann_file, lineno, 'total_frames', SplitError)
                if frames < 0:
                    raise SplitError(
                        f'{where}: negative total_frames {frames}')
        else:
            folder = _class_folder(path)
            if not folder:
                raise SplitError(f'{where}: path {path!r} has no class '
                                 'folder (expected ClassName/video.avi)')
            if folder not in name_to_label:
                raise SplitError(f'{where}: unknown class name {folder!r} '
                                 '(class folder not in the classInd file)')
            label = name_to_label[folder]
            if ncols == 2:
                given = list_files.parse_int(
                fields[1], ann_file, lineno, 'label', SplitError)
                if given < 1 or given > len(class_names):
                    raise SplitError(
                        f'{where}: label {given} out of range; UCF101 labels '
                        f'are 1-based, 1..{len(class_names)}')
                if given - 1 != label:
                    raise SplitError(
                        f'{where}: label {given} is class '
                        f'{class_names[given - 1]!r} in the classInd file, '
                        f'but the video is in folder {folder!r} (class '
                        f'{label + 1})')
            extra = ()
        seen[path] = lineno
        entries.append(VideoEntry(path, label, extra, lineno))
    if not entries:
        raise SplitError(f'{ann_file}: no entries (file is empty)')
    return entries


def parse_ratio(ratio: RatioLike) -> Decimal:
    """Validate a labeled ratio and return it as an exact decimal.

    Args:
        ratio: Fraction of each class to label, ``0 < ratio <= 1``.  Floats
            are converted through their shortest decimal text (``0.01`` ->
            ``Decimal('0.01')``), so the value the user wrote is used.

    Returns:
        Decimal: The ratio.

    Raises:
        SplitError: If it is not a number or not in (0, 1].
    """
    if isinstance(ratio, bool):
        raise SplitError(
            f'invalid ratio {ratio!r}: must be a number in (0, 1]')
    try:
        value = ratio if isinstance(ratio, Decimal) else Decimal(
            str(ratio).strip())
    except (InvalidOperation, ValueError):
        raise SplitError(
            f'invalid ratio {ratio!r}: must be a number in (0, 1]') from None
    if not value.is_finite() or not (0 < value <= 1):
        raise SplitError(f'invalid ratio {ratio!r}: must be in (0, 1]')
    return value


def _check_per_class(per_class: int) -> int:
    if isinstance(per_class, bool) or not isinstance(per_class, int) \
            or per_class < 1:
        raise SplitError(f'invalid per-class count {per_class!r}: must be an '
                         'integer >= 1')
    return per_class


def _check_mode(ratio: Optional[RatioLike],
                per_class: Optional[int]) -> Tuple[Optional[Decimal],
                                                   Optional[int]]:
    if (ratio is None) == (per_class is None):
        raise SplitError('give exactly one of ratio and per_class')
    if ratio is not None:
        return parse_ratio(ratio), None
    return None, _check_per_class(per_class)


def num_labeled_for_class(n: int,
                          ratio: Optional[RatioLike] = None,
                          per_class: Optional[int] = None) -> int:
    """Number of labeled videos for a class of ``n`` videos.

    Args:
        n: Number of videos of the class (>= 0).
        ratio: Labeled fraction in (0, 1]: gives
            ``max(1, round_half_up(ratio * n))`` computed exactly in decimal
            (e.g. 0.05 * 30 = 1.5 -> 2; 0.01 * 149 = 1.49 -> 1; any ratio on
            a non-empty class gives at least 1).
        per_class: Labeled count per class (>= 1): gives ``min(per_class, n)``.

    Returns:
        int: The count, always in ``[0, n]`` (0 only when ``n == 0``).

    Raises:
        SplitError: If both or neither of ``ratio`` and ``per_class`` are
            given, or either is invalid.
    """
    ratio_d, per_class = _check_mode(ratio, per_class)
    if n <= 0:
        return 0
    if ratio_d is not None:
        k = int((ratio_d * n).to_integral_value(rounding=ROUND_HALF_UP))
        return min(n, max(1, k))
    return min(per_class, n)


def split_entries(entries: Sequence[VideoEntry],
                  seed: int,
                  ratio: Optional[RatioLike] = None,
                  per_class: Optional[int] = None,
                  unlabeled_includes_labeled: bool = False
                  ) -> Tuple[List[VideoEntry], List[VideoEntry]]:
    """Draw a class-balanced labeled subset.

    Args:
        entries: All videos (unique paths).  Their order does not matter.
        seed: Random seed.  Each class is sorted by path and shuffled with
            ``random.Random(f'{seed}-{label}')``.
        ratio: Labeled fraction per class, see :func:`num_labeled_for_class`.
        per_class: Labeled count per class, see
            :func:`num_labeled_for_class`.
        unlabeled_includes_labeled: If True the unlabeled set is every video
            (labeled ones included); otherwise it is the complement of the
            labeled set.

    Returns:
        tuple[list[VideoEntry], list[VideoEntry]]: Labeled and unlabeled
        entries, each sorted by (label, path).
    """
    _check_mode(ratio, per_class)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SplitError(f'seed must be an integer, got {seed!r}')
    by_class: Dict[int, List[VideoEntry]] = {}
    for entry in entries:
        by_class.setdefault(entry.label, []).append(entry)
    labeled: List[VideoEntry] = []
    unlabeled: List[VideoEntry] = []
    for label in sorted(by_class):
        items = sorted(by_class[label], key=lambda e: e.path)
        k = num_labeled_for_class(len(items), ratio, per_class)
        shuffled = list(items)
        random.Random(f'{seed}-{label}').shuffle(shuffled)
        labeled.extend(shuffled[:k])
        unlabeled.extend(items if unlabeled_includes_labeled else
                         shuffled[k:])
    key = lambda e: (e.label, e.path)  # noqa: E731
    return sorted(labeled, key=key), sorted(unlabeled, key=key)


def format_entry(entry: VideoEntry) -> str:
    """MMAction2 list line (without newline) for an entry.

    Args:
        entry: The entry.

    Returns:
        str: ``path label`` or ``path total_frames label``.
    """
    return ' '.join((entry.path, *entry.extra, str(entry.label)))


def write_list(entries: Sequence[VideoEntry], file_path: str) -> None:
    """Write entries as an MMAction2 list (UTF-8, ``\\n`` line endings).

    Args:
        entries: Entries, written in the given order.
        file_path: Output file.
    """
    with open(file_path, 'w', encoding='utf-8', newline='\n') as f:
        for entry in entries:
            f.write(format_entry(entry) + '\n')


def _format_percent(ratio: Decimal) -> str:
    return format((ratio * 100).normalize(), 'f')


def describe_split(ratio: Optional[RatioLike] = None,
                   per_class: Optional[int] = None,
                   unlabeled_includes_labeled: bool = False,
                   seed: Optional[int] = None,
                   ucf101: bool = False) -> str:
    """One-line human description of a split rule.

    Args:
        ratio: Labeled fraction per class (ratio mode).
        per_class: Labeled count per class (per-class mode).
        unlabeled_includes_labeled: Whether unlabeled is every video.
        seed: Seed, appended when given.
        ucf101: Whether the input was a UCF101 official list (prefix).

    Returns:
        str: e.g. ``"UCF101-style: 1% of each class, rounded half up, min 1,
        labeled; unlabeled = the remaining videos (disjoint); seed 0"``.
    """
    ratio_d, per_class = _check_mode(ratio, per_class)
    if ratio_d is not None:
        rule = (f'{_format_percent(ratio_d)}% of each class, rounded half '
                'up, min 1, labeled')
    else:
        rule = (f'{per_class} video(s) of each class labeled (all of a class '
                f'with fewer)')
    if unlabeled_includes_labeled:
        rest = 'unlabeled = all videos (labeled ones included)'
    else:
        rest = 'unlabeled = the remaining videos (disjoint)'
    text = f'{rule}; {rest}'
    if seed is not None:
        text += f'; seed {seed}'
    prefix = 'UCF101-style' if ucf101 else 'Class-balanced'
    return f'{prefix}: {text}'


def _sha256(file_path: str) -> str:
    digest = hashlib.sha256()
    with open(file_path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def build_semi_split(ann_file: str,
                     out_dir: str,
                     seed: int,
                     ratio: Optional[RatioLike] = None,
                     per_class: Optional[int] = None,
                     classind_file: Optional[str] = None,
                     num_classes: Optional[int] = None,
                     unlabeled_includes_labeled: bool = False) -> dict:
    """Read a list, split it and write ``labeled.txt``, ``unlabeled.txt`` and
    ``split_summary.json`` into ``out_dir``.

    Args:
        ann_file: Annotation list (see :func:`read_annotations`).
        out_dir: Output folder, created if needed; existing outputs are
            overwritten.
        seed: Random seed.
        ratio: Labeled fraction per class in (0, 1]; exclusive with
            ``per_class``.
        per_class: Labeled count per class (>= 1); exclusive with ``ratio``.
        classind_file: UCF101 ``classInd.txt``; if given ``ann_file`` is read
            as a UCF101 official list (1-based labels or path only).
        num_classes: Optional number of classes (upper bound on labels).
        unlabeled_includes_labeled: Unlabeled = all videos if True.

    Returns:
        dict: The summary written to ``split_summary.json``.

    Raises:
        FileNotFoundError: If an input file is missing.
        SplitError: On invalid arguments or input content.
    """
    ratio_d, per_class = _check_mode(ratio, per_class)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SplitError(f'seed must be an integer, got {seed!r}')
    class_names = read_classind(classind_file) if classind_file else None
    entries = read_annotations(ann_file, class_names, num_classes)
    labeled, unlabeled = split_entries(entries, seed, ratio_d, per_class,
                                       unlabeled_includes_labeled)

    os.makedirs(out_dir, exist_ok=True)
    write_list(labeled, osp.join(out_dir, LABELED_FILE))
    write_list(unlabeled, osp.join(out_dir, UNLABELED_FILE))

    totals: Dict[int, int] = {}
    for entry in entries:
        totals[entry.label] = totals.get(entry.label, 0) + 1
    n_lab: Dict[int, int] = {}
    for entry in labeled:
        n_lab[entry.label] = n_lab.get(entry.label, 0) + 1
    n_unl: Dict[int, int] = {}
    for entry in unlabeled:
        n_unl[entry.label] = n_unl.get(entry.label, 0) + 1
    if class_names is not None:
        n_classes = len(class_names)
    elif num_classes is not None:
        n_classes = num_classes
    else:
        n_classes = max(totals) + 1
    per_class_counts = {}
    for label in sorted(totals):
        item = {
            'labeled': n_lab.get(label, 0),
            'unlabeled': n_unl.get(label, 0),
            'total': totals[label],
        }
        if class_names is not None:
            item = {'name': class_names[label], **item}
        per_class_counts[str(label)] = item

    summary = {
        'description': describe_split(ratio_d, per_class,
                                      unlabeled_includes_labeled, seed,
                                      ucf101=class_names is not None),
        'source': osp.abspath(ann_file),
        'source_sha256': _sha256(ann_file),
        'source_format': ('ucf101' if class_names is not None else
                          ('mmaction2_rawframes' if entries[0].extra else
                           'mmaction2_videos')),
        'classind': osp.abspath(classind_file) if classind_file else None,
        'seed': seed,
        'mode': 'ratio' if ratio_d is not None else 'per_class',
        'ratio': float(ratio_d) if ratio_d is not None else None,
        'per_class': per_class,
        'rounding': ('max(1, round_half_up(ratio * n_class)), exact decimal'
                     if ratio_d is not None else 'min(per_class, n_class)'),
        'shuffle': "sort class by path, random.Random(f'{seed}-{label}')"
                   '.shuffle, take first k',
        'unlabeled_includes_labeled': bool(unlabeled_includes_labeled),
        'num_classes': n_classes,
        'num_classes_present': len(totals),
        'empty_classes': [c for c in range(n_classes) if c not in totals],
        'totals': {
            'videos': len(entries),
            'labeled': len(labeled),
            'unlabeled': len(unlabeled),
        },
        'per_class_counts': per_class_counts,
        'files': {
            'labeled': LABELED_FILE,
            'unlabeled': UNLABELED_FILE,
        },
    }
    with open(osp.join(out_dir, SUMMARY_FILE), 'w', encoding='utf-8',
              newline='\n') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    return summary
