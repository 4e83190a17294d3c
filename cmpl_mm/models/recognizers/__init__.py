from .algorithms import CONFIG_ONLY_ALGORITHMS, algorithm_classes
from .cmpl import CMPLRecognizer
from .dash import DashRecognizer
from .fixmatch import FixMatchRecognizer
from .flexmatch import FlexMatchRecognizer
from .freematch import FreeMatchRecognizer
from .ltg import LTGRecognizer
from .mean_teacher import MeanTeacherRecognizer
from .mvpl import MvPLRecognizer
from .nonfinite_guard import NonFiniteGuardMixin
from .semi_base import SemiBaseRecognizer
from .softmatch import SoftMatchRecognizer
from .supervised import SupervisedRecognizer
from .svformer import SVFormerRecognizer
from .uda import UDARecognizer

__all__ = [
    'SemiBaseRecognizer', 'NonFiniteGuardMixin', 'SupervisedRecognizer',
    'FixMatchRecognizer', 'CMPLRecognizer', 'MeanTeacherRecognizer',
    'UDARecognizer', 'FlexMatchRecognizer', 'FreeMatchRecognizer',
    'SoftMatchRecognizer', 'DashRecognizer', 'MvPLRecognizer', 'LTGRecognizer',
    'SVFormerRecognizer'
]
