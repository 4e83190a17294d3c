from .pseudo_label_loss import PseudoLabelCrossEntropy
from .soft_pseudo_label_loss import (SoftPseudoLabelCrossEntropy,
                                     SoftPseudoLabelMSE)

__all__ = [
    'PseudoLabelCrossEntropy', 'SoftPseudoLabelCrossEntropy',
    'SoftPseudoLabelMSE'
]
