"""Problems of a config's ``model``, found before anything is built.

:func:`model_problems` lists, each naming its key:

* ``model.type`` (the algorithm) and every network's recognizer, backbone
  and head ``type`` are registered in mmaction2's ``MODELS`` registry (with
  close names suggested);
* ``model.semi_train_cfg`` as the registered algorithm class states it
  (:meth:`~cmpl_mm.models.recognizers.SemiBaseRecognizer.semi_train_cfg_keys`,
  the pseudo-labeling parts, and the class's own
  :meth:`~cmpl_mm.models.recognizers.SemiBaseRecognizer.config_problems`).

:func:`cmpl_mm.config_check.check_config` runs it on the training config.
"""
import difflib
from typing import List, Optional



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


def _type_problems(model: dict) -> List[str]:
    """Unregistered ``type`` of the algorithm, recognizers, backbones, heads."""
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


def deployed_num_classes(model: dict):
    """``(key, num_classes)`` of the deployed head, or None."""
    for prefix, net in (('model.primary', model.get('primary')),
                        ('model', model)):
        head = net.get('cls_head') if isinstance(net, dict) else None
        if isinstance(head, dict) and 'num_classes' in head:
            return f'{prefix}.cls_head.num_classes', head['num_classes']
    return None



def _algorithm(model: dict):
    """The registered recognizer class of ``model.type``, if it is one of
    cmpl_mm's semi-supervised algorithms."""
    from mmaction.registry import MODELS
    from .recognizers.semi_base import SemiBaseRecognizer
    cls = model.get('type')
    if isinstance(cls, str):
        cls = MODELS.get(cls) if _registered(MODELS, cls) else None
    if isinstance(cls, type) and issubclass(cls, SemiBaseRecognizer):
        return cls
    return None


def _algorithm_problems(model: dict) -> List[str]:
    """``semi_train_cfg`` (keys, values, pseudo-labeling parts) and the
    algorithm's own rules, as the registered class states them in its
    ``config_problems``."""
    cls = _algorithm(model)
    return [] if cls is None else cls.config_problems(model)


def model_problems(model: dict) -> List[str]:
    """Every problem of a ``model`` config, one line each.

    Args:
        model (dict): The ``model`` part of a config.
    """
    return _type_problems(model) + _algorithm_problems(model)
