from ..pseudo_label.base_loss import BasePseudoLabelLoss
from .cross_modal_alignment import CrossModalAlignmentLoss
from .cross_modal_contrastive import CrossModalContrastiveLoss
from .pseudo_label_loss import PseudoLabelCrossEntropy
from .soft_pseudo_label_loss import (SoftPseudoLabelCrossEntropy,
                                     SoftPseudoLabelMSE)

__all__ = [
    'CrossModalAlignmentLoss', 'CrossModalContrastiveLoss',
    'BasePseudoLabelLoss', 'PseudoLabelCrossEntropy', 'SoftPseudoLabelCrossEntropy',
    'SoftPseudoLabelMSE'
]
