"""Cross-Model Pseudo-Labeling (Xu et al., CVPR 2022)."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .semi_train_cfg import ConfigError
from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class CMPLRecognizer(SemiBaseRecognizer):
    """A primary and a lightweight auxiliary network label each other.

    Both networks get the supervised loss on labeled clips. On unlabeled
    clips the auxiliary's confident weak-view prediction is the target for
    the primary's strong view, and the primary's for the auxiliary's
    (with ``semi_train_cfg.teacher=dict(type='EMATeacher')``, the EMA of
    the other network teaches). Only ``primary`` is used for validation,
    test and export. Loss keys of the auxiliary carry ``aux_``.

    Args:
        primary (dict): Config of the deployed recognizer.
        auxiliary (dict): Config of the auxiliary recognizer (by default a
            1/4-width 3D ResNet). Its ``cls_head.num_classes`` may be left
            out: it is taken from ``primary``; if given, it must match.
        evaluate_auxiliary (bool): Also predict with the auxiliary in
            ``predict`` mode and store its scores as ``aux_pred_score``, for
            ``AuxiliaryAccMetric``. Defaults to False.
        **kwargs: Other arguments of :class:`SemiBaseRecognizer`;
            ``semi_train_cfg`` may give ``threshold`` / ``unsup_weight`` and
            the parts as ``dict(primary=..., auxiliary=...)``, keyed by the
            network taught.
    """

    teachers = dict(primary='auxiliary', auxiliary='primary')

    def __init__(self,
                 primary: dict,
                 auxiliary: dict,
                 evaluate_auxiliary: bool = False,
                 **kwargs: Optional[dict]) -> None:
        problems = self.head_problems(
            dict(primary=primary, auxiliary=auxiliary), prefix='')
        if problems:
            raise ConfigError(problems)
        self.auxiliary_cfg = copy.deepcopy(auxiliary)
        super().__init__(primary=primary, **kwargs)
        self.evaluate_auxiliary = evaluate_auxiliary

    def build_networks(self, primary: dict) -> None:
        super().build_networks(primary)
        auxiliary = self.auxiliary_cfg
        auxiliary.setdefault('cls_head', {}).setdefault(
            'num_classes', primary['cls_head']['num_classes'])
        self.auxiliary = MODELS.build(auxiliary)

    @classmethod
    def config_problems(cls, model: dict, prefix: str = 'model.'
                        ) -> List[str]:
        return super().config_problems(model, prefix) + cls.head_problems(
            model, prefix)

    @staticmethod
    def head_problems(model: dict, prefix: str) -> List[str]:
        """The auxiliary must predict the primary's classes."""
        heads = [(model.get(n) or {}).get('cls_head')
                 for n in ('primary', 'auxiliary')]
        if not all(isinstance(h, dict) for h in heads):
            return []
        p_classes = heads[0].get('num_classes')
        a_classes = heads[1].get('num_classes', p_classes)
        if a_classes == p_classes:
            return []
        return [f'{prefix}auxiliary.cls_head.num_classes={a_classes} differs '
                f'from {prefix}primary.cls_head.num_classes={p_classes}; CMPL '
                'needs the same classes in both networks (leave the '
                "auxiliary's out to inherit the primary's)"]

    @classmethod
    def eval_modalities(cls, model: dict) -> List[str]:
        """The primary's, and the auxiliary's with ``evaluate_auxiliary``."""
        seen = cls.network_modalities(cls.merged_semi_train_cfg(model))
        return seen['primary'] + (seen['auxiliary'] if model.get(
            'evaluate_auxiliary') else [])

    def networks(self) -> Dict[str, nn.Module]:
        return dict(primary=self.primary, auxiliary=self.auxiliary)

    def loss_prefix(self, network: str) -> str:
        return 'aux_' if network == 'auxiliary' else super().loss_prefix(
            network)

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Predict with ``primary``; with ``evaluate_auxiliary`` also store
        the auxiliary's scores in each sample's ``aux_pred_score``."""
        if not self.evaluate_auxiliary:
            return super().predict(inputs, data_samples)
        aux = self.auxiliary.predict(self.network_inputs('auxiliary', inputs),
                                     copy.deepcopy(data_samples))
        samples = super().predict(inputs, data_samples)
        for sample, aux_sample in zip(samples, aux):
            sample.set_field(aux_sample.pred_score, 'aux_pred_score')
        return samples
