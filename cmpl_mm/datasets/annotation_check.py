"""Checked reading of annotation lists, at dataset build time.

A list with a problem must stop the run before training starts, with a
message that names the file and the 1-based line, instead of failing hours
later (or silently training on a wrong label). :func:`read_annotation_list`
reads an MMAction2 list with the line reader of
:mod:`cmpl_mm.datasets.list_files` (UTF-8, BOM and CRLF tolerated, blank
lines skipped, ``file, line N`` messages) and checks every line:

* the file exists (:class:`FileNotFoundError` naming it) and has at least one
  entry;
* the column count (``path label``, ``path`` alone where labels are optional,
  ``frame_dir total_frames label`` for rawframes, several labels for
  multi-class lists) and the same layout on every line;
* integer columns and labels are integers, labels are ``>= 0`` and, when
  ``num_classes`` is known, ``< num_classes``;
* a path listed twice gives a warning naming both lines (both are kept).

Errors are :class:`AnnotationError`, a :class:`~.semi_split.SplitError`
(hence a ``ValueError``). :func:`check_no_overlap` checks that a labeled and
an unlabeled dataset share no video.
"""
import logging
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mmengine.logging import print_log

from . import list_files
from .dataset_wrappers import source_config
from .semi_split import SplitError

__all__ = [
    'AnnotationError', 'AnnotationEntry', 'read_annotation_list',
    'check_no_overlap', 'ANN_LINENO_KEY'
]

# data_list key holding an entry's 1-based line in its list file
ANN_LINENO_KEY = 'ann_lineno'
# duplicates reported one by one; the rest are summarised
MAX_DUPLICATE_WARNINGS = 10


class AnnotationError(SplitError):
    """A malformed annotation list (message names the file and line)."""


@dataclass(frozen=True)
class AnnotationEntry:
    """One line of an annotation list.

    Args:
        path: Video path or rawframe folder, as written in the list.
        ints: The integer columns between the path and the labels (e.g.
            ``(total_frames,)`` of a rawframe list; empty for videos).
        labels: The labels (empty when the line has none).
        lineno: 1-based line number.
    """

    path: str
    ints: Tuple[int, ...]
    labels: Tuple[int, ...]
    lineno: int


def _layout(names: Tuple[str, ...], label_optional: bool,
            multi_label: bool) -> str:
    cols = ['path'] + [name.replace(' ', '') for name in names]
    labeled = ' '.join(cols + ['label [label ...]' if multi_label else
                               'label'])
    if label_optional:
        return f'"{" ".join(cols)}" or "{labeled}"'
    return f'"{labeled}"'


def read_annotation_list(ann_file: str,
                         num_ints: int = 0,
                         label_optional: bool = False,
                         multi_label: bool = False,
                         num_classes: Optional[int] = None,
                         int_names: Tuple[str, ...] = (),
                         warn_duplicates: bool = True
                         ) -> List[AnnotationEntry]:
    """Read and check a whitespace-separated annotation list.

    Args:
        ann_file: The list file.
        num_ints: Integer columns after the path (0 for videos, 1 for
            ``total_frames`` of rawframes, 2 with an offset).
        label_optional: Accept lines without a label (unlabeled lists). A
            file must then use one layout throughout.
        multi_label: Accept several labels per line (multi-class lists).
        num_classes: If given, labels must be ``< num_classes``.
        int_names: Names of the integer columns, for messages.
        warn_duplicates: Log a warning per duplicate path (the pre-run
            check reads the list without them; the dataset warns).

    Returns:
        list[AnnotationEntry]: The entries in file order (duplicates kept).

    Raises:
        FileNotFoundError: If ``ann_file`` does not exist.
        AnnotationError: On a wrong column count or layout change, a
            non-integer or out-of-range value, or an empty list.
    """
    list_files.check_exists(ann_file, 'annotation file')
    if num_classes is not None and (isinstance(num_classes, bool)
                                    or not isinstance(num_classes, int)
                                    or num_classes < 1):
        raise AnnotationError(f'{ann_file}: num_classes must be an integer '
                              f'>= 1, got {num_classes!r}')
    names = tuple(int_names) + tuple(
        f'column {i + 2}' for i in range(len(int_names), num_ints))
    layout = _layout(names, label_optional, multi_label)
    min_cols = 1 + num_ints + (0 if label_optional else 1)
    max_cols = None if multi_label else 2 + num_ints
    entries: List[AnnotationEntry] = []
    seen: Dict[str, int] = {}
    duplicates: List[Tuple[int, int, str]] = []
    first: Optional[Tuple[bool, int]] = None  # (has label, lineno)
    for lineno, fields in list_files.iter_lines(ann_file,
                                                AnnotationError):
        where = list_files.where(ann_file, lineno)
        ncols = len(fields)
        if ncols < min_cols or (max_cols is not None
                                and ncols > max_cols):
            raise AnnotationError(f'{where}: expected {layout}, got '
                                  f'{ncols} column(s)')
        has_label = ncols > 1 + num_ints
        if first is None:
            first = (has_label, lineno)
        elif has_label != first[0]:
            raise AnnotationError(
                f'{where}: {"a" if has_label else "no"} label, but line '
                f'{first[1]} has {"one" if first[0] else "none"}; all '
                'lines must have the same layout')
        ints = []
        for name, text in zip(names, fields[1:1 + num_ints]):
            value = list_files.parse_int(text, ann_file, lineno, name,
                                         AnnotationError)
            if value < 0:
                raise AnnotationError(f'{where}: negative {name} {value}')
            ints.append(value)
        labels = []
        for text in fields[1 + num_ints:]:
            label = list_files.parse_int(text, ann_file, lineno, 'label',
                                         AnnotationError)
            if label < 0:
                raise AnnotationError(f'{where}: negative label {label}')
            if num_classes is not None and label >= num_classes:
                raise AnnotationError(
                    f'{where}: label {label} out of range for '
                    f'{num_classes} classes (0-based labels 0..'
                    f'{num_classes - 1})')
            labels.append(label)
        path = fields[0]
        if path in seen:
            duplicates.append((lineno, seen[path], path))
        else:
            seen[path] = lineno
        entries.append(
            AnnotationEntry(path, tuple(ints), tuple(labels), lineno))
    if not entries:
        raise AnnotationError(f'{ann_file}: no entries (the list is empty)')
    if not warn_duplicates:
        duplicates = []
    for lineno, first_line, path in duplicates[:MAX_DUPLICATE_WARNINGS]:
        print_log(
            f'{ann_file}, line {lineno}: duplicate entry {path!r}, same path '
            f'as line {first_line}; both lines are kept',
            logger='current',
            level=logging.WARNING)
    if len(duplicates) > MAX_DUPLICATE_WARNINGS:
        print_log(
            f'{ann_file}: {len(duplicates) - MAX_DUPLICATE_WARNINGS} more '
            f'duplicate entries ({len(duplicates)} in all); all are kept',
            logger='current',
            level=logging.WARNING)
    return entries


def _entry_path(info: dict) -> Optional[str]:
    path = info.get('filename', info.get('frame_dir'))
    return osp.normpath(path) if isinstance(path, str) else None


def _find_line(ann_file: str, path: str) -> Optional[int]:
    """1-based line of ``ann_file`` whose path column ends ``path``."""
    try:
        for lineno, fields in list_files.iter_lines(ann_file, AnnotationError):
            rel = osp.normpath(fields[0])
            if path == rel or path.endswith(osp.sep + rel):
                return lineno
    except (OSError, SplitError):
        pass
    return None


def _where(dataset, info: dict, path: str) -> str:
    ann_file = getattr(dataset, 'ann_file', '?')
    lineno = info.get(ANN_LINENO_KEY)
    if lineno is None:
        lineno = _find_line(ann_file, path)
    return f'{ann_file}, line {lineno if lineno is not None else "?"}'


def check_no_overlap(labeled, unlabeled) -> None:
    """Raise if a video is in both the labeled and the unlabeled dataset.

    Paths are compared after ``data_prefix`` is applied and normalised.

    Args:
        labeled (BaseDataset): The labeled dataset (fully initialised).
        unlabeled (BaseDataset): The unlabeled dataset (fully initialised).

    Raises:
        AnnotationError: Naming the first shared video's file and line in
            both lists and the number of shared videos.
    """
    labeled_infos = {}
    for i in range(len(labeled)):
        info = labeled.get_data_info(i)
        path = _entry_path(info)
        if path is not None and path not in labeled_infos:
            labeled_infos[path] = info
    shared = []
    for i in range(len(unlabeled)):
        info = unlabeled.get_data_info(i)
        path = _entry_path(info)
        if path in labeled_infos:
            shared.append((path, info))
    if not shared:
        return
    path, info = shared[0]
    raise AnnotationError(
        f'{_where(unlabeled, info, path)}: video {path!r} of the unlabeled '
        f'list is also in the labeled list ({_where(labeled, labeled_infos[path], path)}); '  # noqa: E501
        f'{len(shared)} video(s) are in both. Remove them from the unlabeled '
        'list, or set allow_overlap=True on LabeledUnlabeledDataset if the '
        'unlabeled set is meant to include the labeled videos.')


# -- before the Runner: the labels of a config's labeled list ------------
def _label_column(dataset_type) -> Optional[int]:
    """Index of the first label column in the list file of a dataset type
    (1 for ``VideoDataset``-like, 2 for ``RawframeDataset``-like)."""
    from mmaction.datasets import RawframeDataset, VideoDataset
    from mmaction.registry import DATASETS
    cls = dataset_type
    if isinstance(dataset_type, str):
        try:
            cls = DATASETS.get(dataset_type)
        except Exception:
            cls = None
    if not isinstance(cls, type):
        return None
    if issubclass(cls, VideoDataset):
        return 1
    if issubclass(cls, RawframeDataset):
        return 2
    return None


def labeled_dataset_cfg(train_loader: dict):
    """``(key, dataset cfg)`` of the labeled training set, or None."""
    dataset = train_loader.get('dataset')
    if not isinstance(dataset, dict):
        return None
    if isinstance(dataset.get('labeled'), dict):
        return 'train_dataloader.dataset.labeled', dataset['labeled']
    if _label_column(source_config(dataset).get('type')) is not None:
        return 'train_dataloader.dataset', dataset
    return None


def label_range_problems(key: str, dataset: dict, num_key: str,
                         num_classes: int) -> List[str]:
    """Labels of a dataset config's list file outside ``[0, num_classes)``,
    before the Runner is built (one line; several bad lines summarised).

    Args:
        key (str): The dataset's config key, for the message.
        dataset (dict): The dataset config.
        num_key (str): The config key of ``num_classes``, for the message.
        num_classes (int): The head's number of classes.
    """
    dataset = source_config(dataset)
    column = _label_column(dataset.get('type'))
    path = list_files.ann_file_path(dataset)
    if column is None or path is None or '://' in path:
        return []
    if not path.endswith('.txt') and '.' in osp.basename(path):
        return []  # json / pkl annotations: left to the dataset
    if not osp.isfile(path):
        return []  # a missing list: the data-path check names it
    delimiter = dataset.get('delimiter', ' ') if column == 1 else None
    if dataset.get('with_offset'):
        column += 1
    bad, worst, lines_bad = 0, None, []
    try:
        for line_no, tokens in list_files.iter_lines(path, AnnotationError,
                                                     delimiter):
            labels = tokens[column:]
            try:
                labels = [int(t) for t in labels]
            except ValueError:
                return [f'{key}.ann_file={path!r} line {line_no}: label '
                        f'{labels} is not an integer']
            if not labels:
                return [f'{key}.ann_file={path!r} line {line_no}: no label '
                        '(a labeled list needs a label on every line)']
            out = [x for x in labels if not 0 <= x < num_classes]
            if out:
                bad += 1
                worst = max(out) if worst is None else max(worst, *out)
                if len(lines_bad) < 3:
                    lines_bad.append(line_no)
    except AnnotationError as exc:  # not UTF-8, with its file and line
        return [f'{key}.ann_file: {exc}']
    if bad:
        return [f'{key}.ann_file={path!r}: {bad} line(s) (e.g. line(s) '
                f'{lines_bad}) have labels outside [0, {num_classes}), up to '
                f'{worst}, but {num_key}={num_classes}; set num_classes to '
                'the number of classes of the data (labels are 0-based)']
    return []
