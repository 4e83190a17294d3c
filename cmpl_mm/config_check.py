"""Refuse a bad training config before anything is built or loaded.

:func:`check_config` is called by ``tools/train.py`` right after the
command-line overrides are merged, before ``Runner.from_cfg``: a typo in a
hyper-parameter or a mismatch between the model and the data then fails in
a second with a message naming the offending key, instead of after minutes
of data loading (or, worse, trains silently on a wrong setting).

The ``semi_train_cfg`` checks are shared with
:class:`~cmpl_mm.models.recognizers.SemiBaseRecognizer`, which validates its
``semi_train_cfg`` again when it is built, whatever built it.

Each check lives next to what it checks (each runs only where the config
has the part it concerns, so a plain mmaction2 config passes through):

* :func:`cmpl_mm.models.model_check.model_problems`: ``model.type`` (the
  algorithm) and every network's recognizer, backbone and head ``type`` are
  registered in mmaction2's ``MODELS`` registry; ``model.semi_train_cfg``
  as the algorithm class states it: known keys only, ``threshold`` in
  [0, 1] (also each value of a per-network dict), non-negative weights,
  integer ``warmup_iters >= 0``, ``unlabeled_forward`` in ``('joint',
  'separate')``, ``nonfinite_loss`` in ``('raise', 'skip')``, the
  pseudo-labeling parts, and the class's own checks (CMPL: the auxiliary's
  ``num_classes``, when given, equals the primary's);
* :func:`cmpl_mm.datasets.samplers.ratio_sampler_problems`, the ratio
  sampler: ``labeled_batch_size`` a positive integer, ``mu`` a
  non-negative integer, ``train_dataloader.batch_size ==
  labeled_batch_size * (1 + mu)``, and an unlabeled dataset exactly when
  ``mu > 0``;
* :func:`cmpl_mm.datasets.annotation_check.label_range_problems`: the
  labels of the labeled, validation and test lists lie in ``[0,
  num_classes)`` of the head (a missing list is left to
  :func:`cmpl_mm.datasets.data_check.find_missing_data`, which
  :func:`check_run_inputs` runs with these checks).
"""
from .datasets.annotation_check import (label_range_problems,
                                        labeled_dataset_cfg)
from .datasets.samplers import ratio_sampler_problems
from .models.model_check import deployed_num_classes, model_problems
from .models.recognizers.semi_train_cfg import ConfigError, _is_int


def check_run_inputs(cfg, loaders) -> None:
    """Check the data paths of ``loaders`` and the config together, so one
    run of a tool names every problem (a missing list and a misspelt key
    alike), before anything is built.

    Args:
        cfg (mmengine.Config | dict): The merged config.
        loaders (Sequence[str]): Dataloader keys the tool reads.

    Raises:
        DataPathError: Only data paths are at fault.
        ConfigError: The config is at fault (its problems after any data
            path's).
    """
    from .datasets.data_check import DataPathError, find_missing_data
    missing = find_missing_data(cfg, loaders)
    try:
        check_config(cfg)
    except ConfigError as err:
        raise ConfigError(missing + err.problems) from None
    if missing:
        raise DataPathError(missing)


def check_config(cfg) -> None:
    """Raise :class:`ConfigError` listing every problem found in ``cfg``.

    Args:
        cfg (mmengine.Config | dict): The merged training config (after
            ``--cfg-options``).
    """
    problems = []
    model = cfg.get('model')
    if isinstance(model, dict):
        problems += model_problems(model)
    problems += ratio_sampler_problems(cfg)
    loader = cfg.get('train_dataloader')
    if isinstance(model, dict) and isinstance(loader, dict):
        head = deployed_num_classes(model)
        labeled = labeled_dataset_cfg(loader)
        if head is not None and labeled is not None:
            num_key, num_classes = head
            if not (_is_int(num_classes) and num_classes >= 1):
                problems.append(f'{num_key}={num_classes!r}: must be a '
                                'positive integer')
            else:
                problems += label_range_problems(*labeled, num_key,
                                                 num_classes)
                problems += eval_label_problems(cfg, num_key, num_classes)
    if isinstance(model, dict):
        problems += tg_clip_length_problems(cfg, model)
        problems += flow_data_problems(cfg, model)
    if problems:
        raise ConfigError(problems)


def eval_label_problems(cfg, num_key: str, num_classes: int) -> list:
    """Labels of the validation and test lists outside ``[0,
    num_classes)``: they would add classes to the metrics (a mean class
    accuracy over 9 classes of an 8-class head). A list that does not
    exist is left to the data-path check."""
    problems = []
    for loader in ('val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset')
        if isinstance(dataset, dict):
            problems += label_range_problems(f'{loader}.dataset', dataset,
                                             num_key, num_classes)
    return problems


def tg_clip_length_problems(cfg, model: dict) -> list:
    """A network told to see the temporal gradient needs clips of two
    frames or more: every ``clip_len`` of the config's pipelines."""
    semi = model.get('semi_train_cfg')
    modality = semi.get('modality') if isinstance(semi, dict) else None
    values = modality.values() if isinstance(modality, dict) else [modality]
    if 'tg' not in values:
        return []
    problems = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for key, step in _pipeline_steps(cfg.get(loader), loader):
            clip_len = step.get('clip_len') if isinstance(step,
                                                          dict) else None
            if _is_int(clip_len) and clip_len < 2:
                problems.append(
                    f"model.semi_train_cfg.modality: 'tg' needs clips of "
                    f'at least 2 frames, but {key}.clip_len={clip_len}')
    return problems


def flow_data_problems(cfg, model: dict) -> list:
    """A network or view that sees optical flow needs pipelines that load
    it: every training pipeline (and the validation and test ones when
    what they evaluate sees flow) loads it with ``LoadFlowForFrames``,
    right after the RGB decode, and flips with ``RGBFlowFlip`` (a plain
    ``Flip`` would keep the flow's sign)."""
    from .models.model_check import _algorithm
    cls = _algorithm(model)
    if cls is None:
        return []
    try:
        merged = cls.merged_semi_train_cfg(model)
        train = {m for seen in cls.network_modalities(merged).values()
                 for m in seen}
        evaluated = set(cls.eval_modalities(model))
    except (KeyError, TypeError, AttributeError):  # reported elsewhere
        return []
    problems = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        wanted = train if loader == 'train_dataloader' else evaluated
        for key, pipeline in _pipelines(cfg.get(loader), loader):
            types = [s.get('type') if isinstance(s, dict) else None
                     for _, s in pipeline]
            if 'LoadFlowForFrames' not in types:
                if 'flow' in wanted:
                    problems.append(
                        f'model.semi_train_cfg.{cls.modality_setting}: asks '
                        f"for 'flow', but {key} has no flow data (no "
                        "LoadFlowForFrames step); add dict(type="
                        "'LoadFlowForFrames') after RawFrameDecode")
                continue
            at = types.index('LoadFlowForFrames')
            if at == 0 or not str(types[at - 1]).endswith('Decode'):
                problems.append(
                    f'{pipeline[at][0]}: LoadFlowForFrames must come right '
                    'after the RGB decode (RawFrameDecode), before any '
                    'resize, crop or flip')
            problems += [
                f"{step_key}.type='Flip' keeps the flow's sign; use "
                "'RGBFlowFlip' in a pipeline that loads flow"
                for (step_key, _), t in zip(pipeline, types) if t == 'Flip']
    return list(dict.fromkeys(problems))


def _pipelines(node, key):
    """``(key path, steps)`` of every pipeline below ``node`` (a
    ``MultiView`` step's view pipelines continue the one it ends)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == 'pipeline' and isinstance(value, (list, tuple)):
                yield from _with_views(list(value), f'{key}.pipeline')
            else:
                yield from _pipelines(value, f'{key}.{name}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _pipelines(value, f'{key}.{i}')


def _with_views(steps, key):
    """``[(step key, step), ...]`` of a pipeline, or, when it ends in a
    ``MultiView``, of the shared steps followed by each view's."""
    keyed = [(f'{key}.{i}', step) for i, step in enumerate(steps)]
    last = steps[-1] if steps else None
    if not (isinstance(last, dict) and last.get('type') == 'MultiView'):
        yield key, keyed
        return
    views = [(n, v) for n, v in last.items()
             if n not in ('type', 'view_names') and isinstance(v, list)]
    for name, view in views or [(None, [])]:
        yield key, keyed[:-1] + [(f'{key}.{len(steps) - 1}.{name}.{i}', s)
                                 for i, s in enumerate(view)]


def _pipeline_steps(node, key):
    """``(key path, step)`` of every pipeline step below ``node``."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == 'pipeline' and isinstance(value, (list, tuple)):
                for i, step in enumerate(value):
                    yield f'{key}.pipeline.{i}', step
                    yield from _pipeline_steps(step, f'{key}.pipeline.{i}')
            else:
                yield from _pipeline_steps(value, f'{key}.{name}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _pipeline_steps(value, f'{key}.{i}')
