"""Cross-Model Pseudo-Labeling (Xu et al., CVPR 2022)."""
import copy
from typing import Dict, Optional

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
        **kwargs: Other arguments of :class:`SemiBaseRecognizer`;
            ``semi_train_cfg`` may give ``threshold`` / ``unsup_weight`` as
            ``dict(primary=..., auxiliary=...)``, keyed by the network taught.
    """

    def __init__(self, primary: dict, auxiliary: dict,
                 **kwargs: Optional[dict]) -> None:
        super().__init__(primary=primary, **kwargs)
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
