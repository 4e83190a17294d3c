from ..pseudo_label.base_loss import BasePseudoLabelLoss
from .pseudo_label_loss import PseudoLabelCrossEntropy
from .soft_pseudo_label_loss import (SoftPseudoLabelCrossEntropy,
                                     SoftPseudoLabelMSE)

__all__ = [
    'BasePseudoLabelLoss', 'PseudoLabelCrossEntropy', 'SoftPseudoLabelCrossEntropy',
    'SoftPseudoLabelMSE'
]
