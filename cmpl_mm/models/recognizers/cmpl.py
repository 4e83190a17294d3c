"""Cross-Model Pseudo-Labeling (Xu et al., CVPR 2022)."""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class CMPLRecognizer(SemiBaseRecognizer):
    """A primary and a lightweight auxiliary network label each other.

    Both networks get the supervised loss on labeled clips. On unlabeled
    clips the auxiliary's confident weak-view prediction is the target for
    the primary's strong view, and the primary's for the auxiliary's.
    Only ``primary`` is used for validation, test and export.

    Args:
        primary (dict): Config of the deployed recognizer.
        auxiliary (dict): Config of the auxiliary recognizer (by default a
            1/4-width 3D ResNet). Its ``cls_head.num_classes`` may be left
            out: it is taken from ``primary``; if given, it must match.
        evaluate_auxiliary (bool): Also predict with the auxiliary in
            ``predict`` mode and store its scores as ``aux_pred_score``, for
            ``AuxiliaryAccMetric``. Defaults to False.
        **kwargs: Other arguments of :class:`SemiBaseRecognizer`;
            ``semi_train_cfg`` may give ``threshold`` / ``unsup_weight`` as
            ``dict(primary=..., auxiliary=...)``, keyed by the network taught.
    """

    def __init__(self,
                 primary: dict,
                 auxiliary: dict,
                 evaluate_auxiliary: bool = False,
                 **kwargs: Optional[dict]) -> None:
        super().__init__(primary=primary, **kwargs)
        self.evaluate_auxiliary = evaluate_auxiliary
        auxiliary = copy.deepcopy(auxiliary)
        head = auxiliary.setdefault('cls_head', {})
        num_classes = primary['cls_head']['num_classes']
        if head.setdefault('num_classes', num_classes) != num_classes:
            raise ValueError(
                'model.auxiliary.cls_head.num_classes='
                f"{head['num_classes']} differs from "
                f'model.primary.cls_head.num_classes={num_classes}; CMPL '
                'needs the same classes in both networks (leave the '
                "auxiliary's out to inherit the primary's)")
        self.auxiliary = MODELS.build(auxiliary)

    def networks(self) -> Dict[str, nn.Module]:
        return dict(primary=self.primary, auxiliary=self.auxiliary)

    def pseudo_label_sources(self) -> Dict[str, str]:
        return dict(primary='auxiliary', auxiliary='primary')

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Predict with ``primary``; with ``evaluate_auxiliary`` also store
        the auxiliary's scores in each sample's ``aux_pred_score``."""
        if not self.evaluate_auxiliary:
            return super().predict(inputs, data_samples)
        aux = self.auxiliary.predict(inputs, copy.deepcopy(data_samples))
        samples = super().predict(inputs, data_samples)
        for sample, aux_sample in zip(samples, aux):
            sample.set_field(aux_sample.pred_score, 'aux_pred_score')
        return samples
