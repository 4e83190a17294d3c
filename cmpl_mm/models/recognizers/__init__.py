from .cmpl import CMPLRecognizer
from .fixmatch import FixMatchRecognizer
from .mean_teacher import MeanTeacherRecognizer
from .nonfinite_guard import NonFiniteGuardMixin
from .semi_base import SemiBaseRecognizer
from .supervised import SupervisedRecognizer
from .uda import UDARecognizer

__all__ = [
    'SemiBaseRecognizer', 'NonFiniteGuardMixin', 'SupervisedRecognizer',
    'FixMatchRecognizer', 'CMPLRecognizer', 'MeanTeacherRecognizer',
    'UDARecognizer'
]
