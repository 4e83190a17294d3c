"""Reading MMAction2 list files: one parser for every tool that reads them.

The split builder (:mod:`.semi_split`), the dataset-time checks
(:mod:`.annotation_check`) and the before-the-Runner checks
(:mod:`.data_check`, :mod:`cmpl_mm.config_check`) read list files through
these functions: UTF-8 with a BOM and CRLF tolerated, blank lines skipped,
problems reported as ``FILE, line N: ...`` in the caller's own error type.
"""
import os.path as osp
from typing import Iterator, List, Optional, Tuple, Type


def where(file_path: str, lineno: int) -> str:
    """``FILE, line N``, as every message about a list line starts."""
    return f'{file_path}, line {lineno}'


def check_exists(file_path: str, what: str) -> None:
    """Raise :class:`FileNotFoundError` naming ``what`` and the path.

    Args:
        file_path (str): The list file.
        what (str): What the file is, e.g. ``'annotation file'``.
    """
    if not osp.isfile(file_path):
        raise FileNotFoundError(f'{what} not found: {file_path}')


def iter_lines(file_path: str, error: Type[Exception] = ValueError,
               delimiter: Optional[str] = None
               ) -> Iterator[Tuple[int, List[str]]]:
    """Yield ``(lineno, fields)`` for each non-blank line of a text file.

    Args:
        file_path (str): UTF-8 text file (a leading BOM and CRLF endings are
            accepted).
        error (type): Raised for a line that is not valid UTF-8.
        delimiter (str, optional): Field separator, as ``VideoDataset``'s
            ``delimiter``; None splits on any whitespace.

    Yields:
        tuple: 1-based line number and the line's fields.
    """
    with open(file_path, 'rb') as f:
        data = f.read()
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    for lineno, raw in enumerate(data.splitlines(), start=1):
        try:
            line = raw.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise error(f'{where(file_path, lineno)}: not valid UTF-8 '
                        f'({exc.reason})') from None
        line = line.strip()
        if line:
            yield lineno, line.split(delimiter)


def parse_int(text: str, file_path: str, lineno: int, what: str,
              error: Type[Exception] = ValueError) -> int:
    """A base-10 integer field, or ``error`` naming the file and line.

    Args:
        text (str): The field.
        file_path (str): The list file, for the message.
        lineno (int): The 1-based line, for the message.
        what (str): What the field is, e.g. ``'label'``.
        error (type): The exception raised for a non-integer.
    """
    try:
        return int(text, 10)
    except ValueError:
        raise error(f'{where(file_path, lineno)}: {what} {text!r} is not an '
                    'integer') from None


def ann_file_path(dataset: dict) -> Optional[str]:
    """The list file a dataset config reads: ``ann_file`` joined to
    ``data_root`` when it is relative and local; None without one.

    Args:
        dataset (dict): A dataset config (``ann_file``, ``data_root``).
    """
    ann_file = dataset.get('ann_file')
    if not isinstance(ann_file, str) or not ann_file:
        return None
    data_root = dataset.get('data_root')
    if data_root and not osp.isabs(ann_file) and '://' not in ann_file:
        ann_file = osp.join(data_root, ann_file)
    return ann_file
