"""Unsupervised Data Augmentation (Xie et al., NeurIPS 2020) for video."""
from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class UDARecognizer(SemiBaseRecognizer):
    """``primary``'s weak-view distribution, sharpened at temperature 0.4,
    supervises its strong view wherever its top probability reaches the
    confidence mask (UDA's 0.8; set ``semi_train_cfg.threshold``), with a
    soft-target cross-entropy.

    Takes the arguments of :class:`SemiBaseRecognizer`.
    """

    teachers = dict(primary='primary')
    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        threshold=0.8,
        target=dict(type='SoftTarget', temperature=0.4),
        loss=dict(type='SoftPseudoLabelCrossEntropy'))
