"""Mean Teacher (Tarvainen & Valpola, NeurIPS 2017) for video."""
from typing import Dict, List

import torch.nn as nn
from mmaction.registry import MODELS

from ..pseudo_label import EMATeacher
from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class MeanTeacherRecognizer(SemiBaseRecognizer):
    """An exponential moving average of ``primary`` (momentum 0.999, with
    the original code's warm-up ``min(1 - 1/(n + 2), 0.999)``) predicts the
    weak view; ``primary``'s strong-view distribution is pulled towards it
    on every clip (soft targets, squared-error consistency) with a weight
    that ramps up as ``exp(-5 (1 - t)^2)`` (``SigmoidRampUp``). Validation,
    test and export use the EMA network.

    Takes the arguments of :class:`SemiBaseRecognizer`.
    """

    teachers = dict(primary='primary')
    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        unsup_weight=dict(type='SigmoidRampUp', value=1.0, ramp_iters=0),
        teacher=dict(type='EMATeacher', momentum=0.999),
        target=dict(type='SoftTarget', temperature=1.0),
        mask=dict(type='AllClips'),
        loss=dict(type='SoftPseudoLabelMSE'))

    @classmethod
    def labeler_problems(cls, labelers: Dict[str, nn.Module],
                         semi_train_cfg: dict, prefix: str) -> List[str]:
        """The deployed network is the EMA of ``primary``, so primary's
        teacher must be an ``EMATeacher`` of ``primary``."""
        problems = super().labeler_problems(labelers, semi_train_cfg, prefix)
        teacher = labelers['primary'].teacher
        if not (isinstance(teacher, EMATeacher)
                and teacher.network == 'primary'):
            problems.append(
                f'{prefix}teacher: MeanTeacherRecognizer deploys the EMA of '
                "'primary', so primary's teacher must be "
                "dict(type='EMATeacher', ...) of 'primary'")
        return problems

    def deployed_network(self) -> nn.Module:
        return self.ema_networks['primary'].network

    @classmethod
    def deployed_prefix(cls) -> str:
        return 'ema_networks.primary.network.'
