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
draw])`` for the call and, in the main process, put back afterwards (so
in-process loading, with ``num_workers=0``, leaves the model's random
stream as it was).
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

# (entropy, spawn_key) of the open seeded blocks, innermost last
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


def _reseed(entropy: Tuple[int, ...], spawn_key: Tuple[int, ...]) -> None:
    words = np.random.SeedSequence(
        entropy, spawn_key=spawn_key).generate_state(3)
    random.seed(int(words[0]))
    np.random.seed(int(words[1]))  # an int seeds 20x faster than an array
    torch.default_generator.manual_seed(int(words[2]))


@contextlib.contextmanager
def _stream(entropy: Tuple[int, ...],
            spawn_key: Tuple[int, ...]) -> Iterator[None]:
    _reseed(entropy, spawn_key)
    _ACTIVE.append((entropy, spawn_key))
    try:
        yield
    finally:
        _ACTIVE.pop()


@contextlib.contextmanager
def seeded_random(*entropy: int, restore: bool = True) -> Iterator[None]:
    """Seed ``random``, ``numpy.random`` and torch's CPU generator from
    ``SeedSequence(entropy)`` inside the block.

    Args:
        *entropy (int): The key, e.g. ``seed, index, draw``.
        restore (bool): Put the generators' states back on exit (they are
            the model's in the main process). A dataloader worker can skip
            it: its generators serve only the samples, each seeded anew
            (saving and restoring NumPy's state costs about as much as
            seeding it ten times). Defaults to True.
    """
    entropy = tuple(int(e) % (1 << 64) for e in entropy)
    saved = (random.getstate(), np.random.get_state(),
             torch.get_rng_state()) if restore else None
    try:
        with _stream(entropy, ()):
            yield
    finally:
        if saved is not None:
            random.setstate(saved[0])
            np.random.set_state(saved[1])
            torch.set_rng_state(saved[2])


def sub_random(*key: int):
    """Reseed the generators from a sub-stream of the active key (a no-op
    context outside one); the enclosing :func:`seeded_random` restores
    them. Spawn keys, not longer entropy: ``SeedSequence`` pads entropy
    with zeros, so ``[s, i, d, 0]`` would equal ``[s, i, d]``.

    Args:
        *key (int): The sub-stream, e.g. a view's position (not its name:
            Python hashes strings differently in every process).
    """
    if not _ACTIVE:
        return contextlib.nullcontext()
    entropy, spawn_key = _ACTIVE[-1]
    return _stream(entropy, spawn_key + tuple(int(k) for k in key))
