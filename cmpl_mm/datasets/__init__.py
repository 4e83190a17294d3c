from .annotation_check import (AnnotationError, check_no_overlap,
                               read_annotation_list)
from .dataset_wrappers import SourceDatasetWrapper, source_config
from .labeled_unlabeled_dataset import LabeledUnlabeledDataset
from .robust_datasets import (BadVideoError, RobustDataset,
                              RobustRawframeDataset,
                              RobustUnlabeledRawframeDataset,
                              RobustUnlabeledVideoDataset, RobustVideoDataset)
from .sample_seeding import DrawIndex, seeded_random, sub_random
from .samplers import *  # noqa: F401,F403
from .transforms import *  # noqa: F401,F403
from .unlabeled_dataset import (MONITOR_LABEL_KEY, UnlabeledDataset,
                                UnlabeledRawframeDataset,
                                UnlabeledVideoDataset)

__all__ = [
    'LabeledUnlabeledDataset', 'UnlabeledDataset', 'RobustDataset',
    'SourceDatasetWrapper', 'source_config', 'MONITOR_LABEL_KEY',
    'BadVideoError', 'AnnotationError', 'read_annotation_list',
    'check_no_overlap', 'UnlabeledVideoDataset', 'UnlabeledRawframeDataset',
    'RobustVideoDataset', 'RobustUnlabeledVideoDataset',
    'RobustRawframeDataset', 'RobustUnlabeledRawframeDataset', 'DrawIndex',
    'seeded_random', 'sub_random'
]
