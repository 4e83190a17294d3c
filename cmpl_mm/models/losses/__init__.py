from .pseudo_label_loss import PseudoLabelCrossEntropy

__all__ = ['PseudoLabelCrossEntropy']
