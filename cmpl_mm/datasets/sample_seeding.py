"""Augmentation as a function of (seed, sample, draw, view), not of a worker.

MMAction2's transforms (``SampleFrames``, ``RandomResizedCrop``, ``Flip``,
...) and this package's (``VideoRandAugment``, the temporal augmentations)
draw from the global ``random`` / ``numpy.random`` / ``torch`` generators.
In a dataloader worker those generators carry the worker's history: which
samples it happened to process before, since its seed. A run resumed from a
checkpoint, a different ``num_workers`` or prefetch depth, or another rank
count therefore augments the same sample differently.

Here a sample's pipeline runs under :func:`seeded_random`: the global
generators are seeded from ``numpy.random.SeedSequence([seed, index,
draw])`` for the call and put back afterwards (so in-process loading, with
``num_workers=0``, leaves the model's random stream as it was).
``MultiView`` reseeds each view from a sub-stream of that key
(:func:`sub_random`), so one view's draws do not shift another's, and
``RobustDataset`` each replacement of a bad video, so a replacement's
augmentation does not depend on whether the process knew the video was bad.

The key travels with the index: the sampler yields a :class:`DrawIndex`, an
``int`` that also carries the run's ``seed`` and ``draw`` (which pass over
its subset the sample comes from). Anything that treats it as a plain index
still works; ``LabeledUnlabeledDataset`` reads the key.
"""
import contextlib
import random
from typing import Iterator, List, Tuple

import numpy as np
import torch

__all__ = ['DrawIndex', 'seeded_random', 'sub_random', 'draw_key']

# (entropy, spawn_key) of the open seeded_random blocks, for sub_random
_ACTIVE: List[Tuple[Tuple[int, ...], Tuple[int, ...]]] = []


class DrawIndex(int):
    """A dataset index that carries its augmentation key.

    Args:
        index (int): The dataset index.
        seed (int): The run's (sampler's) seed.
        draw (int): Which time the sampler yields this index (its pass over
            the subset), so a later pass augments the sample anew.
    """

    def __new__(cls, index: int, seed: int, draw: int) -> 'DrawIndex':
        self = super().__new__(cls, index)
        self.seed, self.draw = int(seed), int(draw)
        return self

    def __reduce__(self):  # pickled to dataloader workers
        return type(self), (int(self), self.seed, self.draw)

    def __repr__(self) -> str:
        return f'DrawIndex({int(self)}, seed={self.seed}, draw={self.draw})'


def draw_key(index) -> Tuple[int, ...]:
    """``(seed, index, draw)`` of a :class:`DrawIndex`; ``()`` for a plain
    index (no seeding)."""
    if isinstance(index, DrawIndex):
        return index.seed, int(index), index.draw
    return ()


@contextlib.contextmanager
def seeded_random(*entropy: int, spawn_key: Tuple[int, ...] = ()
                  ) -> Iterator[None]:
    """Seed ``random``, ``numpy.random`` and torch's CPU generator from
    ``SeedSequence(entropy, spawn_key=spawn_key)`` inside the block;
    restore them on exit.

    Args:
        *entropy (int): The key, e.g. ``seed, index, draw``.
        spawn_key (tuple[int]): A sub-stream of the key (a view, a retry).
            Defaults to ().
    """
    entropy = tuple(int(e) % (1 << 64) for e in entropy)
    spawn_key = tuple(int(k) for k in spawn_key)
    saved = random.getstate(), np.random.get_state(), torch.get_rng_state()
    words = np.random.SeedSequence(
        entropy, spawn_key=spawn_key).generate_state(4, np.uint64)
    random.seed(int(words[0]))
    np.random.seed(words[1:3].view(np.uint32))
    torch.default_generator.manual_seed(int(words[3]))
    _ACTIVE.append((entropy, spawn_key))
    try:
        yield
    finally:
        _ACTIVE.pop()
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])


def sub_random(*key: int):
    """:func:`seeded_random` of a sub-stream of the active key (a no-op
    context outside one). Spawn keys, not longer entropy: ``SeedSequence``
    pads entropy with zeros, so ``[s, i, d, 0]`` would equal ``[s, i, d]``.

    Args:
        *key (int): The sub-stream, e.g. a view's position (not its name:
            Python hashes strings differently in every process).
    """
    if not _ACTIVE:
        return contextlib.nullcontext()
    entropy, spawn_key = _ACTIVE[-1]
    return seeded_random(*entropy, spawn_key=spawn_key + key)
