"""Tests of the synthetic shape x motion video generator."""
import importlib.util
import os.path as osp

import cv2
import decord
import numpy as np
import pytest

from cmpl_mm.datasets import synthetic_videos as sv

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# 4 classes -> 2 x 2 grid: square / cross x moves right / moves left
SMALL = dict(
    num_classes=4,
    videos_per_class=2,
    val_per_class=1,
    num_frames=8,
    size=64,
    show_progress=False)
DIRECTIONS = {
    'moves_right': (1, 0),
    'moves_left': (-1, 0),
    'moves_up': (0, -1),
    'moves_down': (0, 1),
}


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic')
    return sv.generate_dataset(str(out), seed=0, **SMALL)


def read_list(path):
    with open(path) as f:
        return [line.split() for line in f.read().splitlines()]


def decode(path):
    """All frames of a video as uint8 ``(T, H, W, 3)`` RGB."""
    reader = decord.VideoReader(path)
    return reader.get_batch(list(range(len(reader)))).asnumpy()


def target_mask(frames, without_target, threshold):
    diff = np.abs(frames.astype(np.int16) - without_target.astype(np.int16))
    return diff.max(axis=-1) > threshold


def centroids(masks):
    out = []
    for mask in masks:
        ys, xs = np.nonzero(mask)
        assert len(xs) > 0, 'target not visible in a frame'
        out.append((xs.mean(), ys.mean()))
    return np.array(out)


def clean_render(seed, shape, motion, target=True, num_frames=16):
    return sv.render_clip(
        np.random.default_rng(seed), shape, motion, num_frames, 64,
        target=target, distractors=False, noise=False)


def clean_masks(seed, shape, motion):
    frames = clean_render(seed, shape, motion)
    background = clean_render(seed, shape, motion, target=False)
    return target_mask(frames, background, 25)


def test_videos_decode(dataset):
    for split in ('train', 'val'):
        for rel, _ in read_list(dataset[f'{split}_list']):
            assert rel.startswith(f'videos/{split}/') and rel.endswith('.mp4')
            frames = decode(osp.join(dataset['out_dir'], rel))
            assert frames.shape == (SMALL['num_frames'], SMALL['size'],
                                    SMALL['size'], 3)
            assert frames.std() > 5  # not a blank video


def test_list_files(dataset):
    n = SMALL['num_classes']
    names = sv.class_names(n)
    with open(dataset['classes_file']) as f:
        assert f.read().splitlines() == names
    assert names == ['square_moves_right', 'square_moves_left',
                     'cross_moves_right', 'cross_moves_left']
    assert dataset['class_names'] == names and dataset['grid'] == (2, 2)
    for split, per_class in (('train', SMALL['videos_per_class']),
                             ('val', SMALL['val_per_class'])):
        assert dataset[f'{split}_list'] == osp.join(dataset['out_dir'],
                                                    f'{split}.txt')
        rows = read_list(dataset[f'{split}_list'])
        assert len(rows) == n * per_class == dataset[f'num_{split}']
        assert all(len(row) == 2 for row in rows)
        labels = [int(label) for _, label in rows]
        assert all(0 <= label < n for label in labels)
        assert sorted(set(labels)) == list(range(n))
        assert all(f'c{label:02d}_' in osp.basename(rel)
                   for rel, label in zip([r for r, _ in rows], labels))
        assert len({rel for rel, _ in rows}) == len(rows)
        for rel, _ in rows:
            assert osp.isfile(osp.join(dataset['out_dir'], rel))


def test_deterministic(dataset, tmp_path):
    again = sv.generate_dataset(str(tmp_path / 'again'), seed=0, **SMALL)
    other = sv.generate_dataset(str(tmp_path / 'other'), seed=1, **SMALL)
    for key in ('train_list', 'val_list', 'classes_file'):
        with open(dataset[key]) as a, open(again[key]) as b:
            assert a.read() == b.read()
    rows = read_list(dataset['train_list']) + read_list(dataset['val_list'])
    for rel, _ in rows:
        first = decode(osp.join(dataset['out_dir'], rel))
        assert np.array_equal(first, decode(osp.join(again['out_dir'], rel)))
        changed = decode(osp.join(other['out_dir'], rel))
        assert np.abs(first.astype(int) - changed.astype(int)).mean() > 5


def test_more_val_videos_leave_train_and_first_val_unchanged(dataset, tmp_path):
    """A larger validation split only appends videos: the training videos
    and the first validation videos stay identical (so enlarging the
    held-out set never changes what a model trains on)."""
    bigger = sv.generate_dataset(
        str(tmp_path / 'bigger'), seed=0, **dict(SMALL, val_per_class=3))
    with open(dataset['train_list']) as a, open(bigger['train_list']) as b:
        assert a.read() == b.read()
    val_rows = read_list(bigger['val_list'])
    assert len(val_rows) == 3 * SMALL['num_classes']
    for rel, _ in read_list(dataset['train_list']) + read_list(
            dataset['val_list']):
        assert np.array_equal(
            decode(osp.join(dataset['out_dir'], rel)),
            decode(osp.join(bigger['out_dir'], rel)))


def test_video_shows_labelled_motion(dataset):
    """Decoded videos minus everything but the target move as labelled."""
    size, num_frames = SMALL['size'], SMALL['num_frames']
    for label, (shape, motion) in enumerate(sv.class_grid(4)):
        rel = f'videos/train/c{label:02d}_v0001.mp4'
        frames = decode(osp.join(dataset['out_dir'], rel))[..., ::-1]  # BGR
        rest = sv.render_clip(
            sv.video_rng(0, 'train', label, 1), shape, motion, num_frames,
            size, target=False)
        path = centroids(target_mask(frames, rest, 40))
        move = path[-1] - path[0]
        along = np.dot(move, DIRECTIONS[motion])
        # true travel >= 0.25 * size, drift <= 0.1 * travel; the decoded
        # mask loses a little where the target covers a similar distractor
        direction = np.array(DIRECTIONS[motion])
        across = abs(np.dot(move, direction[::-1]))
        assert along > 0.12 * size, (motion, path)
        assert across < 0.4 * along, (motion, path)


@pytest.mark.parametrize('shape,forward,backward,other', [
    ('square', 'moves_right', 'moves_left', 'moves_up'),
    ('triangle', 'moves_down', 'moves_up', 'moves_right'),
    ('cross', 'rotates_clockwise', 'rotates_counterclockwise', 'moves_right'),
])
def test_motion_pair_differs_only_in_motion(shape, forward, backward, other):
    """Same seed: one class shows the other's frames in reverse order."""
    for seed in range(3):
        a = clean_render(seed, shape, forward)
        b = clean_render(seed, shape, backward)
        assert not np.array_equal(a, b)
        assert np.array_equal(a, b[::-1])
        # with distractors and noise only the target layer is reversed
        # with distractors and noise only the target layer is reversed, so
        # the time-averaged clips agree (up to occlusion and clipping), far
        # better than with a class of another motion
        mean = {
            motion: sv.render_clip(np.random.default_rng(seed), shape,
                                   motion).astype(np.float64).mean(0)
            for motion in (forward, backward, other)
        }
        pair = np.abs(mean[forward] - mean[backward]).mean()
        assert pair < 2.0
        assert pair < 0.5 * np.abs(mean[forward] - mean[other]).mean()


def test_shape_pair_differs_only_in_shape():
    """Same seed and motion, other shape: same path and area, other mask."""
    for seed in range(3):
        square = clean_masks(seed, 'square', 'moves_up')
        star = clean_masks(seed, 'star', 'moves_up')
        assert np.abs(centroids(square) - centroids(star)).max() < 1.0
        area_ratio = star.sum() / square.sum()
        assert 0.85 < area_ratio < 1.15
        iou = (square & star).sum() / (square | star).sum()
        assert iou < 0.8


def rotation_sign(masks):
    """+1 if consecutive masks turn counter-clockwise on screen, else -1."""
    cents = centroids(masks)
    height, width = masks.shape[1:]
    scores = {}
    for sign in (1, -1):
        total = 0.0
        for t in range(len(masks) - 1):
            best = 0.0
            for angle in range(3, 16):
                m = cv2.getRotationMatrix2D(tuple(map(float, cents[t])),
                                            sign * angle, 1.0)
                m[:, 2] += cents[t + 1] - cents[t]
                warped = cv2.warpAffine(
                    masks[t].astype(np.uint8) * 255, m, (width, height)) > 127
                iou = ((warped & masks[t + 1]).sum() /
                       (warped | masks[t + 1]).sum())
                best = max(best, iou)
            total += best
        scores[sign] = total
    assert scores[1] != scores[-1]
    return 1 if scores[1] > scores[-1] else -1


@pytest.mark.parametrize('shape', ['square', 'triangle', 'star'])
def test_rotation_direction(shape):
    for seed in range(2):
        cw = clean_masks(seed, shape, 'rotates_clockwise')
        ccw = clean_masks(seed, shape, 'rotates_counterclockwise')
        assert rotation_sign(cw) == -1  # image y axis points down
        assert rotation_sign(ccw) == 1
        drift = np.abs(centroids(cw)[-1] - centroids(cw)[0]).max()
        assert drift < 0.1 * 64


def test_class_mapping():
    assert sv.class_grid(8) == [(shape, motion)
                                for shape in ('square', 'cross')
                                for motion in ('moves_right', 'moves_left',
                                               'moves_up', 'moves_down')]
    assert sv.class_names(2) == ['square_moves_right', 'square_moves_left']
    for n in range(2, 25):
        cells = sv.class_grid(n)
        names = sv.class_names(n)
        assert len(cells) == len(set(cells)) == len(set(names)) == n
        assert names == [f'{s}_{m}' for s, m in cells]
        assert all(s in sv.SHAPES and m in sv.MOTIONS for s, m in cells)
        if n >= 3:
            pairs = [(a, b) for i, a in enumerate(cells)
                     for b in cells[i + 1:]]
            assert any(a[0] == b[0] for a, b in pairs)  # motion-only pair
            assert any(a[1] == b[1] for a, b in pairs)  # shape-only pair
        ns, nm = sv._grid_shape(n)
        if n >= 3 and n == ns * nm:
            # full grid: every class has a same-shape and a same-motion peer
            for c in cells:
                assert any(o != c and o[0] == c[0] for o in cells)
                assert any(o != c and o[1] == c[1] for o in cells)


@pytest.mark.parametrize('kwargs,match', [
    (dict(size=48), 'size'),
    (dict(size=66.0), 'size'),
    (dict(size=65), 'even'),
    (dict(num_classes=1), 'num_classes'),
    (dict(num_classes=25), 'num_classes'),
    (dict(videos_per_class=0), 'videos_per_class'),
    (dict(val_per_class=0), 'val_per_class'),
    (dict(num_frames=3), 'num_frames'),
    (dict(fps=0), 'fps'),
    (dict(seed=-1), 'seed'),
    (dict(seed=True), 'seed'),
    (dict(camera_motion=0.3), 'camera_motion'),
    (dict(camera_motion=-0.1), 'camera_motion'),
    (dict(clutter=-1), 'clutter'),
    (dict(clutter=2.5), 'clutter'),
])
def test_bad_arguments(tmp_path, kwargs, match):
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match=match):
        sv.generate_dataset(str(out), show_progress=False, **kwargs)
    assert not out.exists()


def test_render_rejects_unknown_class():
    with pytest.raises(ValueError, match='shape'):
        sv.render_clip(np.random.default_rng(0), 'hexagon', 'moves_up')
    with pytest.raises(ValueError, match='motion'):
        sv.render_clip(np.random.default_rng(0), 'square', 'jumps')


def scene(seed, motion='moves_right', **kwargs):
    """A clip without noise (float), and the same clip without target."""
    def render(**more):
        return sv.render_clip(
            np.random.default_rng(seed), 'cross', motion, 16, 64,
            noise=False, **kwargs, **more).astype(np.float32)
    return render(), render(target=False)


def test_a_still_camera_over_an_empty_scene_is_the_default_clip():
    for seed in range(3):
        default = sv.render_clip(np.random.default_rng(seed), 'star',
                                 'moves_up')
        explicit = sv.render_clip(np.random.default_rng(seed), 'star',
                                  'moves_up', camera_motion=0.0, clutter=0)
        assert np.array_equal(default, explicit)


def best_shift(a, b, reach):
    """The integer ``(dx, dy)`` that best maps image ``a`` onto ``b``."""
    size = a.shape[0]
    errors = {}
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            crop_a = a[max(0, dy):size + min(0, dy), max(0, dx):size + min(0, dx)]
            crop_b = b[max(0, -dy):size + min(0, -dy),
                       max(0, -dx):size + min(0, -dx)]
            errors[dx, dy] = np.abs(crop_a - crop_b).mean()
    return np.array(min(errors, key=errors.get))


def test_a_moving_camera_pans_the_scene_by_at_most_its_length():
    camera_motion, size = 0.2, 64
    lengths = []
    for seed in range(4):
        _, rest = scene(seed, camera_motion=camera_motion, clutter=8,
                        distractors=False)
        # the scene in the last frame is the first frame's, shifted
        shift = best_shift(rest[0].mean(-1), rest[-1].mean(-1), 16)
        lengths.append(np.hypot(*shift))
        # shake: at most 1 px per axis at either end, 1 px of rounding
        assert lengths[-1] <= camera_motion * size + 2 * np.sqrt(2) + 1
        _, still_rest = scene(seed, clutter=8, distractors=False)
        assert np.array_equal(still_rest[0], still_rest[-1])
    assert min(lengths) >= 0.5 * camera_motion * size - 2 * np.sqrt(2) - 1


def test_a_moving_camera_keeps_the_labelled_on_screen_path():
    for seed in range(3):
        for motion in ('moves_down', 'rotates_clockwise'):
            still = target_mask(*scene(seed, motion), 25)
            panned = target_mask(
                *scene(seed, motion, camera_motion=0.2, clutter=4), 25)
            assert np.abs(centroids(still) - centroids(panned)).max() < 1.5
            iou = (still & panned).sum() / (still | panned).sum()
            assert iou > 0.8, (seed, motion)


def test_camera_and_clutter_put_motion_off_the_target():
    """With a still camera most of a frame difference is on the moving
    objects; a panning camera over clutter moves edges everywhere."""
    def off_target(**kwargs):
        shares = []
        for seed in range(6):
            frames, rest = scene(seed, distractors=False, **kwargs)
            mask = target_mask(frames, rest, 25)
            on = mask[1:] | mask[:-1]
            diff = np.abs(np.diff(frames, axis=0)).sum(-1)
            shares.append(diff[~on].sum() / diff.sum())
        return np.mean(shares)

    assert off_target() < 0.05  # no noise, no distractors: only the target
    assert off_target(clutter=8) < 0.05  # still clutter does not move
    assert off_target(camera_motion=0.15, clutter=8) > 0.5


def load_cli():
    path = osp.join(REPO, 'tools', 'data', 'generate_synthetic.py')
    spec = importlib.util.spec_from_file_location('generate_synthetic', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli(tmp_path, capsys):
    cli = load_cli()
    out = tmp_path / 'cli'
    summary = cli.main([
        str(out), '--seed', '3', '--num-classes', '3', '--videos-per-class',
        '1', '--val-per-class', '1', '--num-frames', '6', '--no-progress'
    ])
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and '3 train + 3 val' in printed[0]
    assert summary['seed'] == 3 and summary['num_frames'] == 6
    assert len(read_list(out / 'train.txt')) == 3
    with pytest.raises(SystemExit) as exc:
        cli.main([str(tmp_path / 'bad'), '--size', '32', '--no-progress'])
    assert exc.value.code == 2
    assert 'size' in capsys.readouterr().err
    panned = cli.main([
        str(tmp_path / 'pan'), '--num-classes', '2', '--videos-per-class',
        '1', '--val-per-class', '1', '--camera-motion', '0.15', '--clutter',
        '3', '--no-progress'
    ])
    assert panned['camera_motion'] == 0.15 and panned['clutter'] == 3
    assert 'camera pan up to 0.15' in capsys.readouterr().out


def test_run_demo_notes_an_old_small_val_set(tmp_path, capsys):
    """Demo data written before the 400-clip default is kept, with a note."""
    from cmpl_mm.demo import prepare_demo_data
    root = tmp_path / 'old'
    (root / 'semi').mkdir(parents=True)
    (root / 'semi' / 'unlabeled.txt').write_text('v.mp4\n')
    for count, noted in ((80, True), (400, False)):
        (root / 'val.txt').write_text('v.mp4 0\n' * count)
        prepare_demo_data(str(root))
        out = capsys.readouterr().out
        assert ('lists 80 videos' in out and 'writes 400' in out) == noted
    assert sorted(p.name for p in root.iterdir()) == ['semi', 'val.txt']
