"""Temporal strong augmentation: each step against its definition."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

import cmpl_mm  # noqa: F401  (registration)


def clip(length=8, num_clips=1):
    return dict(imgs=[np.full((2, 2, 3), i, dtype=np.uint8)
                      for i in range(length * num_clips)],
                num_clips=num_clips)


def shown(results):
    return [int(img[0, 0, 0]) for img in results['imgs']]


def test_temporal_warp_maps_every_frame_to_an_anchor():
    """Between anchors a < b a split sends [a, mid) to a and [mid, b) to
    b; before the first / after the last anchor: that anchor."""
    np.random.seed(0)
    warp = TRANSFORMS.build(dict(type='TemporalWarp', anchor_counts=(2, 4)))
    for _ in range(200):
        out = warp(clip())
        idx = out['temporal_indices'][0]
        anchors = sorted(set(idx))
        assert len(anchors) in (1, 2, 3, 4) and len(idx) == 8
        assert idx == sorted(idx)  # time still runs forward
        assert shown(out) == idx
    none = TRANSFORMS.build(dict(type='TemporalWarp', anchor_counts=(0, )))
    assert shown(none(clip())) == list(range(8))


def test_temporal_warp_by_hand(monkeypatch):
    """Anchors 2 and 5, split at 3: frames 0-2 show 2, frames 3-7 show 5."""
    warp = TRANSFORMS.build(dict(type='TemporalWarp', anchor_counts=(2, )))
    monkeypatch.setattr(np.random, 'choice',
                        lambda n, k, replace: np.array([5, 2]))
    draws = iter([0, 3])  # the anchor count's index, then the split
    monkeypatch.setattr(np.random, 'randint', lambda *a: next(draws))
    assert shown(warp(clip())) == [2, 2, 2, 5, 5, 5, 5, 5]


def test_temporal_warp_leaves_a_third_alone_by_default():
    np.random.seed(1)
    warp = TRANSFORMS.build(dict(type='TemporalWarp'))
    untouched = sum(warp(clip())['temporal_indices'][0] == list(range(8))
                    for _ in range(600))
    assert 160 <= untouched <= 250  # 1/3 of 600 = 200 (a 4-anchor warp
    # may also come out as the identity only if anchors cover 4 frames)


def test_speed_jitter_by_hand():
    """At speed 2 around the middle (3.5) of 8 frames: round(3.5 + 2 (t -
    3.5)) clamped; at speed 1 the clip is unchanged."""
    fast = TRANSFORMS.build(dict(type='SpeedJitter', speed_range=(2.0, 2.0)))
    assert shown(fast(clip())) == [0, 0, 0, 2, 4, 6, 7, 7]
    same = TRANSFORMS.build(dict(type='SpeedJitter', speed_range=(1.0, 1.0)))
    assert shown(same(clip())) == list(range(8))
    with pytest.raises(ValueError, match='speed_range'):
        TRANSFORMS.build(dict(type='SpeedJitter', speed_range=(0.0, 2.0)))


def test_frame_drop_repeat_shows_the_last_kept_frame():
    np.random.seed(0)
    step = TRANSFORMS.build(dict(type='FrameDropRepeat', drop_prob=0.5))
    for _ in range(50):
        idx = step(clip())['temporal_indices'][0]
        assert idx[0] == 0 and idx == sorted(idx)
        assert all(i == t or i == idx[t - 1] for t, i in enumerate(idx))
    frozen = TRANSFORMS.build(dict(type='FrameDropRepeat', drop_prob=1.0))
    assert shown(frozen(clip())) == [0] * 8
    kept = TRANSFORMS.build(dict(type='FrameDropRepeat', drop_prob=0.0))
    assert shown(kept(clip())) == list(range(8))


def test_each_clip_of_a_sample_is_reindexed_within_itself():
    fast = TRANSFORMS.build(dict(type='SpeedJitter', speed_range=(2.0, 2.0)))
    assert shown(fast(clip(num_clips=2))) == [
        0, 0, 0, 2, 4, 6, 7, 7, 8, 8, 8, 10, 12, 14, 15, 15]
