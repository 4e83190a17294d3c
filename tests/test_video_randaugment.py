"""Tests of the clip-consistent VideoRandAugment transform."""
import copy

import mmcv
import numpy as np
import pytest

import cmpl_mm  # noqa: F401  (registers the transform)
from cmpl_mm.datasets.transforms import VideoRandAugment
from cmpl_mm.datasets.transforms import video_randaugment as vra
from mmaction.registry import TRANSFORMS

OPS = vra.VALID_OPS
# ops whose magnitude-0 setting is the identity
ZERO_IDENTITY_OPS = ('Rotate', 'ShearX', 'ShearY', 'TranslateX',
                     'TranslateY', 'Brightness', 'Color', 'Contrast',
                     'Sharpness', 'Solarize', 'Posterize')
# ops that use image statistics (computed over the whole clip)
STAT_OPS = ('AutoContrast', 'Equalize', 'Contrast')
H, W = 24, 32  # non-square on purpose


def random_frame(rng, low=0, high=256):
    return rng.randint(low, high, (H, W, 3)).astype(np.uint8)


def identical_clip(t=4, seed=0, low=0, high=256):
    frame = random_frame(np.random.RandomState(seed), low, high)
    return [frame.copy() for _ in range(t)]


def run(transform, imgs, seed=None, **extra):
    if seed is not None:
        np.random.seed(seed)
    results = dict(imgs=imgs, **extra)
    return transform(results)


def assert_all_frames_equal(imgs):
    for i, frame in enumerate(imgs[1:], 1):
        np.testing.assert_array_equal(frame, imgs[0], err_msg=f'frame {i}')


# (a) clip consistency ---------------------------------------------------
@pytest.mark.parametrize('name', OPS)
def test_each_op_keeps_identical_frames_identical(name):
    transform = VideoRandAugment(num_ops=1, magnitude=9, ops=[name])
    signs = set()
    for seed in range(6):
        results = run(transform, identical_clip(seed=seed), seed=seed)
        assert [op for op, _ in results['rand_augment_ops']] == [name]
        signs.add(np.sign(results['rand_augment_ops'][0][1]))
        assert len(results['imgs']) == 4
        assert_all_frames_equal(results['imgs'])
    if name in vra.SIGNED_OPS:
        assert signs == {-1., 1.}
    else:
        assert signs == {1.}


@pytest.mark.parametrize(
    'cfg', [
        dict(),
        dict(magnitude_std=1.0, cutout_prob=0.5),
        dict(num_ops=4, magnitude=10, magnitude_std=float('inf')),
    ])
def test_default_config_keeps_identical_frames_identical(cfg):
    transform = VideoRandAugment(**cfg)
    for seed in range(60):
        results = run(transform, identical_clip(t=3, seed=seed), seed=seed)
        assert_all_frames_equal(results['imgs'])


@pytest.mark.parametrize('name', ['Rotate', 'ShearX', 'ShearY',
                                  'TranslateX', 'TranslateY'])
def test_geometric_ops_fill_uncovered_pixels(name):
    transform = VideoRandAugment(fill=(10, 20, 30))
    clip = np.full((2, H, W, 3), 200, np.uint8)
    out = transform.apply_op(clip, name, 10.)
    filled = np.all(out == (10, 20, 30), axis=-1)
    assert filled.any()
    np.testing.assert_array_equal(filled[0], filled[1])


@pytest.mark.parametrize('name', ['TranslateX', 'TranslateY'])
def test_translate_is_relative_to_its_own_axis(name):
    transform = VideoRandAugment()
    clip = np.full((1, H, W, 3), 200, np.uint8)
    filled = np.all(transform.apply_op(clip, name, 10.)[0] == 128, axis=-1)
    axis_len = W if name == 'TranslateX' else H
    # whole columns (X) or rows (Y) uncovered: 0.3 of that side, up to
    # the bilinear blend at the edge
    n_full = int(filled.all(axis=0 if name == 'TranslateX' else 1).sum())
    assert np.floor(0.3 * axis_len) - 1 <= n_full <= np.ceil(0.3 * axis_len)
    assert not filled.all(axis=1 if name == 'TranslateX' else 0).any()


# (b) identities ---------------------------------------------------------
@pytest.mark.parametrize('name', ZERO_IDENTITY_OPS)
def test_magnitude_zero_is_identity(name):
    transform = VideoRandAugment(num_ops=1, magnitude=0, ops=[name])
    rng = np.random.RandomState(1)
    imgs = [random_frame(rng) for _ in range(3)]
    expected = copy.deepcopy(imgs)
    for seed in range(4):  # covers both signs of the signed ops
        out = run(transform, list(imgs), seed=seed)['imgs']
        for got, exp in zip(out, expected):
            np.testing.assert_array_equal(got, exp)


def test_num_ops_zero_is_identity():
    transform = VideoRandAugment(num_ops=0)
    rng = np.random.RandomState(2)
    imgs = [random_frame(rng) for _ in range(3)]
    expected = copy.deepcopy(imgs)
    results = run(transform, imgs, seed=0)
    assert results['rand_augment_ops'] == []
    for got, exp in zip(results['imgs'], expected):
        np.testing.assert_array_equal(got, exp)


def test_op_param_mapping():
    p = VideoRandAugment.op_param
    assert p('Rotate', 10) == pytest.approx(30)
    assert p('Rotate', -5) == pytest.approx(-15)
    assert p('ShearX', 10) == pytest.approx(0.3)
    assert p('TranslateY', -10) == pytest.approx(-0.3)
    assert p('Sharpness', 10) == pytest.approx(1.9)
    assert p('Brightness', -10) == pytest.approx(0.1)
    assert p('Solarize', 0) == 256 and p('Solarize', 10) == 0
    assert p('Posterize', 0) == 8 and p('Posterize', 10) == 4
    assert p('Posterize', 9) == 4 and p('Posterize', 5) == 6
    assert p('AutoContrast', 9) is None


# (c) shapes and dtype ---------------------------------------------------
@pytest.mark.parametrize('cfg', [
    dict(),
    dict(num_ops=3, cutout_prob=1.0, reverse_prob=1.0),
])
def test_shapes_and_dtype_preserved(cfg):
    transform = VideoRandAugment(**cfg)
    rng = np.random.RandomState(3)
    for seed in range(20):
        imgs = [random_frame(rng) for _ in range(4)]
        out = run(transform, imgs, seed=seed, num_clips=2, clip_len=2)['imgs']
        assert isinstance(out, list) and len(out) == 4
        for frame in out:
            assert frame.shape == (H, W, 3) and frame.dtype == np.uint8
    # a stacked (T, H, W, 3) array comes back as an array
    clip = np.stack([random_frame(rng) for _ in range(4)])
    out = run(transform, clip, seed=0)['imgs']
    assert isinstance(out, np.ndarray)
    assert out.shape == clip.shape and out.dtype == np.uint8


@pytest.mark.parametrize('num_ops', [0, 2])
def test_input_not_modified_in_place(num_ops):
    transform = VideoRandAugment(num_ops=num_ops, cutout_prob=1.0)
    rng = np.random.RandomState(4)
    clip = np.stack([random_frame(rng) for _ in range(3)])
    frames = list(clip.copy())
    clip_copy, frames_copy = clip.copy(), copy.deepcopy(frames)
    for seed in range(10):
        run(transform, clip, seed=seed)
        run(transform, frames, seed=seed)
    np.testing.assert_array_equal(clip, clip_copy)
    for got, exp in zip(frames, frames_copy):
        np.testing.assert_array_equal(got, exp)


def test_rejects_non_rgb_uint8():
    transform = VideoRandAugment()
    with pytest.raises(ValueError, match='uint8'):
        run(transform, [np.zeros((H, W, 3), np.float32)], seed=0)
    with pytest.raises(ValueError, match='uint8'):
        run(transform, [np.zeros((H, W), np.uint8)], seed=0)


# (d) magnitude 9 changes a clip -----------------------------------------
@pytest.mark.parametrize('name', [op for op in OPS if op != 'Identity'])
@pytest.mark.parametrize('sign', [1, -1])
def test_magnitude_nine_changes_clip(name, sign):
    transform = VideoRandAugment(magnitude=9)
    rng = np.random.RandomState(5)
    # values in [20, 230) so that AutoContrast has something to stretch
    clip = np.stack([random_frame(rng, 20, 230) for _ in range(3)])
    out = transform.apply_op(clip, name, sign * 9.)
    assert out.shape == clip.shape and out.dtype == np.uint8
    assert not np.array_equal(out, clip)


def test_default_config_changes_clip():
    transform = VideoRandAugment()
    rng = np.random.RandomState(6)
    clip = [random_frame(rng, 20, 230) for _ in range(3)]
    changed = 0
    for seed in range(40):
        out = run(transform, list(clip), seed=seed)['imgs']
        changed += any(not np.array_equal(a, b) for a, b in zip(out, clip))
    assert changed >= 35


# (e) the same function on every frame -----------------------------------
def test_stat_free_ops_match_per_frame_application():
    stat_free = [op for op in OPS if op not in STAT_OPS]
    transform = VideoRandAugment(num_ops=3, ops=stat_free)
    rng = np.random.RandomState(7)
    frame_a, frame_b = random_frame(rng), random_frame(rng)
    for seed in range(40):
        results = run(transform, [frame_a, frame_b], seed=seed)
        out = results['imgs']
        # same seed on single frames draws the same ops
        np.testing.assert_array_equal(
            out[0], run(transform, [frame_a], seed=seed)['imgs'][0])
        np.testing.assert_array_equal(
            out[1], run(transform, [frame_b], seed=seed)['imgs'][0])
        # replaying the recorded ops frame by frame gives the same result
        for frame, got in zip((frame_a, frame_b), out):
            replay = frame[None]
            for name, mag in results['rand_augment_ops']:
                replay = transform.apply_op(replay, name, mag)
            np.testing.assert_array_equal(got, replay[0])


@pytest.mark.parametrize('name', STAT_OPS)
def test_stat_ops_use_one_mapping_for_the_clip(name):
    transform = VideoRandAugment(num_ops=1, ops=[name])
    rng = np.random.RandomState(8)
    # different value ranges so that per-frame statistics would differ
    frame_a = random_frame(rng, 0, 120)
    frame_b = random_frame(rng, 100, 200)
    for seed in range(4):
        results = run(transform, [frame_a, frame_b], seed=seed)
        (op, mag), = results['rand_augment_ops']
        out = results['imgs']
        # mmcv's op on the frames stacked into one image (RGB -> BGR view
        # for the grey-level based Contrast)
        stacked = np.concatenate([frame_a, frame_b], axis=0)
        if name == 'AutoContrast':
            ref = mmcv.auto_contrast(stacked)
        elif name == 'Equalize':
            ref = mmcv.imequalize(stacked)
        else:
            factor = VideoRandAugment.op_param(op, mag)
            ref = mmcv.adjust_contrast(
                np.ascontiguousarray(stacked[..., ::-1]), factor,
                backend='cv2')[..., ::-1]
        np.testing.assert_array_equal(np.concatenate(out, axis=0), ref)
        # the per-channel value mapping is one function for both frames
        for c in range(3):
            for v in np.intersect1d(frame_a[..., c], frame_b[..., c]):
                outs_a = np.unique(out[0][..., c][frame_a[..., c] == v])
                outs_b = np.unique(out[1][..., c][frame_b[..., c] == v])
                assert len(outs_a) == 1 and np.array_equal(outs_a, outs_b)


def test_grey_level_uses_rgb_order():
    transform = VideoRandAugment()
    red = np.zeros((1, H, W, 3), np.uint8)
    red[..., 0] = 255
    # Color at factor 0.1: 0.1 * img + 0.9 * grey, grey(red) = 76 in RGB
    out = transform.apply_op(red, 'Color', -10.)
    assert abs(int(out[0, 0, 0, 1]) - round(0.9 * 76)) <= 1
    # Contrast at factor 0.1 blends towards the mean grey, 76
    out = transform.apply_op(red, 'Contrast', -10.)
    assert abs(int(out[0, 0, 0, 1]) - round(0.9 * 76)) <= 1


# (f) cutout -------------------------------------------------------------
def test_cutout_same_location_in_every_frame():
    fill = 128
    transform = VideoRandAugment(
        num_ops=0, cutout_prob=1.0, cutout_scale=(0.05, 0.3), fill=fill)
    # constant frames of different values, none equal to the fill
    imgs = [np.full((H, W, 3), 10 + 40 * t, np.uint8) for t in range(4)]
    boxes = set()
    for seed in range(20):
        out = run(transform, list(imgs), seed=seed)['imgs']
        masks = [np.all(frame == fill, axis=-1) for frame in out]
        assert masks[0].any()
        for mask in masks[1:]:
            np.testing.assert_array_equal(mask, masks[0])
        ys, xs = np.nonzero(masks[0])
        box_h, box_w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert masks[0].sum() == box_h * box_w  # a filled rectangle
        assert 0.5 * 0.05 * H * W <= box_h * box_w <= 1.5 * 0.3 * H * W
        for frame, src in zip(out, imgs):  # outside the box: untouched
            np.testing.assert_array_equal(frame[~masks[0]], src[~masks[0]])
        boxes.add((ys.min(), xs.min(), box_h, box_w))
    assert len(boxes) > 10  # the location is random across samples


def test_cutout_off_by_default():
    transform = VideoRandAugment(num_ops=0)
    imgs = [np.full((H, W, 3), 10 + 40 * t, np.uint8) for t in range(3)]
    for seed in range(10):
        out = run(transform, list(imgs), seed=seed)['imgs']
        for got, exp in zip(out, imgs):
            np.testing.assert_array_equal(got, exp)


# (g) temporal reversal --------------------------------------------------
def _numbered_frames(t):
    return [np.full((H, W, 3), 10 * i, np.uint8) for i in range(t)]


def frame_ids(imgs):
    return [int(frame[0, 0, 0]) // 10 for frame in imgs]


def test_reverse_off_by_default():
    transform = VideoRandAugment(num_ops=0)
    assert transform.reverse_prob == 0
    for seed in range(20):
        out = run(transform, _numbered_frames(5), seed=seed)['imgs']
        assert frame_ids(out) == [0, 1, 2, 3, 4]


def test_reverse_prob_one_reverses():
    transform = VideoRandAugment(num_ops=0, reverse_prob=1.0)
    out = run(transform, _numbered_frames(5), seed=0)['imgs']
    assert frame_ids(out) == [4, 3, 2, 1, 0]
    # several clips: each clip is reversed, the clip order is kept
    out = run(
        transform, _numbered_frames(6), seed=0, num_clips=2,
        clip_len=3)['imgs']
    assert frame_ids(out) == [2, 1, 0, 5, 4, 3]


# (h) registry, repr, randomness -----------------------------------------
def test_builds_from_registry():
    transform = TRANSFORMS.build(dict(type='VideoRandAugment'))
    assert isinstance(transform, VideoRandAugment)
    assert transform.num_ops == 2 and transform.magnitude == 9
    assert transform.ops == OPS and transform.fill == (128, 128, 128)
    out = run(transform, identical_clip(t=2), seed=0)
    assert len(out['rand_augment_ops']) == 2
    text = repr(transform)
    for key in ('num_ops=2', 'magnitude=9', 'magnitude_std=0', 'ops=',
                'fill=', 'cutout_prob=0', 'cutout_scale=', 'reverse_prob=0'):
        assert key in text


def test_deterministic_under_seed_and_rng():
    transform = VideoRandAugment(magnitude_std=0.5, cutout_prob=0.5)
    rng = np.random.RandomState(10)
    imgs = [random_frame(rng) for _ in range(3)]
    first = run(transform, list(imgs), seed=123)
    second = run(transform, list(imgs), seed=123)
    assert first['rand_augment_ops'] == second['rand_augment_ops']
    for a, b in zip(first['imgs'], second['imgs']):
        np.testing.assert_array_equal(a, b)
    draws = {
        tuple(run(transform, list(imgs), seed=s)['rand_augment_ops'])
        for s in range(10)
    }
    assert len(draws) > 5
    for mag in (m for d in draws for _, m in d):
        assert 0 <= abs(mag) <= 10
    # an explicit generator, RandomState or Generator
    for make in (np.random.RandomState, np.random.default_rng):
        outs = [
            VideoRandAugment(rng=make(0))(dict(imgs=list(imgs)))
            for _ in range(2)
        ]
        assert outs[0]['rand_augment_ops'] == outs[1]['rand_augment_ops']
        for a, b in zip(outs[0]['imgs'], outs[1]['imgs']):
            np.testing.assert_array_equal(a, b)


# (i) validation ---------------------------------------------------------
def test_bad_op_name_raises():
    with pytest.raises(ValueError, match='Rotate') as err:
        VideoRandAugment(ops=['Rotate', 'Zoom'])
    assert 'Zoom' in str(err.value) and 'AutoContrast' in str(err.value)
    with pytest.raises(ValueError):
        TRANSFORMS.build(dict(type='VideoRandAugment', ops=['rotate']))
    with pytest.raises(ValueError):
        VideoRandAugment(ops=[])


@pytest.mark.parametrize('kwargs', [
    dict(num_ops=-1),
    dict(magnitude=11),
    dict(magnitude_std=-1),
    dict(fill=300),
    dict(fill=(1, 2)),
    dict(cutout_prob=1.5),
    dict(cutout_scale=(0.3, 0.1)),
    dict(reverse_prob=-0.1),
])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        VideoRandAugment(**kwargs)
