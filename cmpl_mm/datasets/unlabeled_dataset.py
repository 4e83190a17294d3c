"""Datasets of unlabeled videos for semi-supervised training.

A label found in the list file is moved to ``MONITOR_LABEL_KEY`` and the
``label`` key is removed, so ``PackActionInputs`` never sets ``gt_label``.
:class:`~cmpl_mm.datasets.transforms.MultiView` packs the monitoring label
next to (not inside) ``inputs`` / ``data_samples``; the data preprocessor
drops it, so it can reach hooks (pseudo-label precision) but never a loss.
Lists without a label column work too (monitoring label ``-1``).
"""
from typing import List

from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.registry import DATASETS

MONITOR_LABEL_KEY = 'monitor_only_gt_label'


def hide_labels(data_list: List[dict]) -> List[dict]:
    """Move every ``label`` of ``data_list`` to ``MONITOR_LABEL_KEY``."""
    for info in data_list:
        label = info.pop('label', -1)
        info[MONITOR_LABEL_KEY] = label if isinstance(label, int) else -1
    return data_list


@DATASETS.register_module()
class UnlabeledVideoDataset(VideoDataset):
    """A :class:`mmaction.datasets.VideoDataset` whose labels are hidden.

    Takes the arguments of ``VideoDataset``; the list file may have one
    column (``path``) or two (``path label``, label kept for monitoring).
    """

    def load_data_list(self) -> List[dict]:
        return hide_labels(super().load_data_list())


@DATASETS.register_module()
class UnlabeledRawframeDataset(RawframeDataset):
    """A :class:`mmaction.datasets.RawframeDataset` whose labels are hidden.

    Takes the arguments of ``RawframeDataset``; list lines are
    ``frame_dir total_frames [label]``.
    """

    def load_data_list(self) -> List[dict]:
        return hide_labels(super().load_data_list())
