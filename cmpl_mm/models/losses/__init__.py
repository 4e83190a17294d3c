from ..pseudo_label.base_loss import BasePseudoLabelLoss
from .cross_modal_alignment import CrossModalAlignmentLoss
from .pseudo_label_loss import PseudoLabelCrossEntropy
from .soft_pseudo_label_loss import (SoftPseudoLabelCrossEntropy,
                                     SoftPseudoLabelMSE)

__all__ = [
    'CrossModalAlignmentLoss',
    'BasePseudoLabelLoss', 'PseudoLabelCrossEntropy', 'SoftPseudoLabelCrossEntropy',
    'SoftPseudoLabelMSE'
]
