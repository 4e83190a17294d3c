"""Per-sample augmentation seeds (cmpl_mm.datasets.sample_seeding).

A sample's augmentation is a function of (seed, index, pass, view): the
same in any worker, after a sampler skip (a resume), with any number of
workers, and loading in-process leaves the model's random stream alone.
"""
import copy
import itertools
import pickle
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from cmpl_mm.datasets import DrawIndex, seeded_random, sub_random
from cmpl_mm.datasets.sample_seeding import draw_key
from cmpl_mm.engine.hooks import random_state_hook
from cmpl_mm.engine.hooks.random_state_hook import (SEEDED_KEY,
                                                    RandomStateHook,
                                                    get_random_state)
from helpers import REPO_ROOT, tiny_data_options

CONFIG = f'{REPO_ROOT}/configs/cmpl_r3d18q_synthetic.py'


def draws():
    return (random.random(), float(np.random.rand()), torch.rand(2))


def same(a, b):
    return a[:2] == b[:2] and torch.equal(a[2], b[2])


def test_seeded_random_is_a_function_of_the_key():
    random.seed(0), np.random.seed(0), torch.manual_seed(0)
    with seeded_random(3, 17, 0):
        first = draws()
        with sub_random(1):
            view = draws()
    random.seed(5), np.random.seed(5), torch.manual_seed(5)
    with seeded_random(3, 17, 0):
        assert same(draws(), first)  # whatever the state before
        with sub_random(1):
            assert same(draws(), view)
    for other in ((3, 17, 1), (3, 18, 0), (4, 17, 0)):
        with seeded_random(*other):
            assert not same(draws(), first)
    with seeded_random(3, 17, 0, 0):  # SeedSequence pads with zeros...
        padded = draws()
    with seeded_random(3, 17, 0):
        with sub_random(0):  # ...which spawn keys do not collide with
            assert not same(draws(), padded)


def test_seeded_random_leaves_the_global_stream_untouched():
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = draws()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    with seeded_random(9, 9, 9):
        draws()
    assert same(draws(), expected)
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    with sub_random(4):  # no key active: the global stream as it is
        assert same(draws(), expected)


def test_draw_index_is_an_int_that_keeps_its_key_across_processes():
    index = DrawIndex(12, seed=3, draw=2)
    assert index == 12 and list(range(20))[index] == 12
    assert draw_key(index) == (3, 12, 2) and draw_key(12) == ()
    copied = pickle.loads(pickle.dumps(index))
    assert type(copied) is DrawIndex and draw_key(copied) == (3, 12, 2)
    assert type(index + 1) is int


def test_old_checkpoint_resumes_with_a_warning(monkeypatch):
    sampler = type('Sampler', (), dict(seeds_samples=True))()
    loop = type('Loop', (), dict(dataloader=type(
        'Loader', (), dict(sampler=sampler))()))()
    runner = type('Runner', (), dict(iter=20, train_loop=loop))()
    new = dict(meta=dict(iter=20))
    RandomStateHook().before_save_checkpoint(runner, new)
    assert new['random_state'][SEEDED_KEY] is True
    old = dict(meta=dict(iter=20), random_state=get_random_state())
    logs = []
    monkeypatch.setattr(random_state_hook, 'print_log',
                        lambda msg, **kwargs: logs.append(msg))
    for checkpoint in (new, old):
        hook = RandomStateHook()
        hook.after_load_checkpoint(runner, checkpoint)
        hook.before_train(runner)
    warned = ['written before augmentation was seeded' in m for m in logs]
    assert warned == [False, True, False]
    # nothing else changes: the old state is restored as before
    assert 'restored the random state' in logs[2]


def _batches(cfg, workers, skip, n):
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.num_workers = workers
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg, seed=3)
    loader.sampler.skip_batches(skip)
    return list(itertools.islice(iter(loader), n))


def _inputs(data):
    """The clips of a sample or a batch, in view order."""
    found = []
    for views in data['inputs'].values():
        views = views if isinstance(views, list) else [views]
        found += [t for t in views if t is not None]
    return found


def _equal(a, b):
    return len(a) == len(b) and all(map(torch.equal, a, b))


def _cfg(root):
    init_default_scope('mmaction')
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(dict(
        tiny_data_options(root),
        **{'train_dataloader.sampler.labeled_batch_size': 2,
           'train_dataloader.batch_size': 4}))
    return cfg


def test_a_sample_is_augmented_by_its_key_only(tiny_dataset):
    dataset = Runner.build_dataloader(
        dict(_cfg(tiny_dataset).train_dataloader, num_workers=0,
             persistent_workers=False), seed=3).dataset
    labeled, unlabeled = 1, len(dataset.labeled) + 2
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    expected = draws()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    clips = {(i, d): _inputs(dataset[DrawIndex(i, 3, d)])
             for i in (labeled, unlabeled) for d in (0, 1)}
    assert same(draws(), expected)  # in-process loading draws nothing
    random.seed(7)
    for (i, d), clip in clips.items():  # again, from another state
        assert _equal(_inputs(dataset[DrawIndex(i, 3, d)]), clip)
    for i in (labeled, unlabeled):  # a later pass: another augmentation
        assert not _equal(clips[i, 0], clips[i, 1])
    weak, strong = clips[unlabeled, 0]
    assert weak.shape == strong.shape and not torch.equal(weak, strong)


@pytest.mark.slow  # starts dataloader worker processes
def test_augmentation_does_not_depend_on_workers_or_resume(tiny_dataset):
    cfg = _cfg(tiny_dataset)
    # 8 labeled clips (a pass every 4 batches) and 16 unlabeled
    reference = _batches(cfg, 0, 0, 6)
    resumed = _batches(cfg, 2, 3, 3)
    for want, got in zip(reference[3:], resumed):
        assert _equal(_inputs(want), _inputs(got))
