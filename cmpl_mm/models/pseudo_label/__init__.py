"""Pseudo-labeling as parts: who teaches, what is fitted, how much each
clip counts, and how the fit is measured (losses live in ``..losses``)."""
from .alignment import BaseAlignment, NoAlignment
from .ema_network import EMANetwork
from .masks import AllClips, BaseMask, FixedThreshold
from .pseudo_labeler import PART_KINDS, PseudoLabeler, build_pseudo_labelers
from .record import (PseudoLabelRecord, StudentRecord, publish_record,
                     take_record)
from .targets import BaseTarget, HardTarget, SoftTarget
from .teachers import BaseTeacher, EMATeacher, LiveTeacher

__all__ = [
    'BaseAlignment', 'NoAlignment', 'EMANetwork', 'BaseMask', 'FixedThreshold', 'AllClips', 'PART_KINDS',
    'PseudoLabeler', 'build_pseudo_labelers', 'PseudoLabelRecord',
    'StudentRecord', 'publish_record', 'take_record', 'BaseTarget',
    'HardTarget', 'SoftTarget', 'BaseTeacher', 'EMATeacher', 'LiveTeacher'
]
