"""The training set of a semi-supervised run: labeled + unlabeled videos."""
from typing import Optional

from mmengine.dataset import ConcatDataset
from mmaction.registry import DATASETS
from torch.utils.data import get_worker_info

from .annotation_check import check_no_overlap
from .sample_seeding import draw_key, seeded_random


@DATASETS.register_module()
class LabeledUnlabeledDataset(ConcatDataset):
    """``ConcatDataset([labeled, unlabeled])`` with named parts.

    Naming the parts lets configs inherit and override them by key
    (``train_dataloader.dataset.labeled.ann_file=...``) instead of by list
    position. Indices ``[0, len(labeled))`` are labeled; the rest are
    unlabeled. Use with
    :class:`~cmpl_mm.datasets.samplers.LabeledUnlabeledRatioSampler`,
    whose indices carry an augmentation key: the sample's pipeline then
    runs with the random generators seeded from it (see
    :mod:`~cmpl_mm.datasets.sample_seeding`). A plain ``int`` index loads
    with the generators as they are.

    Args:
        labeled (dict): Config of the labeled dataset (e.g.
            ``RobustDataset`` of a ``VideoDataset``); its pipeline ends with
            ``MultiView``.
        unlabeled (dict, optional): Config of the unlabeled dataset (e.g.
            ``RobustDataset`` with ``hide_labels=True``, or
            ``UnlabeledDataset``). None for the supervised baseline.
            Defaults to None.
        lazy_init (bool): Defer loading the annotation files. Defaults to
            False.
        allow_overlap (bool): Allow a video in both parts. By default one
            is an error naming the file and line in both lists (checked
            when the lists are loaded). Defaults to False.
    """

    def __init__(self,
                 labeled: dict,
                 unlabeled: Optional[dict] = None,
                 lazy_init: bool = False,
                 allow_overlap: bool = False) -> None:
        self.allow_overlap = allow_overlap
        # as configs: ConcatDataset takes built parts only if they are
        # BaseDatasets, which the wrappers (RobustDataset, ...) are not
        parts = [labeled] + ([] if unlabeled is None else [unlabeled])
        super().__init__(parts, lazy_init=lazy_init)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        if self.unlabeled is not None and not self.allow_overlap:
            check_no_overlap(self.labeled, self.unlabeled)

    def __getitem__(self, idx: int) -> dict:
        key = draw_key(idx)
        if not key:
            return super().__getitem__(idx)
        # in a worker the generators serve the samples only: no restore
        with seeded_random(*key, restore=get_worker_info() is None):
            return super().__getitem__(int(idx))

    @property
    def labeled(self):
        return self.datasets[0]

    @property
    def unlabeled(self):
        return self.datasets[1] if len(self.datasets) > 1 else None
