"""Mean Teacher (Tarvainen & Valpola, NeurIPS 2017) for video."""
import torch.nn as nn
from mmaction.registry import MODELS

from ...utils.config_check import ConfigError
from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class MeanTeacherRecognizer(SemiBaseRecognizer):
    """An exponential moving average of ``primary`` (momentum 0.999)
    predicts the weak view; ``primary``'s strong-view distribution is pulled
    towards it on every clip (soft targets, squared-error consistency).
    Validation, test and export use the EMA network.

    Takes the arguments of :class:`SemiBaseRecognizer`.
    """

    teachers = dict(primary='primary')
    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        teacher=dict(type='EMATeacher', momentum=0.999),
        target=dict(type='SoftTarget', temperature=1.0),
        mask=dict(type='AllClips'),
        loss=dict(type='SoftPseudoLabelMSE'))

    def _build_pseudo_labelers(self) -> None:
        super()._build_pseudo_labelers()
        if 'primary' not in self.ema_networks:
            raise ConfigError(
                'semi_train_cfg.teacher: MeanTeacherRecognizer deploys the '
                "EMA of 'primary', so primary's teacher must be "
                "dict(type='EMATeacher', ...)")

    def deployed_network(self) -> nn.Module:
        return self.ema_networks['primary'].network

    @classmethod
    def deployed_prefix(cls) -> str:
        return 'ema_networks.primary.network.'
