"""The parts that teach one network, built and checked from config."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .base_loss import BasePseudoLabelLoss
from .alignment import BaseAlignment
from .base_part import BasePart
from .context import StepContext
from .masks import BaseMask
from .mixing import BaseMix
from .targets import BaseTarget
from .teachers import BaseTeacher

#: ``semi_train_cfg`` keys of the parts, the base class each must have, and
#: a plain name for messages
PART_KINDS = dict(
    teacher=(BaseTeacher, 'teacher'),
    align=(BaseAlignment, 'probability alignment'),
    target=(BaseTarget, 'target'),
    mask=(BaseMask, 'mask / weight rule'),
    loss=(BasePseudoLabelLoss, 'pseudo-label loss'),
    mix=(BaseMix, 'student-input mix'))


class PseudoLabeler(nn.Module):
    """How one network learns from unlabeled clips.

    ``probs`` (the teacher's weak-view probabilities) -> ``align``
    (adjusted probabilities) -> ``target`` (hard classes or distributions)
    and ``mask`` (a weight per clip) -> ``loss`` on the student's
    strong-view logits.

    Args:
        teacher (BaseTeacher): Whose weak-view prediction teaches.
        align (BaseAlignment): Probabilities to adjusted probabilities.
        target (BaseTarget): Probabilities to targets.
        mask (BaseMask): Probabilities to per-clip weights.
        loss (BasePseudoLabelLoss): ``loss(strong_logits, targets,
            weights)``.
        mix (BaseMix): How the student's strong clips (and the targets)
            are mixed; ``NoMix`` leaves them alone.
    """

    def __init__(self, teacher: BaseTeacher, align: BaseAlignment,
                 target: BaseTarget, mask: BaseMask,
                 loss: BasePseudoLabelLoss, mix: BaseMix) -> None:
        super().__init__()
        self.teacher, self.align = teacher, align
        self.target, self.mask, self.loss = target, mask, loss
        self.mix = mix

    def parts(self) -> Dict[str, BasePart]:
        """The parts by ``semi_train_cfg`` key."""
        return {key: getattr(self, key) for key in PART_KINDS}

    def observe_step(self, context: StepContext) -> None:
        """Hand this step's facts to every part."""
        for part in self.parts().values():
            part.observe_step(context)

    def forward(self, probs: torch.Tensor, labeled_targets: torch.Tensor,
                indices: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(targets, weights, aligned probabilities)`` from the teacher's
        probabilities.

        Args:
            probs (Tensor): Teacher probabilities ``(N, C)``.
            labeled_targets (Tensor): Classes of the labeled clips ``(B,)``.
            indices (Tensor, optional): Unlabeled dataset index per clip.
        """
        probs = self.align(probs, labeled_targets)
        return self.target(probs), self.mask(probs, indices), probs


def _is_override(value, teachers) -> bool:
    """A dict of arguments without ``type`` (none of them a part config)
    that names no taught network: it overrides arguments of the default
    part, e.g. ``teacher=dict(momentum=0.99)``."""
    return (isinstance(value, dict) and 'type' not in value and bool(value)
            and not set(value) & set(teachers)
            and not any(isinstance(v, dict) for v in value.values()))


def _part_cfg(cfg: dict, key: str, student: str, default: dict,
              teachers=()):
    """``(key path, part config)`` of ``key`` for ``student``: the
    algorithm's default part, overridden by a dict without ``type``."""
    value = cfg.get(key)
    if value is None:
        return key, copy.deepcopy(default)
    if _is_override(value, teachers):
        return key, dict(copy.deepcopy(default), **copy.deepcopy(value))
    if isinstance(value, dict) and 'type' not in value:
        if student not in value:
            return key, copy.deepcopy(default)
        entry = copy.deepcopy(value[student])
        if isinstance(entry, dict) and 'type' not in entry:
            entry = dict(copy.deepcopy(default), **entry)
        return f'{key}.{student}', entry
    return key, copy.deepcopy(value)


def build_pseudo_labelers(cfg: dict, defaults: dict,
                          teachers: Dict[str, str], networks: Sequence[str],
                          prefix: str = 'semi_train_cfg.'
                          ) -> Tuple[Dict[str, PseudoLabeler], List[str]]:
    """Build the parts of every taught network; collect every problem.

    Args:
        cfg (dict): The merged ``semi_train_cfg`` (``teacher``, ``target``,
            ``mask``, ``loss``: a part config for every taught network, or a
            dict of them keyed by the taught network; ``threshold``).
        defaults (dict): The algorithm's part configs, by part key.
        teachers (dict): Taught network -> its default teacher network.
        networks (Sequence[str]): The algorithm's networks.
        prefix (str): Key path printed before each key.

    Returns:
        tuple: ``({student: PseudoLabeler}, [problem lines])``.
    """
    labelers, problems = {}, []
    for key in PART_KINDS:
        value = cfg.get(key)
        if isinstance(value, dict) and 'type' not in value and not \
                _is_override(value, teachers):
            unknown = sorted(set(value) - set(teachers))
            if unknown:
                problems.append(
                    f'{prefix}{key}: {unknown} name no network this algorithm '
                    f'teaches ({sorted(teachers)}); give a part config with '
                    "'type', or a dict of them keyed by the taught network")
        elif value is not None and not isinstance(value, dict):
            problems.append(f'{prefix}{key}={value!r}: must be a part config '
                            "dict with 'type'")
    for student, default_teacher in teachers.items():
        parts, bad = {}, False
        for key, (base, what) in PART_KINDS.items():
            path, part = _part_cfg(cfg, key, student, defaults[key],
                                   teachers)
            if not isinstance(part, dict) or 'type' not in part:
                problems.append(f'{prefix}{path}={part!r}: must be a part '
                                "config dict with 'type'")
                bad = True
                continue
            name = part['type']
            cls = MODELS.get(name) if isinstance(name, str) else name
            if not _is_part(cls, key, base):
                known = sorted(n for n, c in MODELS.module_dict.items()
                               if _is_part(c, key, base)
                               and not n.startswith('Base'))
                problems.append(f'{prefix}{path}.type={name!r}: not a '
                                f'registered {what}; known: {known}')
                bad = True
                continue
            if key == 'mask' and cls.uses_threshold:
                part.setdefault('threshold', _threshold(cfg, student))
            try:
                parts[key] = MODELS.build(part)
            except (TypeError, ValueError) as err:
                problems.append(f'{prefix}{path}: {err}')
                bad = True
        if bad:
            continue
        teacher = parts['teacher']
        if teacher.network is None:
            teacher.network = default_teacher
        elif teacher.network not in networks:
            path, _ = _part_cfg(cfg, 'teacher', student, {})
            problems.append(
                f'{prefix}{path}.network={teacher.network!r}: no such '
                f'network; this algorithm has {list(networks)}')
            continue
        kind = parts['loss'].target_kind
        if parts['mix'].mixes and kind != 'soft':
            path, _ = _part_cfg(cfg, 'loss', student, {})
            problems.append(
                f'{prefix}{path}: {type(parts["mix"]).__name__} mixes the '
                f'targets into distributions, but '
                f'{type(parts["loss"]).__name__} fits hard ones; use '
                'SoftPseudoLabelCrossEntropy or SoftPseudoLabelMSE')
            continue
        if kind != parts['target'].kind and not parts['mix'].mixes:
            path, _ = _part_cfg(cfg, 'loss', student, {})
            problems.append(
                f'{prefix}{path}: {type(parts["loss"]).__name__} fits '
                f'{kind} targets but the target '
                f'{type(parts["target"]).__name__} makes '
                f'{parts["target"].kind} ones; pair HardTarget with '
                'PseudoLabelCrossEntropy, SoftTarget with a Soft* loss')
            continue
        labelers[student] = PseudoLabeler(**parts)
    return labelers, list(dict.fromkeys(problems))  # a shared part: once


def _is_part(cls, key: str, base: type) -> bool:
    """A part class of kind ``key``."""
    return isinstance(cls, type) and issubclass(cls, base)


def _threshold(cfg: dict, student: str) -> float:
    value = cfg.get('threshold', 0.95)
    return value[student] if isinstance(value, dict) else value
