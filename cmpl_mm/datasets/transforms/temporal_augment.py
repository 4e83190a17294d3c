"""Temporal strong augmentation of a decoded clip: SVFormer's temporal
warping, speed jitter and frame drop / repeat.

Each step re-indexes the frames of every clip (``len(imgs) // num_clips``
frames each) with one draw per clip, so the clip keeps its length and
every frame stays a whole decoded frame: no decode, no interpolation, and
the spatial augmentation of the other steps is untouched. They go into a
strong-view pipeline (before ``FormatShape``), off unless a config puts
them there. Randomness comes from ``numpy.random``, as mmaction2's
transforms draw it.

Required keys: ``imgs``. Modified keys: ``imgs``. Added keys:
``temporal_indices`` (the frame index each output frame came from, per
clip).
"""
from typing import List, Sequence, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


class FrameReindex(BaseTransform):
    """Base of the steps: ``indices(length) -> frame index per frame``."""

    def indices(self, length: int) -> np.ndarray:
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        num_clips = max(int(results.get('num_clips', 1)), 1)
        length = len(imgs) // num_clips
        out, used = [], []
        for c in range(num_clips):
            clip = imgs[c * length:(c + 1) * length]
            idx = self.indices(length) if length > 1 else np.zeros(
                length, dtype=int)
            out.extend(clip[int(i)] for i in idx)
            used.append([int(i) for i in idx])
        results['imgs'] = out + list(imgs[num_clips * length:])
        results['temporal_indices'] = used
        return results


@TRANSFORMS.register_module()
class TemporalWarp(FrameReindex):
    """SVFormer's temporal warping (TWAug), read from its code: draw ``k``
    anchors from ``anchor_counts`` (uniformly; 0: leave the clip alone),
    pick ``k`` sorted distinct frames as anchors; frames before the first
    anchor show the first, frames after the last show the last, and between
    two anchors ``a < b`` a random split ``mid`` in ``[a, b]`` sends
    ``[a, mid)`` to ``a`` and ``[mid, b)`` to ``b``.

    Args:
        anchor_counts (Sequence[int]): The choices of ``k``. Defaults to
            ``(0, 2, 4)`` (SVFormer: none, 2 or 4, 1/3 each).
    """

    def __init__(self, anchor_counts: Sequence[int] = (0, 2, 4)) -> None:
        if not anchor_counts or any(
                not isinstance(k, int) or isinstance(k, bool) or k < 0
                for k in anchor_counts):
            raise ValueError(f'anchor_counts={anchor_counts!r} must be '
                             'integers >= 0')
        self.anchor_counts = tuple(anchor_counts)

    def indices(self, length: int) -> np.ndarray:
        k = self.anchor_counts[np.random.randint(len(self.anchor_counts))]
        if k == 0:
            return np.arange(length)
        k = min(k, length)
        anchors = np.sort(np.random.choice(length, k, replace=False))
        idx = np.empty(length, dtype=int)
        idx[:anchors[0]] = anchors[0]
        idx[anchors[-1]:] = anchors[-1]
        for a, b in zip(anchors[:-1], anchors[1:]):
            mid = np.random.randint(a, b + 1)
            idx[a:mid] = a
            idx[mid:b] = b
        return idx

    def __repr__(self) -> str:
        return f'{type(self).__name__}(anchor_counts={self.anchor_counts})'


@TRANSFORMS.register_module()
class SpeedJitter(FrameReindex):
    """Play the clip at a random speed ``s`` around its middle frame: frame
    ``t`` shows ``round(c + (t - c) * s)``, clamped to the clip (a speed
    above 1 skips frames and repeats the ends, below 1 repeats frames).
    ``s`` is drawn log-uniformly from ``speed_range``.

    Args:
        speed_range (Tuple[float, float]): Defaults to ``(0.5, 2.0)``.
    """

    def __init__(self, speed_range: Tuple[float, float] = (0.5, 2.0)) -> None:
        lo, hi = speed_range
        if not 0 < lo <= hi:
            raise ValueError(f'speed_range={speed_range!r} must be '
                             '(low, high) with 0 < low <= high')
        self.speed_range = (float(lo), float(hi))

    def indices(self, length: int) -> np.ndarray:
        lo, hi = np.log(self.speed_range)
        speed = float(np.exp(np.random.uniform(lo, hi)))
        center = (length - 1) / 2
        idx = np.rint(center + (np.arange(length) - center) * speed)
        return np.clip(idx, 0, length - 1).astype(int)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(speed_range={self.speed_range})'


@TRANSFORMS.register_module()
class FrameDropRepeat(FrameReindex):
    """Drop each frame but the first with probability ``drop_prob``; a
    dropped frame shows the frame before it (so a run of drops freezes the
    clip), keeping the clip's length.

    Args:
        drop_prob (float): In [0, 1]. Defaults to 0.2.
    """

    def __init__(self, drop_prob: float = 0.2) -> None:
        if not 0.0 <= drop_prob <= 1.0:
            raise ValueError(f'drop_prob={drop_prob!r} must lie in [0, 1]')
        self.drop_prob = float(drop_prob)

    def indices(self, length: int) -> np.ndarray:
        keep = np.random.rand(length) >= self.drop_prob
        keep[0] = True
        idx = np.where(keep, np.arange(length), 0)
        return np.maximum.accumulate(idx)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(drop_prob={self.drop_prob})'


__all__: List[str] = ['TemporalWarp', 'SpeedJitter', 'FrameDropRepeat']
