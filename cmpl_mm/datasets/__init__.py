from .annotation_check import (AnnotationError, check_no_overlap,
                               read_annotation_list)
from .labeled_unlabeled_dataset import LabeledUnlabeledDataset
from .robust_datasets import (BadVideoError, BadVideoMixin,
                              RobustRawframeDataset,
                              RobustUnlabeledRawframeDataset,
                              RobustUnlabeledVideoDataset, RobustVideoDataset)
from .samplers import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .unlabeled_dataset import (MONITOR_LABEL_KEY, UnlabeledRawframeDataset,
                                UnlabeledVideoDataset)

__all__ = [
    'LabeledUnlabeledDataset', 'UnlabeledVideoDataset',
    'UnlabeledRawframeDataset', 'MONITOR_LABEL_KEY', 'RobustVideoDataset',
    'RobustUnlabeledVideoDataset', 'RobustRawframeDataset',
    'RobustUnlabeledRawframeDataset', 'BadVideoMixin', 'BadVideoError',
    'AnnotationError', 'read_annotation_list', 'check_no_overlap'
]
