"""What the dataset wrappers of cmpl_mm share: a source dataset, hidden labels.

cmpl_mm adds two things to MMAction2's datasets: hiding the labels of the
unlabeled part (:class:`~.unlabeled_dataset.UnlabeledDataset`) and
surviving bad videos (:class:`~.robust_datasets.RobustDataset`, which can
hide labels too). Both are wrappers, so they apply to any source dataset
type (``VideoDataset``, ``RawframeDataset``, a subclass, a dataset of your
own) without a class per combination. A wrapper takes its source as

* ``dataset=dict(type='VideoDataset', ann_file=..., ...)``, the form of
  mmengine's wrappers (``ClassBalancedDataset``, ``RepeatDataset``);
* ``dataset='VideoDataset'`` with the source's arguments next to the
  wrapper's own: ``dict(type='RobustDataset', dataset='VideoDataset',
  ann_file=..., pipeline=..., bad_video_policy='skip')``. The configs here
  use this *flat* form: the source's keys keep the place they have in an
  unwrapped dataset (``train_dataloader.dataset.labeled.ann_file``,
  ``val_dataloader.dataset.data_prefix.video``, ...), so ``--cfg-options``
  and inheriting configs address them as before;
* a built dataset, used as it is.

A wrapper reads the source's attributes through (``ann_file``,
``pipeline``, ``test_mode``, ...), so code written for the source dataset
keeps working on the wrapper.
"""
import copy
import inspect
import logging
import warnings
from typing import Any, Set

from mmengine.dataset.base_dataset import BaseDataset, force_full_init
from mmengine.logging import print_log
from mmaction.registry import DATASETS

__all__ = [
    'MONITOR_LABEL_KEY', 'hide_label', 'SourceDatasetWrapper', 'build_source',
    'source_config', 'deprecated_alias'
]

# where a hidden label goes (see :mod:`~.unlabeled_dataset`)
MONITOR_LABEL_KEY = 'monitor_only_gt_label'


def hide_label(info: dict) -> dict:
    """Move ``info['label']`` to ``MONITOR_LABEL_KEY`` (-1 when absent or
    not a single integer); returns ``info``."""
    label = info.pop('label', -1)
    info[MONITOR_LABEL_KEY] = label if isinstance(label, int) else -1
    return info


def build_source(owner: str, dataset, dataset_kwargs: dict):
    """Build a wrapper's source dataset, not yet loaded.

    Args:
        owner (str): The wrapper's name, for messages.
        dataset (dict | str | object): A config dict, a registered type name
            (its arguments are then ``dataset_kwargs``) or a built dataset.
        dataset_kwargs (dict): The source's arguments given next to a type
            name.

    Returns:
        tuple: ``(source, built_here)``; a source built here from a config
        was built with ``lazy_init=True``.
    """
    if isinstance(dataset, str):
        cfg = dict(type=dataset, **dataset_kwargs)
    elif dataset_kwargs:
        raise TypeError(
            f'{owner}: the arguments {sorted(dataset_kwargs)} belong to the '
            'source dataset: give them inside dataset=dict(type=..., ...), '
            'or name the type (dataset="VideoDataset") and give them next '
            'to it, not both')
    elif isinstance(dataset, dict):
        cfg = dict(dataset)
    else:
        _check_source(owner, dataset)
        return dataset, False
    cfg['lazy_init'] = True  # loaded by the wrapper's full_init
    return _check_source(owner, DATASETS.build(cfg)), True


def _check_source(owner: str, source):
    missing = [
        name for name in ('get_data_info', 'full_init', 'pipeline')
        if not hasattr(source, name)
    ]
    if missing or not hasattr(source, '__len__'):
        raise TypeError(
            f'{owner} wraps a dataset with a pipeline (an mmengine '
            f'BaseDataset such as VideoDataset); {type(source).__name__} has '
            f'no {", ".join(missing or ["__len__"])}')
    return source


def source_config(cfg: dict) -> dict:
    """The config of the source dataset a dataset config builds.

    ``cfg`` itself when its type is not a wrapper; for a wrapper, the
    source's config (looking through nested wrappers): its ``dataset`` dict,
    or ``dict(type=dataset, **source arguments)`` in the flat form, without
    the wrapper's own arguments. Deprecated type names count as the form
    they stand for.
    """
    while isinstance(cfg, dict):
        wrapper = cfg.get('type')
        if isinstance(wrapper, str):
            wrapper = DATASETS.get(wrapper)  # None if unknown
        if hasattr(wrapper, 'alias_of'):  # a deprecated name
            cfg = dict(cfg, **wrapper.alias_fixed)
            wrapper = wrapper.alias_of
        if not (isinstance(wrapper, type)
                and issubclass(wrapper, SourceDatasetWrapper)):
            return cfg
        if isinstance(cfg.get('dataset'), dict):
            cfg = cfg['dataset']
            continue
        own = set(inspect.signature(wrapper).parameters) - {'lazy_init'}
        source = {k: v for k, v in cfg.items() if k not in own | {'type'}}
        return dict(source, type=cfg.get('dataset'))
    return cfg


class SourceDatasetWrapper:
    """Base of the wrappers: a source dataset, optionally with its labels
    hidden.

    Args:
        dataset (dict | str | BaseDataset): The source dataset: a config, a
            type name whose arguments are ``**dataset_kwargs``, or a built
            dataset (used as it is).
        hide_labels (bool): Hide the source's labels: every data info (and
            so the pipeline) gets ``MONITOR_LABEL_KEY`` (the label, -1 if
            none) instead of ``label``. Defaults to False.
        lazy_init (bool): Defer loading the annotation list. Defaults to
            False.
        **dataset_kwargs: The source's arguments, with ``dataset`` a type
            name.
    """

    def __init__(self,
                 dataset,
                 hide_labels: bool = False,
                 lazy_init: bool = False,
                 **dataset_kwargs) -> None:
        self.hide_labels = bool(hide_labels)
        self.dataset, self._built_here = build_source(
            type(self).__name__, dataset, dataset_kwargs)
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Load the source's annotation list (once)."""
        if self._fully_initialized:
            return
        self._load_source()
        self._fully_initialized = True

    def _load_source(self) -> None:
        self.dataset.full_init()

    @force_full_init
    def __len__(self) -> int:
        return len(self.dataset)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        info = self.dataset.get_data_info(idx)
        return hide_label(info) if self.hide_labels else info

    def prepare_data(self, idx: int) -> Any:
        """The source's pipeline on this wrapper's data info."""
        return self.dataset.pipeline(self.get_data_info(idx))

    # mmengine's refetch loop (test mode, ``max_refetch``, ``_rand_another``
    # read through from the source) around :meth:`prepare_data`
    __getitem__ = BaseDataset.__getitem__

    def __getattr__(self, name: str):
        # the source's attributes (ann_file, pipeline, test_mode, ...); not
        # while unpickling / copying, before ``dataset`` is set
        if name.startswith('__') or 'dataset' not in vars(self):
            raise AttributeError(name)
        return getattr(self.dataset, name)


_warned: Set[str] = set()


def deprecated_alias(name: str, wrapper: type, **fixed):
    """Register ``name`` as a dataset type building ``wrapper(**fixed,
    **kwargs)``; the first build in a process warns (logger and
    ``DeprecationWarning``) with the form to use instead."""
    new_form = ', '.join([f'type={wrapper.__name__!r}'] +
                         [f'{k}={v!r}' for k, v in fixed.items()])
    message = (f'dataset type {name!r} is deprecated: use dict({new_form}, '
               '...) with the same other arguments')

    def build(**kwargs):
        if name not in _warned:
            _warned.add(name)
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            print_log(message, logger='current', level=logging.WARNING)
        return wrapper(**fixed, **kwargs)

    build.__name__ = build.__qualname__ = name
    build.alias_of, build.alias_fixed = wrapper, dict(fixed)
    build.__doc__ = (f'Deprecated: ``{name}(**kwargs)`` builds '
                     f'``dict({new_form}, **kwargs)``.')
    return DATASETS.register_module(name=name, module=build)
