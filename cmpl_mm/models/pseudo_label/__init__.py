"""Pseudo-labeling as parts: who teaches, what is fitted, how much each
clip counts, and how the fit is measured (losses live in ``..losses``)."""
from .alignment import BaseAlignment, NoAlignment
from .base_loss import BasePseudoLabelLoss
from .base_part import BasePart
from .context import StepContext
from .dash import DashThreshold
from .distribution_alignment import DistributionAlignment
from .ema_network import EMANetwork
from .flexmatch import FlexMatchThreshold
from .freematch import FreeMatchThreshold
from .masks import AllClips, BaseMask, FixedThreshold
from .mixing import (BaseMix, MixDraw, MixupClips, NoMix, TubeCutMix,
                     TubeTokenMix)
from .pseudo_labeler import PART_KINDS, PseudoLabeler, build_pseudo_labelers
from .schedules import (BaseWeightSchedule, ConstantWeight, LinearRampUp,
                        SigmoidRampUp, build_weight_schedule)
from .softmatch import SoftMatchWeight
from .record import (PseudoLabelRecord, StudentRecord, publish_record,
                     take_record)
from .targets import BaseTarget, HardTarget, SoftTarget
from .teachers import BaseTeacher, EMATeacher, LiveTeacher

__all__ = [
    'BasePart', 'BasePseudoLabelLoss', 'StepContext', 'BaseMix', 'MixDraw',
    'MixupClips', 'NoMix', 'TubeCutMix', 'TubeTokenMix',
    'BaseWeightSchedule', 'ConstantWeight',
    'LinearRampUp', 'SigmoidRampUp', 'build_weight_schedule',
    'BaseAlignment', 'NoAlignment', 'EMANetwork', 'BaseMask', 'FixedThreshold', 'AllClips', 'PART_KINDS',
    'PseudoLabeler', 'build_pseudo_labelers', 'PseudoLabelRecord',
    'StudentRecord', 'publish_record', 'take_record', 'BaseTarget',
    'HardTarget', 'SoftTarget', 'BaseTeacher', 'EMATeacher', 'LiveTeacher',
    'DistributionAlignment', 'FlexMatchThreshold', 'FreeMatchThreshold',
    'SoftMatchWeight', 'DashThreshold'
]
