"""An infinite sampler that mixes labeled and unlabeled samples per batch."""
import numbers
from typing import Iterator, List, Optional, Sized

import torch
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmaction.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

from ..sample_seeding import DrawIndex


@DATA_SAMPLERS.register_module()
class LabeledUnlabeledRatioSampler(Sampler):
    """Yield indices so every batch holds ``B`` labeled + ``mu * B`` unlabeled.

    ``dataset`` is a ``ConcatDataset`` of ``[labeled, unlabeled]`` (or of
    ``[labeled]`` alone when ``mu == 0``). The index stream is a sequence of
    batches, each ``B`` labeled indices followed by ``mu * B`` unlabeled
    ones, so the dataloader's ``batch_size`` must be ``B * (1 + mu)``.

    Both subsets are reshuffled every pass (the labeled set, being smaller,
    cycles more often). Under DDP every rank draws the same permutation and
    takes every ``world_size``-th index, so ranks see disjoint samples within
    a pass. :meth:`skip_batches` moves the stream to a resumed iteration
    without loading data (used by ``FastResumeIterBasedTrainLoop``).

    Each index is a :class:`~cmpl_mm.datasets.sample_seeding.DrawIndex`
    carrying ``seed`` and its pass number, from which
    ``LabeledUnlabeledDataset`` seeds the sample's augmentation: a sample's
    augmentation then depends on (seed, index, pass) only, not on the
    worker that loads it, a resume, or the number of ranks.

    Args:
        dataset (ConcatDataset): ``[labeled, unlabeled]`` datasets.
        labeled_batch_size (int): ``B``, labeled samples per batch per rank.
        mu (int): Unlabeled samples per labeled sample. Defaults to 1.
        shuffle (bool): Shuffle each pass. Defaults to True.
        seed (int, optional): Shared random seed; synced across ranks when
            None. Defaults to None.
    """

    #: the indices carry an augmentation key (see ``DrawIndex``)
    seeds_samples = True

    def __init__(self,
                 dataset: Sized,
                 labeled_batch_size: int,
                 mu: int = 1,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        if not isinstance(dataset, ConcatDataset):
            raise TypeError('LabeledUnlabeledRatioSampler needs a '
                            'ConcatDataset of [labeled, unlabeled], got '
                            f'{type(dataset).__name__}')
        if int(labeled_batch_size) < 1:
            raise ValueError('labeled_batch_size must be a positive integer, '
                             f'got {labeled_batch_size}')
        if int(mu) < 0 or int(mu) != mu:
            raise ValueError(f'mu must be a non-negative integer, got {mu}')
        expected = 2 if mu > 0 else 1
        if len(dataset.datasets) != expected:
            raise ValueError(
                f'with mu={mu} the ConcatDataset must hold {expected} '
                f'dataset(s) ([labeled{", unlabeled" if mu else ""}]), got '
                f'{len(dataset.datasets)}')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.labeled_batch_size = int(labeled_batch_size)
        self.mu = int(mu)
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.sizes = [len(d) for d in dataset.datasets]
        self.offsets = [0] + list(dataset.cumulative_sizes[:-1])
        for name, size in zip(('labeled', 'unlabeled'), self.sizes):
            if size < self.world_size:
                raise ValueError(
                    f'the {name} dataset has {size} samples, fewer than the '
                    f'{self.world_size} ranks')
        self.batches_yielded = 0

    @property
    def batch_size(self) -> int:
        """Total samples per batch per rank: ``B * (1 + mu)``."""
        return self.labeled_batch_size * (1 + self.mu)

    def _subset_stream(self, subset: int) -> Iterator[int]:
        """Endless indices of one subset, for this rank, pass after pass."""
        size, offset = self.sizes[subset], self.offsets[subset]
        epoch = 0
        while True:
            if self.shuffle:
                g = torch.Generator()
                g.manual_seed(self.seed + 1000003 * subset + epoch)
                order = torch.randperm(size, generator=g).tolist()
            else:
                order = list(range(size))
            # equal share per rank: drop the tail that does not divide
            usable = size - size % self.world_size
            for i in order[self.rank:usable:self.world_size]:
                yield DrawIndex(offset + i, self.seed, epoch)
            epoch += 1

    def __iter__(self) -> Iterator[int]:
        labeled = self._subset_stream(0)
        unlabeled = self._subset_stream(1) if self.mu else iter(())
        n_unlabeled = self.labeled_batch_size * self.mu
        # fast-forward to the resumed position without loading any data
        for _ in range(self.batches_yielded * self.labeled_batch_size):
            next(labeled)
        for _ in range(self.batches_yielded * n_unlabeled):
            next(unlabeled)
        while True:
            for _ in range(self.labeled_batch_size):
                yield next(labeled)
            for _ in range(n_unlabeled):
                yield next(unlabeled)

    def __len__(self) -> int:
        """Samples per rank in one pass over the unlabeled (or labeled) set."""
        subset = 1 if self.mu else 0
        per_rank = self.sizes[subset] // self.world_size
        per_batch = self.labeled_batch_size * (self.mu or 1)
        return (per_rank // per_batch) * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Unused: the stream is infinite (mmengine calls it anyway)."""

    def skip_batches(self, num_batches: int) -> None:
        """Resume the stream after ``num_batches`` already-trained batches."""
        self.batches_yielded = int(num_batches)


def _is_count(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def ratio_sampler_problems(cfg) -> List[str]:
    """Problems of a config's ``LabeledUnlabeledRatioSampler`` settings:
    ``labeled_batch_size`` a positive integer, ``mu`` a non-negative integer,
    ``train_dataloader.batch_size == labeled_batch_size * (1 + mu)``, and an
    unlabeled dataset exactly when ``mu > 0``.

    Args:
        cfg (mmengine.Config | dict): The training config.
    """
    loader = cfg.get('train_dataloader')
    if not isinstance(loader, dict):
        return []
    sampler = loader.get('sampler')
    if not isinstance(sampler, dict) or 'labeled_batch_size' not in sampler:
        return []
    problems = []
    key = 'train_dataloader.sampler'
    batch, mu = sampler.get('labeled_batch_size'), sampler.get('mu', 1)
    batch_ok = _is_count(batch) and batch >= 1
    mu_ok = _is_count(mu) and mu >= 0
    if not batch_ok:
        problems.append(f'{key}.labeled_batch_size={batch!r}: must be a '
                        'positive integer (labeled clips per batch per GPU)')
    if not mu_ok:
        problems.append(f'{key}.mu={mu!r}: must be a non-negative integer '
                        '(unlabeled clips per labeled clip)')
    if batch_ok and mu_ok:
        expected = batch * (1 + mu)
        if loader.get('batch_size') != expected:
            problems.append(
                f"train_dataloader.batch_size={loader.get('batch_size')!r} "
                f'must equal {key}.labeled_batch_size * (1 + {key}.mu) = '
                f'{batch} * (1 + {mu}) = {expected}')
        dataset = loader.get('dataset')
        if isinstance(dataset, dict) and 'labeled' in dataset:
            has_unlabeled = dataset.get('unlabeled') is not None
            if mu > 0 and not has_unlabeled:
                problems.append(
                    f'{key}.mu={mu} needs unlabeled data, but '
                    'train_dataloader.dataset.unlabeled is None (set mu=0 '
                    'for supervised training)')
            elif mu == 0 and has_unlabeled:
                problems.append(
                    f'{key}.mu=0 draws no unlabeled clips, but '
                    'train_dataloader.dataset.unlabeled is set (set it to '
                    'None, or mu > 0)')
    return problems
