from .cmpl import CMPLRecognizer
from .fixmatch import FixMatchRecognizer
from .semi_base import SemiBaseRecognizer
from .supervised import SupervisedRecognizer

__all__ = [
    'SemiBaseRecognizer', 'SupervisedRecognizer', 'FixMatchRecognizer',
    'CMPLRecognizer'
]
