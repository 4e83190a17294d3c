"""Unlabeled videos for semi-supervised training: any dataset, labels hidden.

A label found in the list file is moved to ``MONITOR_LABEL_KEY`` and the
``label`` key is removed, so ``PackActionInputs`` never sets ``gt_label``.
:class:`~cmpl_mm.datasets.transforms.MultiView` packs the monitoring label
next to (not inside) ``inputs`` / ``data_samples``; the data preprocessor
drops it, so it can reach hooks (pseudo-label precision) but never a loss.
Lists without a label column work too (monitoring label ``-1``).

:class:`UnlabeledDataset` hides the labels of any source dataset;
:class:`~.robust_datasets.RobustDataset` does the same with
``hide_labels=True`` next to its bad-video handling. The types
``UnlabeledVideoDataset`` and ``UnlabeledRawframeDataset`` of earlier
versions still build (``UnlabeledDataset`` with ``dataset='VideoDataset'`` /
``'RawframeDataset'``) and warn once that they are deprecated.
"""
from mmaction.registry import DATASETS

from .dataset_wrappers import (MONITOR_LABEL_KEY, SourceDatasetWrapper,
                               deprecated_alias)

__all__ = [
    'MONITOR_LABEL_KEY', 'UnlabeledDataset', 'UnlabeledVideoDataset',
    'UnlabeledRawframeDataset'
]


@DATASETS.register_module()
class UnlabeledDataset(SourceDatasetWrapper):
    """A dataset whose labels are hidden (kept for monitoring only).

    Examples:
        >>> dict(type='UnlabeledDataset', dataset='VideoDataset',
        ...      ann_file='unlabeled.txt', pipeline=[...])
        >>> dict(type='UnlabeledDataset',
        ...      dataset=dict(type='RawframeDataset', ann_file=...))

    Args:
        dataset (dict | str | BaseDataset): The source dataset (see
            :class:`~.dataset_wrappers.SourceDatasetWrapper`). With
            MMAction2's ``VideoDataset`` the list may have one column
            (``path``) or two (``path label``); with ``RawframeDataset``,
            ``frame_dir total_frames [label]``.
        lazy_init (bool): Defer loading the list. Defaults to False.
        **dataset_kwargs: The source's arguments with ``dataset`` a type
            name.
    """

    def __init__(self, dataset, lazy_init: bool = False,
                 **dataset_kwargs) -> None:
        super().__init__(
            dataset, hide_labels=True, lazy_init=lazy_init, **dataset_kwargs)


# the dataset types of earlier versions
UnlabeledVideoDataset = deprecated_alias(
    'UnlabeledVideoDataset', UnlabeledDataset, dataset='VideoDataset')
UnlabeledRawframeDataset = deprecated_alias(
    'UnlabeledRawframeDataset', UnlabeledDataset, dataset='RawframeDataset')
