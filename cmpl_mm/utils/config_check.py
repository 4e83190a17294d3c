"""Refuse a bad training config before anything is built or loaded.

:func:`check_config` is called by ``tools/train.py`` right after the
command-line overrides are merged, before ``Runner.from_cfg``: a typo in a
hyper-parameter or a mismatch between the model and the data then fails in
a second with a message naming the offending key, instead of after minutes
of data loading (or, worse, trains silently on a wrong setting).

:func:`validate_semi_train_cfg` is shared with
:class:`~cmpl_mm.models.recognizers.SemiBaseRecognizer`, which validates its
``semi_train_cfg`` again when it is built, whatever built it.

Checks (each only where the config has the part it concerns, so a plain
mmaction2 config passes through):

* ``model.type`` (the algorithm) and every network's recognizer, backbone
  and head ``type`` are registered in mmaction2's ``MODELS`` registry;
* ``model.semi_train_cfg``: known keys only, ``threshold`` in [0, 1] (also
  each value of a per-network dict), non-negative weights, integer
  ``warmup_iters >= 0``, ``unlabeled_forward`` in ``('joint',
  'separate')``, ``nonfinite_loss`` in ``('raise', 'skip')``;
* CMPL: the auxiliary's ``num_classes``, when given, equals the primary's;
* the ratio sampler: ``labeled_batch_size`` a positive integer, ``mu`` a
  non-negative integer, ``train_dataloader.batch_size ==
  labeled_batch_size * (1 + mu)``, and an unlabeled dataset exactly when
  ``mu > 0``;
* the labeled list file exists and its labels lie in
  ``[0, num_classes)`` of the head.
"""
import difflib
import os.path as osp
from typing import List, Optional

from ..datasets.dataset_wrappers import source_config
from ..models.recognizers.semi_train_cfg import (  # noqa: F401
    SEMI_TRAIN_CFG_KEYS, ConfigError, _is_int, semi_train_cfg_problems,
    validate_semi_train_cfg)

# -- registry ---------------------------------------------------------------
def _registered(registry, name) -> bool:
    try:
        return registry.get(name) is not None
    except Exception:  # a scope that does not exist, a broken import
        return False


def _registry_names(registry) -> List[str]:
    names, current = set(), registry
    while current is not None:
        names.update(current.module_dict)
        current = current.parent
    return sorted(names)


def _unknown_type(registry, key: str, name: str, what: str,
                  candidates: Optional[List[str]] = None) -> str:
    candidates = list(dict.fromkeys(
        candidates if candidates is not None else _registry_names(registry)))
    close = difflib.get_close_matches(name, candidates, n=3)
    hint = f'; did you mean {" or ".join(map(repr, close))}?' if close else ''
    return (f'{key}={name!r}: no {what} of that name is registered in '
            f"mmaction2's MODELS registry{hint}")


def _semi_algorithms(registry) -> List[str]:
    return sorted(
        name for name, cls in registry.module_dict.items()
        if _algorithm(dict(type=cls)) not in (None, _algorithm(
            dict(type='SemiBaseRecognizer'))))


def _model_problems(model: dict) -> List[str]:
    from mmaction.registry import MODELS
    problems = []
    model_type = model.get('type')
    if isinstance(model_type, str) and not _registered(MODELS, model_type):
        algorithms = _semi_algorithms(MODELS)
        problems.append(
            _unknown_type(MODELS, 'model.type', model_type,
                          'model (algorithm)', algorithms +
                          _registry_names(MODELS)) +
            f' The algorithms of cmpl_mm are {algorithms}.')
    if 'primary' in model:
        networks = [(f'model.{n}', net) for n, net in model.items()
                    if isinstance(net, dict) and 'backbone' in net]
    else:
        networks = [('model', model)]
    for prefix, net in networks:
        parts = [('backbone', 'backbone'), ('cls_head', 'head')]
        if prefix != 'model':
            parts.insert(0, (None, 'recognizer'))
        for part, what in parts:
            sub = net if part is None else net.get(part)
            if not isinstance(sub, dict):
                continue
            name = sub.get('type')
            key = f'{prefix}.type' if part is None else \
                f'{prefix}.{part}.type'
            if isinstance(name, str) and not _registered(MODELS, name):
                problems.append(_unknown_type(MODELS, key, name, what))
    return problems


# -- data -------------------------------------------------------------------
def _num_classes(model: dict):
    """``(key, num_classes)`` of the deployed head, or None."""
    for prefix, net in (('model.primary', model.get('primary')),
                        ('model', model)):
        head = net.get('cls_head') if isinstance(net, dict) else None
        if isinstance(head, dict) and 'num_classes' in head:
            return f'{prefix}.cls_head.num_classes', head['num_classes']
    return None


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


def _labeled_dataset(train_loader: dict):
    """``(key, dataset cfg)`` of the labeled training set, or None."""
    dataset = train_loader.get('dataset')
    if not isinstance(dataset, dict):
        return None
    if isinstance(dataset.get('labeled'), dict):
        return 'train_dataloader.dataset.labeled', dataset['labeled']
    if _label_column(source_config(dataset).get('type')) is not None:
        return 'train_dataloader.dataset', dataset
    return None


def _ann_file_path(dataset: dict) -> Optional[str]:
    ann_file = dataset.get('ann_file')
    if not isinstance(ann_file, str) or not ann_file:
        return None
    data_root = dataset.get('data_root')
    if data_root and not osp.isabs(ann_file) and '://' not in ann_file:
        ann_file = osp.join(data_root, ann_file)
    return ann_file


def _label_problems(key: str, dataset: dict, num_key: str,
                    num_classes: int) -> List[str]:
    """Labels of a list file outside ``[0, num_classes)``."""
    dataset = source_config(dataset)
    column = _label_column(dataset.get('type'))
    path = _ann_file_path(dataset)
    if column is None or path is None or '://' in path:
        return []
    if not path.endswith('.txt') and '.' in osp.basename(path):
        return []  # json / pkl annotations: left to the dataset
    if not osp.isfile(path):
        return [f'{key}.ann_file={path!r}: file not found']
    delimiter = dataset.get('delimiter', ' ') if column == 1 else None
    if dataset.get('with_offset'):
        column += 1
    bad, worst, lines_bad = 0, None, []
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, 1):
            tokens = line.strip().split(delimiter)
            if not tokens or tokens == ['']:
                continue
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
    if bad:
        return [f'{key}.ann_file={path!r}: {bad} line(s) (e.g. line(s) '
                f'{lines_bad}) have labels outside [0, {num_classes}), up to '
                f'{worst}, but {num_key}={num_classes}; set num_classes to '
                'the number of classes of the data (labels are 0-based)']
    return []


def _sampler_problems(cfg) -> List[str]:
    loader = cfg.get('train_dataloader')
    if not isinstance(loader, dict):
        return []
    sampler = loader.get('sampler')
    if not isinstance(sampler, dict) or 'labeled_batch_size' not in sampler:
        return []
    problems = []
    key = 'train_dataloader.sampler'
    batch, mu = sampler.get('labeled_batch_size'), sampler.get('mu', 1)
    batch_ok = _is_int(batch) and batch >= 1
    mu_ok = _is_int(mu) and mu >= 0
    if not batch_ok:
        problems.append(f'{key}.labeled_batch_size={batch!r}: must be a '
                        'positive integer (labeled clips per batch per GPU)')
    if not mu_ok:
        problems.append(f'{key}.mu={mu!r}: must be a non-negative integer '
                        '(unlabeled clips per labeled clip)')
    if batch_ok and mu_ok:
        expected = batch * (1 + mu)
        if loader.get('batch_size') != expected:
            problems.append(
                f"train_dataloader.batch_size={loader.get('batch_size')!r} "
                f'must equal {key}.labeled_batch_size * (1 + {key}.mu) = '
                f'{batch} * (1 + {mu}) = {expected}')
        dataset = loader.get('dataset')
        if isinstance(dataset, dict) and 'labeled' in dataset:
            has_unlabeled = dataset.get('unlabeled') is not None
            if mu > 0 and not has_unlabeled:
                problems.append(
                    f'{key}.mu={mu} needs unlabeled data, but '
                    'train_dataloader.dataset.unlabeled is None (set mu=0 '
                    'for supervised training)')
            elif mu == 0 and has_unlabeled:
                problems.append(
                    f'{key}.mu=0 draws no unlabeled clips, but '
                    'train_dataloader.dataset.unlabeled is set (set it to '
                    'None, or mu > 0)')
    return problems


def _algorithm(model: dict):
    """The registered recognizer class of ``model.type``, if it is one of
    cmpl_mm's semi-supervised algorithms."""
    from mmaction.registry import MODELS
    from ..models.recognizers.semi_base import SemiBaseRecognizer
    cls = model.get('type')
    if isinstance(cls, str):
        cls = MODELS.get(cls) if _registered(MODELS, cls) else None
    if isinstance(cls, type) and issubclass(cls, SemiBaseRecognizer):
        return cls
    return None


def _algorithm_problems(model: dict) -> List[str]:
    """``semi_train_cfg`` (keys, values, pseudo-labeling parts) and the
    algorithm's own checks, as the registered class states them."""
    from ..models.pseudo_label import build_pseudo_labelers
    cls = _algorithm(model)
    if cls is None:
        return []
    semi_cfg = model.get('semi_train_cfg')
    prefix = 'model.semi_train_cfg.'
    problems = semi_train_cfg_problems(semi_cfg, cls.teachers, prefix,
                                       cls.semi_train_cfg_keys())
    if not problems and (semi_cfg is None or isinstance(semi_cfg, dict)):
        merged = dict(cls.default_semi_train_cfg, **(semi_cfg or {}))
        networks = ['primary'] + [n for pair in cls.teachers.items()
                                  for n in pair if n != 'primary']
        problems += build_pseudo_labelers(
            merged, cls.default_semi_train_cfg, cls.teachers,
            list(dict.fromkeys(networks)), prefix)[1]
    return problems + cls.config_problems(model)


def check_config(cfg) -> None:
    """Raise :class:`ConfigError` listing every problem found in ``cfg``.

    Args:
        cfg (mmengine.Config | dict): The merged training config (after
            ``--cfg-options``).
    """
    problems = []
    model = cfg.get('model')
    if isinstance(model, dict):
        problems += _model_problems(model)
        problems += _algorithm_problems(model)
    problems += _sampler_problems(cfg)
    loader = cfg.get('train_dataloader')
    if isinstance(model, dict) and isinstance(loader, dict):
        head = _num_classes(model)
        labeled = _labeled_dataset(loader)
        if head is not None and labeled is not None:
            num_key, num_classes = head
            if not (_is_int(num_classes) and num_classes >= 1):
                problems.append(f'{num_key}={num_classes!r}: must be a '
                                'positive integer')
            else:
                problems += _label_problems(*labeled, num_key, num_classes)
    if problems:
        raise ConfigError(problems)
