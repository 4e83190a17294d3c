"""Tests of the semi-supervised data path on real (generated) videos.

Decode once per unlabeled sample, hidden labels, the labeled/unlabeled ratio
sampler and a real ``Runner.build_dataloader`` batch through the
``MultiViewDataPreprocessor``.
"""
import copy
import itertools
import os.path as osp

import decord
import numpy as np
import pytest
import torch

import cmpl_mm  # noqa: F401  (compat layer + registration)
from cmpl_mm.datasets import MONITOR_LABEL_KEY
from cmpl_mm.datasets.samplers import LabeledUnlabeledRatioSampler
from cmpl_mm.datasets.samplers import ratio_sampler as ratio_sampler_module
from cmpl_mm.datasets.semi_split import build_semi_split
from cmpl_mm.datasets.synthetic_videos import generate_dataset
from mmengine.config import Config
from mmengine.dataset import BaseDataset, ConcatDataset
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmaction.registry import DATASETS, MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO_ROOT, 'configs', 'cmpl_r3d18q_synthetic.py')
NUM_CLASSES = 4


@pytest.fixture(autouse=True)
def mmaction_scope():
    """Build by type name in mmaction's registries, whatever ran before."""
    init_default_scope('mmaction')


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """4 classes x 6 train videos (16 frames, 64 px), 2 labeled per class."""
    root = str(tmp_path_factory.mktemp('data_path'))
    generate_dataset(
        root,
        seed=0,
        num_classes=NUM_CLASSES,
        videos_per_class=6,
        val_per_class=2,
        num_frames=16,
        size=64,
        show_progress=False)
    semi = osp.join(root, 'semi')
    build_semi_split(
        osp.join(root, 'train.txt'), semi, seed=0, per_class=2)
    return dict(
        root=root,
        labeled=osp.join(semi, 'labeled.txt'),
        unlabeled=osp.join(semi, 'unlabeled.txt'))


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(CONFIG)


def read_list(path):
    """``[(relative path, label or None)]`` of a list file."""
    entries = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts:
                entries.append(
                    (parts[0], int(parts[1]) if len(parts) > 1 else None))
    return entries


def unlabeled_cfg(cfg, data, pipeline=None, ann_file=None):
    dataset = copy.deepcopy(cfg.train_dataloader.dataset.unlabeled)
    dataset.ann_file = ann_file or data['unlabeled']
    dataset.data_prefix = dict(video=data['root'])
    if pipeline is not None:
        dataset.pipeline = pipeline
    return dataset


def labeled_cfg(cfg, data):
    dataset = copy.deepcopy(cfg.train_dataloader.dataset.labeled)
    dataset.ann_file = data['labeled']
    dataset.data_prefix = dict(video=data['root'])
    return dataset


class DecordCalls:
    """Counts video openings and ``get_batch`` decodes."""

    def __init__(self, monkeypatch):
        self.opens = self.decodes = 0
        cls = decord.VideoReader
        orig_init, orig_get_batch = cls.__init__, cls.get_batch

        def counting_init(reader, *args, **kwargs):
            self.opens += 1
            return orig_init(reader, *args, **kwargs)

        def counting_get_batch(reader, *args, **kwargs):
            self.decodes += 1
            return orig_get_batch(reader, *args, **kwargs)

        monkeypatch.setattr(cls, '__init__', counting_init)
        monkeypatch.setattr(cls, 'get_batch', counting_get_batch)


def tweak_pipeline(pipeline, strong_ops=None, frame_interval=None):
    """Copy of an unlabeled pipeline: ``frame_inds`` and ``crop_bbox`` in
    the packed metainfo, optionally other RandAugment ops / frame step."""
    pipeline = copy.deepcopy(list(pipeline))
    meta_keys = ('img_shape', 'frame_inds', 'crop_bbox')
    for step in pipeline:
        if step['type'] == 'SampleFrames' and frame_interval is not None:
            step['frame_interval'] = frame_interval
    multi_view = pipeline[-1]
    assert multi_view['type'] == 'MultiView'
    for view in ('weak', 'strong'):
        for step in multi_view[view]:
            if step['type'] == 'PackActionInputs':
                step['meta_keys'] = meta_keys
            if step['type'] == 'VideoRandAugment' and strong_ops is not None:
                step['ops'] = strong_ops
    return pipeline


# ---------------------------------------------------------------------- #
# 1. one decode per unlabeled sample, weak and strong share the frames
# ---------------------------------------------------------------------- #
def test_one_decode_per_unlabeled_sample(cfg, data, monkeypatch):
    dataset = DATASETS.build(unlabeled_cfg(cfg, data))
    calls = DecordCalls(monkeypatch)
    for i in range(len(dataset)):
        opens, decodes = calls.opens, calls.decodes
        sample = dataset[i]
        assert calls.opens - opens == 1, f'sample {i}'
        assert calls.decodes - decodes == 1, f'sample {i}'
        assert sample['inputs']['weak'] is not None
        assert sample['inputs']['strong'] is not None
    assert calls.decodes == len(dataset) > 0


def test_labeled_sample_decodes_once_and_fills_only_sup(
        cfg, data, monkeypatch):
    dataset = DATASETS.build(labeled_cfg(cfg, data))
    entries = read_list(data['labeled'])
    calls = DecordCalls(monkeypatch)
    for i in range(len(dataset)):
        sample = dataset[i]
        assert calls.decodes == i + 1
        assert sample['inputs']['weak'] is None
        assert sample['inputs']['strong'] is None
        assert sample['inputs']['sup'].shape == (1, 3, 8, 56, 56)
        assert sample['data_samples']['sup'].gt_label.item() == \
            entries[i][1]
        assert sample[MONITOR_LABEL_KEY] == -1


def test_weak_and_strong_share_frame_inds_and_crop(cfg, data):
    # frame_interval=1: 9 possible clip offsets in a 16-frame video, so
    # independent sampling per view would disagree most of the time
    pipeline = tweak_pipeline(
        cfg.unlabeled_pipeline, frame_interval=1)
    dataset = DATASETS.build(unlabeled_cfg(cfg, data, pipeline))
    np.random.seed(0)
    seen_inds, seen_crops = set(), set()
    for _ in range(3):
        for i in range(len(dataset)):
            sample = dataset[i]
            weak = sample['data_samples']['weak'].metainfo
            strong = sample['data_samples']['strong'].metainfo
            np.testing.assert_array_equal(weak['frame_inds'],
                                          strong['frame_inds'])
            np.testing.assert_array_equal(weak['crop_bbox'],
                                          strong['crop_bbox'])
            seen_inds.add(tuple(weak['frame_inds'].tolist()))
            seen_crops.add(tuple(weak['crop_bbox'].tolist()))
    # the draws really are random, so the equality above means something
    assert len(seen_inds) > 3 and len(seen_crops) > 3


def test_identity_strong_view_equals_weak_view(cfg, data):
    pipeline = tweak_pipeline(
        cfg.unlabeled_pipeline, strong_ops=['Identity'], frame_interval=1)
    dataset = DATASETS.build(unlabeled_cfg(cfg, data, pipeline))
    np.random.seed(1)
    for i in range(len(dataset)):
        sample = dataset[i]
        weak, strong = sample['inputs']['weak'], sample['inputs']['strong']
        assert weak.dtype == torch.uint8 and weak.shape == (1, 3, 8, 56, 56)
        assert torch.equal(weak, strong), f'sample {i}'
        # separate buffers: augmenting one view must not touch the other
        assert weak.data_ptr() != strong.data_ptr()
    # and the real strong augmentation does change the clip
    dataset = DATASETS.build(
        unlabeled_cfg(cfg, data, tweak_pipeline(cfg.unlabeled_pipeline)))
    np.random.seed(2)
    differ = [
        not torch.equal(s['inputs']['weak'], s['inputs']['strong'])
        for s in (dataset[i] for i in range(len(dataset)))
    ]
    assert sum(differ) >= len(differ) // 2


# ---------------------------------------------------------------------- #
# 2. hidden labels
# ---------------------------------------------------------------------- #
def test_unlabeled_samples_hide_the_label(cfg, data):
    dataset = DATASETS.build(unlabeled_cfg(cfg, data))
    entries = read_list(data['unlabeled'])
    assert len(dataset) == len(entries) == NUM_CLASSES * 4
    for i, (path, label) in enumerate(entries):
        info = dataset.get_data_info(i)
        assert info['filename'] == osp.join(data['root'], path)
        assert 'label' not in info
        sample = dataset[i]
        assert set(sample) == {'inputs', 'data_samples', MONITOR_LABEL_KEY}
        assert sample['inputs']['sup'] is None
        assert sample['data_samples']['sup'] is None
        for view in ('weak', 'strong'):
            data_sample = sample['data_samples'][view]
            assert 'gt_label' not in data_sample
            assert not hasattr(data_sample, 'gt_label')
            assert MONITOR_LABEL_KEY not in data_sample
            assert MONITOR_LABEL_KEY not in data_sample.metainfo
        assert sample[MONITOR_LABEL_KEY] == label
        assert isinstance(sample[MONITOR_LABEL_KEY], int)


def test_unlabeled_list_without_label_column(cfg, data, tmp_path):
    entries = read_list(data['unlabeled'])
    ann_file = tmp_path / 'paths_only.txt'
    ann_file.write_text(''.join(f'{path}\n' for path, _ in entries))
    dataset = DATASETS.build(
        unlabeled_cfg(cfg, data, ann_file=str(ann_file)))
    assert len(dataset) == len(entries)
    for i in (0, len(dataset) - 1):
        assert dataset.get_data_info(i)[MONITOR_LABEL_KEY] == -1
        sample = dataset[i]
        assert sample[MONITOR_LABEL_KEY] == -1
        for view in ('weak', 'strong'):
            assert 'gt_label' not in sample['data_samples'][view]
            assert sample['inputs'][view].shape == (1, 3, 8, 56, 56)


# ---------------------------------------------------------------------- #
# 3. ratio sampler
# ---------------------------------------------------------------------- #
class ToyDataset(BaseDataset):
    """``n`` items, no files."""

    def __init__(self, n):
        self.n = n
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [dict(i=i) for i in range(self.n)]


def toy_concat(*sizes):
    return ConcatDataset([ToyDataset(n) for n in sizes])


def take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def batches(sampler, n):
    stream = take(sampler, n * sampler.batch_size)
    bs = sampler.batch_size
    return [stream[k * bs:(k + 1) * bs] for k in range(n)]


@pytest.mark.parametrize('B,mu', [(1, 1), (2, 3), (3, 2), (4, 7), (5, 1)])
def test_sampler_batch_composition(B, mu):
    n_lab, n_unl = 7, 40
    dataset = toy_concat(n_lab, n_unl)
    sampler = LabeledUnlabeledRatioSampler(
        dataset, labeled_batch_size=B, mu=mu, seed=3)
    assert sampler.batch_size == B * (1 + mu)
    for batch in batches(sampler, 25):
        assert len(batch) == B * (1 + mu)
        assert all(0 <= i < n_lab for i in batch[:B])
        assert all(n_lab <= i < n_lab + n_unl for i in batch[B:])


@pytest.mark.parametrize('B', [1, 2, 3])
def test_sampler_mu_zero_labeled_only(B):
    dataset = toy_concat(5)
    sampler = LabeledUnlabeledRatioSampler(
        dataset, labeled_batch_size=B, mu=0, seed=0)
    assert sampler.batch_size == B
    stream = take(sampler, 12 * B)
    assert len(stream) == 12 * B and all(0 <= i < 5 for i in stream)
    assert len(sampler) == (5 // B) * B


def test_sampler_mu_zero_on_labeled_only_dataset(cfg, data):
    # the supervised baseline: LabeledUnlabeledDataset(unlabeled=None)
    dataset = DATASETS.build(
        dict(type='LabeledUnlabeledDataset',
             labeled=labeled_cfg(cfg, data), unlabeled=None))
    assert isinstance(dataset, ConcatDataset) and dataset.unlabeled is None
    sampler = LabeledUnlabeledRatioSampler(
        dataset, labeled_batch_size=3, mu=0, seed=0)
    stream = take(sampler, 3 * len(dataset))
    assert sorted(stream) == sorted(list(range(len(dataset))) * 3)


@pytest.mark.parametrize('shuffle', [True, False])
def test_sampler_labeled_indices_cycle(shuffle):
    n_lab, B, mu = 5, 3, 2
    dataset = toy_concat(n_lab, 50)
    sampler = LabeledUnlabeledRatioSampler(
        dataset, labeled_batch_size=B, mu=mu, shuffle=shuffle, seed=7)
    n_batches = 4 * n_lab  # many more batches than labeled samples
    labeled = [i for batch in batches(sampler, n_batches)
               for i in batch[:B]]
    assert set(labeled) == set(range(n_lab))
    counts = [0] * n_lab
    for k, i in enumerate(labeled):
        counts[i] += 1
        assert max(counts) - min(counts) <= 1, f'after {k + 1} draws'
    passes = [tuple(labeled[p:p + n_lab])
              for p in range(0, len(labeled) - n_lab + 1, n_lab)]
    for order in passes:  # every pass is a permutation
        assert sorted(order) == list(range(n_lab))
    assert (len(set(passes)) > 1) == shuffle  # reshuffled every pass


def test_sampler_unlabeled_pass_covers_each_index_once():
    n_lab, n_unl, B, mu = 4, 30, 2, 3
    sampler = LabeledUnlabeledRatioSampler(
        toy_concat(n_lab, n_unl), labeled_batch_size=B, mu=mu, seed=1)
    unlabeled = [i for batch in batches(sampler, 10) for i in batch[B:]]
    first_pass = unlabeled[:n_unl]
    assert sorted(first_pass) == list(range(n_lab, n_lab + n_unl))


@pytest.mark.parametrize('n_unl', [30, 31])
def test_sampler_two_ranks_disjoint(monkeypatch, n_unl):
    n_lab, B, mu, world = 6, 1, 3, 2
    dataset = toy_concat(n_lab, n_unl)
    streams = {}
    for rank in range(world):
        monkeypatch.setattr(ratio_sampler_module, 'get_dist_info',
                            lambda rank=rank: (rank, world))
        sampler = LabeledUnlabeledRatioSampler(
            dataset, labeled_batch_size=B, mu=mu, seed=11)
        assert (sampler.rank, sampler.world_size) == (rank, world)
        streams[rank] = batches(sampler, 20)
    per_rank_unl = n_unl // world
    per_rank_lab = n_lab // world
    unl = {r: [i for b in s for i in b[B:]][:per_rank_unl]
           for r, s in streams.items()}
    lab = {r: [i for b in s for i in b[:B]][:per_rank_lab]
           for r, s in streams.items()}
    for part, size in ((unl, per_rank_unl), (lab, per_rank_lab)):
        assert all(len(set(v)) == size for v in part.values())
        assert not set(part[0]) & set(part[1])
    assert set(unl[0]) | set(unl[1]) <= set(range(n_lab, n_lab + n_unl))
    assert len(set(unl[0]) | set(unl[1])) == world * per_rank_unl


@pytest.mark.parametrize('skip', [0, 1, 4, 9])
def test_sampler_skip_batches_resumes_exactly(skip):
    B, mu, more = 3, 2, 6
    dataset = toy_concat(5, 17)  # small: skipping crosses pass boundaries
    full = LabeledUnlabeledRatioSampler(
        dataset, labeled_batch_size=B, mu=mu, seed=5)
    bs = full.batch_size
    reference = take(full, (skip + more) * bs)
    resumed = LabeledUnlabeledRatioSampler(
        dataset, labeled_batch_size=B, mu=mu, seed=5)
    resumed.skip_batches(skip)
    assert take(resumed, more * bs) == reference[skip * bs:]
    # a fresh iterator of the same sampler resumes at the same place
    assert take(resumed, bs) == reference[skip * bs:(skip + 1) * bs]


def test_sampler_bad_arguments():
    dataset = toy_concat(4, 8)
    with pytest.raises(ValueError, match='mu must be a non-negative int'):
        LabeledUnlabeledRatioSampler(dataset, labeled_batch_size=2, mu=-1)
    with pytest.raises(ValueError, match='mu must be a non-negative int'):
        LabeledUnlabeledRatioSampler(dataset, labeled_batch_size=2, mu=1.5)
    with pytest.raises(ValueError, match='labeled_batch_size must be a pos'):
        LabeledUnlabeledRatioSampler(dataset, labeled_batch_size=0, mu=1)
    with pytest.raises(TypeError, match='ConcatDataset'):
        LabeledUnlabeledRatioSampler(ToyDataset(4), labeled_batch_size=2)
    with pytest.raises(ValueError, match='ConcatDataset must hold 2'):
        LabeledUnlabeledRatioSampler(toy_concat(4), labeled_batch_size=2,
                                     mu=1)


# ---------------------------------------------------------------------- #
# 4. a real dataloader batch through the data preprocessor
# ---------------------------------------------------------------------- #
def test_runner_dataloader_batch_through_preprocessor(cfg, data):
    cfg = copy.deepcopy(cfg)
    loader_cfg = cfg.train_dataloader
    for part in ('labeled', 'unlabeled'):
        loader_cfg.dataset[part].ann_file = data[part]
        loader_cfg.dataset[part].data_prefix.video = data['root']
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    B = loader_cfg.sampler.labeled_batch_size
    mu = loader_cfg.sampler.mu
    assert loader_cfg.batch_size == B * (1 + mu) and mu >= 1

    loader = Runner.build_dataloader(loader_cfg, seed=0)
    assert isinstance(loader.sampler, LabeledUnlabeledRatioSampler)
    batch = next(iter(loader))
    indices = take(loader.sampler, B * (1 + mu))  # the batch's indices
    n_lab = len(loader.dataset.labeled)
    assert all(i < n_lab for i in indices[:B])
    assert all(i >= n_lab for i in indices[B:])

    monitor = batch[MONITOR_LABEL_KEY]
    unl_entries = read_list(data['unlabeled'])
    lab_entries = read_list(data['labeled'])
    assert list(monitor[:B]) == [-1] * B
    assert [int(x) for x in monitor[B:]] == \
        [unl_entries[i - n_lab][1] for i in indices[B:]]

    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    out = preprocessor(batch, training=True)
    assert set(out) == {'inputs', 'data_samples'}
    expected = {'sup': B, 'weak': mu * B, 'strong': mu * B}
    assert set(out['inputs']) == set(expected)
    for view, n in expected.items():
        x = out['inputs'][view]
        assert x.dtype == torch.float32
        assert tuple(x.shape) == (n, 1, 3, 8, 56, 56), view
        assert torch.isfinite(x).all()
        assert abs(float(x.mean())) < 3  # normalised, not raw 0..255
        samples = out['data_samples'][view]
        assert isinstance(samples, list) and len(samples) == n
        for s in samples:
            assert MONITOR_LABEL_KEY not in s
            assert MONITOR_LABEL_KEY not in s.metainfo
            assert ('gt_label' in s) == (view == 'sup')
    assert [int(s.gt_label) for s in out['data_samples']['sup']] == \
        [lab_entries[i][1] for i in indices[:B]]
