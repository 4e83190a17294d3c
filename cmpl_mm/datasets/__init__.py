from .labeled_unlabeled_dataset import LabeledUnlabeledDataset
from .samplers import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .unlabeled_dataset import (MONITOR_LABEL_KEY, UnlabeledRawframeDataset,
                                UnlabeledVideoDataset)

__all__ = [
    'LabeledUnlabeledDataset', 'UnlabeledVideoDataset',
    'UnlabeledRawframeDataset', 'MONITOR_LABEL_KEY'
]
