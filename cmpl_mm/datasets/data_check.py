"""Check, before the Runner starts, that every data path a run reads exists.

A missing list or video folder otherwise surfaces as a traceback after the
config dump, from inside a dataset build, and leaves an empty work dir
behind. :func:`find_missing_data` walks the dataloaders a command reads
(training: ``train_dataloader`` and ``val_dataloader``; testing:
``test_dataloader``), including the named parts of a
``LabeledUnlabeledDataset`` and wrapped datasets (``dataset=``,
``datasets=[...]``), and returns one line per missing ``ann_file`` or
``data_prefix`` entry, naming the config key and the path and saying what
to run. An existing list that the training's checked reader would refuse
(a wrong column count, one- and two-column lines mixed, a label that is not
an integer) is listed too, with its file and line, so that mistake also
fails before the Runner prints its config and makes a work dir. The tools
call it before anything is written.
"""
import os.path as osp
from typing import Iterator, List, Optional, Sequence, Tuple

from . import list_files

__all__ = ['DataPathError', 'find_missing_data', 'check_data_paths']

PREPARE_SECTION = ('README, "Training on your data" / "Preparing UCF-101, '
                   'HMDB-51 and Kinetics-400"')
SPLIT_HINT = ('make it with `python tools/data/build_semi_split.py '
              '--ann-file TRAIN_LIST (--ratio R | --per-class K) --out-dir '
              f'DIR` ({PREPARE_SECTION})')
DEMO_HINT = ('the demo data are made by `python tools/run_demo.py` (or '
             '`python tools/data/generate_synthetic.py DATA_ROOT`, then '
             '`build_semi_split.py ... --per-class 8 --out-dir '
             'DATA_ROOT/semi`)')
DATA_HINT = f'lay out the dataset as the {PREPARE_SECTION} describes'


class DataPathError(FileNotFoundError):
    """Data files a config reads are missing (one line per problem)."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__('\n'.join(self.problems))


def _datasets(node, key: str) -> Iterator[Tuple[str, dict]]:
    """Yield ``(config key, dataset dict)`` for every dataset in ``node``."""
    if not isinstance(node, dict):
        return
    if 'ann_file' in node or 'data_prefix' in node:
        yield key, node
    for name in ('dataset', 'labeled', 'unlabeled'):
        if isinstance(node.get(name), dict):
            yield from _datasets(node[name], f'{key}.{name}')
    if isinstance(node.get('datasets'), (list, tuple)):
        for i, child in enumerate(node['datasets']):
            yield from _datasets(child, f'{key}.datasets.{i}')


def _local(path) -> bool:
    return isinstance(path, str) and bool(path) and '://' not in path


def _hint(key: str, path: str, kind: str) -> str:
    if 'synthetic' in path:
        return DEMO_HINT
    if kind == 'ann_file' and ('.labeled' in key or '.unlabeled' in key):
        return SPLIT_HINT
    return DATA_HINT


def find_missing_data(cfg, loaders: Sequence[str]) -> List[str]:
    """One line per missing annotation list or data folder.

    Args:
        cfg (dict | mmengine.Config): The merged config.
        loaders (Sequence[str]): Dataloader keys the command reads, e.g.
            ``('train_dataloader', 'val_dataloader')``. Absent or ``None``
            loaders (``--no-validate``) are skipped.

    Returns:
        list[str]: ``KEY=PATH: not found; HINT`` lines; empty when all
        local paths exist (remote ``s3://``-style paths are not checked).
    """
    problems = []
    for loader in loaders:
        loader_cfg = cfg.get(loader, None)
        if not isinstance(loader_cfg, dict):
            continue
        for key, dataset in _datasets(
                loader_cfg.get('dataset'), f'{loader}.dataset'):
            data_root: Optional[str] = dataset.get('data_root') or None
            if _local(dataset.get('ann_file')):
                path = list_files.ann_file_path(dataset)
                if not osp.isfile(path):
                    problems.append(
                        f'{key}.ann_file={path!r}: file not found; '
                        f'{_hint(key, path, "ann_file")}')
                else:
                    problems += list_layout_problems(key, dataset, path)
            prefix = dataset.get('data_prefix') or {}
            if not isinstance(prefix, dict):
                continue
            for name, folder in prefix.items():
                if not _local(folder):
                    continue
                path = folder
                if data_root and not osp.isabs(path):
                    path = osp.join(data_root, path)
                if not osp.isdir(path):
                    problems.append(
                        f'{key}.data_prefix.{name}={path!r}: folder not '
                        f'found; {_hint(key, path, "data_prefix")}')
    return problems


def _hides_labels(dataset: dict) -> bool:
    """Whether a dataset config (through its wrappers) hides its labels,
    so that its list may omit them."""
    from mmaction.registry import DATASETS

    from .unlabeled_dataset import UnlabeledDataset
    node = dataset
    while isinstance(node, dict):
        kind = node.get('type')
        if isinstance(kind, str):
            kind = DATASETS.get(kind)
        fixed = getattr(kind, 'alias_fixed', {})  # a deprecated type name
        kind = getattr(kind, 'alias_of', kind)
        if (node.get('hide_labels', fixed.get('hide_labels'))
                or kind is UnlabeledDataset):
            return True
        node = node.get('dataset')
    return False


def list_layout_problems(key: str, dataset: dict, path: str) -> List[str]:
    """The first line of ``path`` that the checked list reader refuses.

    Only for lists that reader reads (mmaction2's ``VideoDataset`` and
    ``RawframeDataset`` layouts, whitespace-separated); other formats are
    left to their dataset. Label ranges are checked later, against the
    model's ``num_classes`` (:mod:`cmpl_mm.config_check`).

    Args:
        key (str): The dataset's config key, for the message.
        dataset (dict): The dataset config (wrappers included).
        path (str): The list file, which exists.
    """
    from mmaction.registry import DATASETS

    from .annotation_check import AnnotationError, read_annotation_list
    from .dataset_wrappers import source_config
    from .robust_datasets import (CHECKED_READERS, read_rawframe_list,
                                  read_video_list)
    source = source_config(dataset)
    kind = source.get('type')
    if isinstance(kind, str):
        kind = DATASETS.get(kind)
    reader = CHECKED_READERS.get(getattr(kind, 'load_data_list', None))
    if reader is None or source.get('delimiter', ' ') not in (' ', None):
        return []
    if reader is read_video_list:
        names = ()
    else:
        assert reader is read_rawframe_list
        names = (('offset', 'total_frames') if source.get('with_offset')
                 else ('total_frames', ))
    try:
        read_annotation_list(
            path,
            num_ints=len(names),
            label_optional=_hides_labels(dataset),
            multi_label=bool(source.get('multi_class')),
            int_names=names,
            warn_duplicates=False)
    except AnnotationError as err:
        return [f'{key}.ann_file: {err}']
    return []


def check_data_paths(cfg, loaders: Sequence[str]) -> None:
    """Raise :class:`DataPathError` when :func:`find_missing_data` finds
    anything.

    Args:
        cfg (dict | mmengine.Config): The merged config.
        loaders (Sequence[str]): Dataloader keys the command reads.
    """
    problems = find_missing_data(cfg, loaders)
    if problems:
        raise DataPathError(problems)
