"""Deterministic synthetic action-recognition videos (shape x motion).

:func:`generate_dataset` writes a small, fully synthetic video classification
data set in MMAction2's ``VideoDataset`` format::

    OUT_DIR/
        classes.txt             # line i = name of label i
        train.txt               # "videos/train/c03_v0012.mp4 3" per line
        val.txt
        videos/train/*.mp4      # OpenCV VideoWriter, fourcc 'mp4v'
        videos/val/*.mp4

Every class is one cell of a factorial grid ``appearance x motion``:

* appearance (the labelled *target* object's shape), in this order:
  ``square, cross, triangle, star`` (the first two are the most distinct
  under random rotation: a tiny 3D CNN learns square vs cross far faster
  than square vs triangle);
* motion, in this order: ``moves_right, moves_left, moves_up, moves_down,
  rotates_clockwise, rotates_counterclockwise`` (image coordinates, as seen
  on screen).

Label ``i`` is cell ``(i // n_motions, i % n_motions)`` of a grid of
``n_shapes x n_motions`` cells (shape-major), taking the first
``num_classes`` cells. The grid is the one with the fewest unused cells
(``n_shapes`` in 2..4, ``n_motions`` in 2..6; ties go to fewer shapes), so::

    num_classes   grid (shapes x motions)
    2             1 x 2  (square: right / left; motion only, see below)
    3, 4          2 x 2
    5, 6          2 x 3
    7, 8          2 x 4  (default: {square, cross} x {right, left, up, down})
    9             3 x 3
    10            2 x 5
    11, 12        2 x 6
    13 .. 15      3 x 5
    16            4 x 4
    17, 18        3 x 6
    19, 20        4 x 5
    21 .. 24      4 x 6

Class names are ``f'{shape}_{motion}'``, e.g. ``square_moves_right``. For
``num_classes >= 3`` some pairs of classes differ only in motion (same
shape) and others only in shape (same motion), so neither one frame (no
motion) nor motion alone (no shape) separates all classes. Two classes can
not need both cues; ``num_classes=2`` is the motion-only pair
``square_moves_right`` / ``square_moves_left``. In a full grid every class
has a same-shape and a same-motion peer; where ``num_classes`` leaves cells
of the last shape unused, the classes of those motions have no same-motion
peer (they still share their shape with the other classes of their row).

Nuisance factors, drawn per video and independent of the label: background
colour and texture (low-frequency colour noise plus faint stripes), bright
objects on a dark background or the reverse, target size, orientation,
colour, start position, speed (total travel 25-40 % of the frame for
translations, 6-12 degrees per frame for rotations), a small drift, 1-2
smaller distractor objects (any shape, circles included, drawn behind the
target) with random straight-line motion and spin, and per-pixel Gaussian
noise. The target is always larger than every distractor and stays fully in
frame.

The camera is still by default, so a frame difference is zero everywhere
but on the moving objects (plus noise): a temporal-gradient view is then a
clean outline of the target, which flatters methods that use it. With
``camera_motion > 0`` the camera pans in a straight line, in a direction
and by a length drawn per video (``camera_motion * size * U(0.5, 1)`` over
the clip), with a hand-held shake of up to 1 pixel per frame: the background
and the distractors move on screen and their edges show in every frame
difference. The target is placed in the scene where the camera sees it on
its labelled on-screen path; ``camera_motion <= 0.2`` keeps the pan below the
smallest target travel (0.25), so the target also moves in the labelled
direction relative to the background. The default background is smooth
(colour blobs, faint stripes), so a pan alone changes little in a frame
difference; ``clutter=N`` puts N still objects into the scene (any shape,
circles included, of a distractor's size and colour rule), whose edges a
moving camera turns into motion everywhere in the frame, as in real
footage. The rotation direction stays decidable while the turn between two
sampled frames is below half the symmetry period of the shape (36 degrees
for the star, 45 for square and cross, 60 for the triangle): at most 12
degrees per frame keeps it so for frame strides up to 2 (up to 3 for all
shapes but the star).

The random draws of a video come from ``numpy.random.default_rng([seed,
split, label, index])`` (:func:`video_rng`) in a fixed order that does not
depend on the class, so the output is reproducible, independent of the
generation order and of ``PYTHONHASHSEED``. Paired classes share the nuisance
distribution exactly: with the same generator, ``moves_left`` renders the
``moves_right`` target frames in reverse time order (likewise up/down and
clockwise/counter-clockwise), and two shapes with the same motion follow the
same trajectory.
"""
import colorsys
import math
import os
import os.path as osp
import time
from numbers import Integral, Real

import cv2
import numpy as np
from tqdm import tqdm

__all__ = [
    'SHAPES', 'MOTIONS', 'class_grid', 'class_names', 'video_rng',
    'render_clip', 'generate_dataset'
]

SHAPES = ('square', 'cross', 'triangle', 'star')
MOTIONS = ('moves_right', 'moves_left', 'moves_up', 'moves_down',
           'rotates_clockwise', 'rotates_counterclockwise')
_DISTRACTOR_SHAPES = SHAPES + ('circle', )
_SPLITS = {'train': 0, 'val': 1}

MIN_SIZE = 64
MIN_FRAMES = 4
MAX_CLASSES = len(SHAPES) * len(MOTIONS)

# nuisance ranges (fractions of the frame size unless stated otherwise)
_TARGET_RADIUS = (0.12, 0.17)  # radius of a square of equal area
_DISTRACTOR_RADIUS = (0.05, 0.08)
_TRAVEL = (0.25, 0.40)  # total translation over the clip
_CROSS_DRIFT = 0.10  # perpendicular drift, fraction of the travel
_ROT_DRIFT = 0.06  # drift of rotating targets (each axis)
_ROT_SPEED = (6.0, 12.0)  # degrees per frame
_DISTRACTOR_SPIN = 10.0  # degrees per frame, either direction
_NOISE_STD = (2.0, 8.0)  # per-pixel noise, grey levels
_CAMERA_PAN = (0.5, 1.0)  # pan length, fraction of camera_motion * size
_CAMERA_SHAKE = 1.0  # hand-held shake, pixels per frame (each axis, at most)
MAX_CAMERA_MOTION = 0.2  # below the smallest target travel, _TRAVEL[0]


def _regular_polygon(n, phase_deg, radius=1.0):
    a = np.deg2rad(phase_deg + 360.0 * np.arange(n) / n)
    return radius * np.stack([np.cos(a), np.sin(a)], axis=1)


def _star(points=5, inner=0.45):
    a = np.deg2rad(-90.0 + 180.0 * np.arange(2 * points) / points)
    r = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return np.stack([r * np.cos(a), r * np.sin(a)], axis=1)


def _cross(w=0.3):
    return np.array([(w, 1), (w, w), (1, w), (1, -w), (w, -w), (w, -1),
                     (-w, -1), (-w, -w), (-1, -w), (-1, w), (-w, w), (-w, 1)],
                    dtype=np.float64)


def _normalise_area(poly):
    """Scale ``poly`` to the area of a square of circumradius 1 (area 2)."""
    x, y = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    return poly * math.sqrt(2.0 / area)


# unit shapes with equal area, so that area is no shape cue
_POLYGONS = {
    'square': _normalise_area(_regular_polygon(4, 45.0)),
    'triangle': _normalise_area(_regular_polygon(3, -90.0)),
    'cross': _normalise_area(_cross()),
    'star': _normalise_area(_star()),
    'circle': _normalise_area(_regular_polygon(24, 0.0)),
}
# largest distance of a vertex from the centre, to keep objects in frame
_EXTENT = max(float(np.linalg.norm(p, axis=1).max())
              for p in _POLYGONS.values())


def _grid_shape(num_classes):
    """``(n_shapes, n_motions)`` of the factorial grid for ``num_classes``."""
    if num_classes == 2:
        return 1, 2
    candidates = [(ns * nm - num_classes, ns, nm)
                  for ns in range(2, len(SHAPES) + 1)
                  for nm in range(2, len(MOTIONS) + 1)
                  if ns * nm >= num_classes]
    _, ns, nm = min(candidates)
    return ns, nm


def _check_num_classes(num_classes):
    if (isinstance(num_classes, bool) or not isinstance(num_classes, Integral)
            or not 2 <= num_classes <= MAX_CLASSES):
        raise ValueError(f'num_classes must be an integer in '
                         f'2..{MAX_CLASSES}, got {num_classes!r}')


def class_grid(num_classes):
    """The ``(shape, motion)`` pair of every label.

    Args:
        num_classes (int): Number of classes, 2..24.

    Returns:
        list[tuple[str, str]]: Entry ``i`` is the ``(shape, motion)`` of
        label ``i`` (see the module docstring for the mapping).

    Raises:
        ValueError: If ``num_classes`` is out of range.
    """
    _check_num_classes(num_classes)
    ns, nm = _grid_shape(num_classes)
    cells = [(SHAPES[s], MOTIONS[m]) for s in range(ns) for m in range(nm)]
    return cells[:num_classes]


def class_names(num_classes):
    """Class names such as ``square_moves_right``, indexed by label.

    Args:
        num_classes (int): Number of classes, 2..24.

    Returns:
        list[str]: Entry ``i`` is the name of label ``i``.
    """
    return [f'{shape}_{motion}' for shape, motion in class_grid(num_classes)]


def video_rng(seed, split, label, index):
    """The random generator of one video of :func:`generate_dataset`.

    Args:
        seed (int): Data set seed (non-negative).
        split (str): ``'train'`` or ``'val'``.
        label (int): Class label.
        index (int): Index of the video within its class and split.

    Returns:
        numpy.random.Generator: Generator seeded from all four values.
    """
    return np.random.default_rng([seed, _SPLITS[split], label, index])


def _hsv_to_bgr(h, s, v):
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (255.0 * b, 255.0 * g, 255.0 * r)


def _object_colour(rng, dark):
    h, s, v = rng.random(), rng.uniform(0.4, 1.0), rng.random()
    v = 0.05 + 0.30 * v if dark else 0.70 + 0.30 * v
    return _hsv_to_bgr(h, s, v)


def _background(rng, size, bright):
    """Static textured background, float32 ``(size, size, 3)`` BGR."""
    h, s, v = rng.random(), rng.uniform(0.0, 0.8), rng.random()
    v = 0.65 + 0.30 * v if bright else 0.10 + 0.30 * v
    base = np.array(_hsv_to_bgr(h, s, v), dtype=np.float32)
    # low-frequency colour blobs, bounded in [-1, 1] (linear interpolation)
    cells = int(rng.integers(2, 7))
    grid = np.clip(rng.standard_normal((8, 8, 3)) / 1.5, -1, 1)
    grid = np.ascontiguousarray(grid[:cells, :cells], dtype=np.float32)
    blobs = cv2.resize(grid, (size, size), interpolation=cv2.INTER_LINEAR)
    blob_amp = rng.uniform(4.0, 18.0)
    # faint stripes of random period, orientation and phase
    period = rng.uniform(0.08, 0.3) * size
    angle = rng.uniform(0.0, math.pi)
    phase = rng.uniform(0.0, 2 * math.pi)
    stripe_amp = rng.uniform(0.0, 10.0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    proj = xx * math.cos(angle) + yy * math.sin(angle)
    stripes = np.sin(2 * math.pi * proj / period + phase)
    return (base + blob_amp * blobs +
            stripe_amp * stripes[..., None]).astype(np.float32)


def _target_params(rng, size):
    """Draw every target parameter, in a class-independent order."""
    p = {}
    p['radius'] = rng.uniform(*_TARGET_RADIUS) * size
    p['theta0'] = rng.uniform(0.0, 2 * math.pi)
    p['travel'] = rng.uniform(*_TRAVEL) * size
    p['cross_drift'] = rng.uniform(-_CROSS_DRIFT, _CROSS_DRIFT) * p['travel']
    p['u_along'], p['u_cross'], p['w_cross'] = rng.random(3)
    p['omega'] = np.deg2rad(rng.uniform(*_ROT_SPEED))
    p['rot_drift'] = rng.uniform(-_ROT_DRIFT, _ROT_DRIFT, size=2) * size
    p['u_rot'] = rng.random(2)
    p['w_rot'] = rng.random(2)
    return p


def _target_path(p, motion, size, s):
    """Centres ``(T, 2)`` and angles ``(T,)`` of the target.

    ``s`` runs from 0 to 1 over the clip; the reversed motions of a pair
    (left, up, counter-clockwise) use ``s[::-1]``.
    """
    lo = p['radius'] * _EXTENT + 1.0
    hi = size - 1.0 - p['radius'] * _EXTENT
    span = hi - lo
    if motion in ('moves_left', 'moves_up', 'rotates_counterclockwise'):
        s = s[::-1]
    if motion.startswith('moves'):
        travel, drift = p['travel'], p['cross_drift']
        along = lo + p['u_along'] * (span - travel) + travel * s
        mid = (lo + abs(drift) / 2 + p['u_cross'] * (span - travel) +
               p['w_cross'] * (travel - abs(drift)))
        cross = mid + drift * (s - 0.5)
        if motion in ('moves_right', 'moves_left'):
            centres = np.stack([along, cross], axis=1)
        else:  # down = +y in image coordinates
            centres = np.stack([cross, along], axis=1)
        angles = np.full_like(s, p['theta0'])
    else:
        travel = p['travel']
        cols = []
        for axis in range(2):
            drift = p['rot_drift'][axis]
            mid = (lo + abs(drift) / 2 + p['u_rot'][axis] * (span - travel) +
                   p['w_rot'][axis] * (travel - abs(drift)))
            cols.append(mid + drift * (s - 0.5))
        centres = np.stack(cols, axis=1)
        # angle grows clockwise on screen (y axis points down)
        angles = p['theta0'] + p['omega'] * (len(s) - 1) * s
    return centres, angles


def _distractor_params(rng, size, num_frames, dark):
    """Two distractors' paths (always drawn; the clip uses 1 or 2)."""
    count = int(rng.integers(1, 3))
    items = []
    for _ in range(2):
        shape = _DISTRACTOR_SHAPES[int(rng.integers(len(_DISTRACTOR_SHAPES)))]
        colour = _object_colour(rng, dark)
        radius = rng.uniform(*_DISTRACTOR_RADIUS) * size
        lo = radius * _EXTENT + 1.0
        hi = size - 1.0 - radius * _EXTENT
        start = rng.uniform(lo, hi, size=2)
        end = rng.uniform(lo, hi, size=2)
        frac = rng.random()
        theta0 = rng.uniform(0.0, 2 * math.pi)
        spin = np.deg2rad(rng.uniform(-_DISTRACTOR_SPIN, _DISTRACTOR_SPIN))
        s = np.linspace(0.0, 1.0, num_frames)
        centres = start + frac * (end - start) * s[:, None]
        angles = theta0 + spin * np.arange(num_frames)
        items.append((shape, colour, radius, centres, angles))
    return items[:count]


def _camera_margin(camera_motion, size):
    """Pixels the camera can move from the centre of the clip's path."""
    return int(math.ceil(camera_motion * size * _CAMERA_PAN[1] / 2 +
                         _CAMERA_SHAKE)) + 1


def _camera_offsets(rng, camera_motion, size, num_frames):
    """Per-frame camera position ``(T, 2)`` (x, y), pixels from centre."""
    length = camera_motion * size * rng.uniform(*_CAMERA_PAN)
    angle = rng.uniform(0.0, 2 * math.pi)
    s = np.linspace(-0.5, 0.5, num_frames)[:, None]
    pan = length * s * np.array([math.cos(angle), math.sin(angle)])
    shake = rng.uniform(-_CAMERA_SHAKE, _CAMERA_SHAKE, size=(num_frames, 2))
    return pan + shake


def _clutter_params(rng, count, size, canvas, dark):
    """``count`` still objects, anywhere in a scene of ``canvas`` pixels."""
    items = []
    for _ in range(count):
        shape = _DISTRACTOR_SHAPES[int(rng.integers(len(_DISTRACTOR_SHAPES)))]
        colour = _object_colour(rng, dark)
        radius = rng.uniform(*_DISTRACTOR_RADIUS) * size
        centre = rng.uniform(0.0, canvas, size=(1, 2))
        angle = rng.uniform(0.0, 2 * math.pi, size=1)
        items.append((shape, colour, radius, centre, angle))
    return items


def _film(scene, offsets, margin, size):
    """Crop each scene frame at its camera position (sub-pixel)."""
    frames = np.empty((len(scene), size, size, 3), dtype=np.float32)
    for t, (dx, dy) in enumerate(offsets):
        shift = np.float32([[1, 0, -(margin + dx)], [0, 1, -(margin + dy)]])
        frames[t] = cv2.warpAffine(
            scene[t], shift, (size, size), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT)
    return frames


def _vertices(shape, radius, centres, angles):
    """Fixed-point (``shift=4``) polygon vertices ``(T, K, 2)`` int32."""
    unit = _POLYGONS[shape]
    c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
    x = unit[None, :, 0] * c - unit[None, :, 1] * s
    y = unit[None, :, 0] * s + unit[None, :, 1] * c
    pts = centres[:, None, :] + radius * np.stack([x, y], axis=-1)
    return np.round(pts * 16.0).astype(np.int32)


def _draw(frames, shape, colour, radius, centres, angles):
    verts = _vertices(shape, radius, centres, angles)
    for frame, pts in zip(frames, verts):
        cv2.fillPoly(frame, [pts], colour, lineType=cv2.LINE_AA, shift=4)


def render_clip(rng,
                shape,
                motion,
                num_frames=16,
                size=64,
                *,
                target=True,
                distractors=True,
                noise=True,
                camera_motion=0.0,
                clutter=0):
    """Render one clip of the class ``(shape, motion)``.

    The generator is consumed in the same order whatever ``shape``,
    ``motion`` and the switches are, so calls with equally seeded generators
    share every nuisance factor (background, colours, size, position,
    distractors, noise). The switches exist for inspection and tests. A
    moving camera's path and the clutter are drawn last, so
    ``camera_motion=0, clutter=0`` renders exactly the clip of a still
    camera over an empty scene.

    Args:
        rng (numpy.random.Generator): Source of all random draws.
        shape (str): One of :data:`SHAPES`.
        motion (str): One of :data:`MOTIONS`.
        num_frames (int): Number of frames.
        size (int): Frame height and width in pixels.
        target (bool): Draw the labelled target object.
        distractors (bool): Draw the distractor objects.
        noise (bool): Add per-pixel noise.
        camera_motion (float): Largest camera pan over the clip, a
            fraction of ``size`` in ``[0, 0.2]``; 0 (default) is a still
            camera. See the module docstring.
        clutter (int): Still objects in the scene behind the distractors
            (>= 0; default 0).

    Returns:
        numpy.ndarray: ``(num_frames, size, size, 3)`` uint8 frames, BGR.

    Raises:
        ValueError: If ``shape``, ``motion``, ``camera_motion`` or
            ``clutter`` is invalid.
    """
    if shape not in SHAPES:
        raise ValueError(f'shape must be one of {SHAPES}, got {shape!r}')
    if motion not in MOTIONS:
        raise ValueError(f'motion must be one of {MOTIONS}, got {motion!r}')
    _check_camera_motion(camera_motion)
    _check_int('clutter', clutter, 0)
    # a moving camera films a larger scene; its draws do not depend on size
    margin = _camera_margin(camera_motion, size) if camera_motion else 0
    bright_bg = bool(rng.random() < 0.5)
    background = _background(rng, size + 2 * margin, bright_bg)
    colour = _object_colour(rng, bright_bg)
    params = _target_params(rng, size)
    items = _distractor_params(rng, size, num_frames, bright_bg)
    noise_std = rng.uniform(*_NOISE_STD)
    pixel_noise = rng.standard_normal((num_frames, size, size, 3),
                                      dtype=np.float32)

    offsets = (_camera_offsets(rng, camera_motion, size, num_frames)
               if camera_motion else None)
    for item in _clutter_params(rng, clutter, size, size + 2 * margin,
                                bright_bg):
        _draw(background[None], *item)
    frames = np.repeat(background[None], num_frames, axis=0)
    if distractors:
        for shape_d, colour_d, radius_d, centres_d, angles_d in items:
            _draw(frames, shape_d, colour_d, radius_d, centres_d + margin,
                  angles_d)
    if target:
        s = np.linspace(0.0, 1.0, num_frames)
        centres, angles = _target_path(params, motion, size, s)
        if camera_motion:  # placed in the scene where the camera sees it
            centres = centres + margin + offsets
        _draw(frames, shape, colour, params['radius'], centres, angles)
    if camera_motion:
        frames = _film(frames, offsets, margin, size)
    if noise:
        frames += noise_std * pixel_noise
    return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def _write_video(path, frames, fps):
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'),
                             float(fps), (width, height))
    if not writer.isOpened():
        raise RuntimeError(f'cv2.VideoWriter could not open {path} '
                           "(fourcc 'mp4v'); is OpenCV built with FFmpeg?")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()


def _check_int(name, value, minimum):
    if (isinstance(value, bool) or not isinstance(value, Integral)
            or value < minimum):
        raise ValueError(
            f'{name} must be an integer >= {minimum}, got {value!r}')


def _check_camera_motion(camera_motion):
    if (isinstance(camera_motion, bool) or not isinstance(camera_motion, Real)
            or not 0 <= camera_motion <= MAX_CAMERA_MOTION):
        raise ValueError(
            f'camera_motion must be a number in [0, {MAX_CAMERA_MOTION}] (a '
            'fraction of the frame size; larger pans could reverse the '
            f'target\'s motion relative to the background), got '
            f'{camera_motion!r}')


def _check_args(seed, num_classes, videos_per_class, val_per_class,
                num_frames, size, fps, camera_motion, clutter):
    _check_int('seed', seed, 0)
    _check_num_classes(num_classes)
    _check_int('videos_per_class', videos_per_class, 1)
    _check_int('val_per_class', val_per_class, 1)
    _check_int('num_frames', num_frames, MIN_FRAMES)
    _check_int('size', size, MIN_SIZE)
    if size % 2:
        raise ValueError(f'size must be even (mp4v encoding), got {size}')
    if (isinstance(fps, bool) or not isinstance(fps, Real)
            or not math.isfinite(fps) or fps <= 0):
        raise ValueError(f'fps must be a positive number, got {fps!r}')
    _check_camera_motion(camera_motion)
    _check_int('clutter', clutter, 0)


def generate_dataset(out_dir,
                     seed=0,
                     num_classes=8,
                     videos_per_class=40,
                     val_per_class=50,
                     num_frames=16,
                     size=64,
                     fps=8,
                     camera_motion=0.0,
                     clutter=0,
                     show_progress=True):
    """Write the synthetic shape x motion video data set to ``out_dir``.

    Writes ``videos/{train,val}/cXX_vYYYY.mp4`` (``XX`` the label, ``YYYY``
    the index in the class), the list files ``train.txt`` and ``val.txt``
    (``videos/train/c03_v0012.mp4 3`` per line, paths relative to
    ``out_dir``, ordered by label then index) and ``classes.txt`` (line ``i``
    names label ``i``). Files of an earlier run in ``out_dir`` are
    overwritten; extra old videos are left alone but not listed. The same
    arguments give identical list files and decoded frames.

    Args:
        out_dir (str): Output directory (created if missing).
        seed (int): Non-negative seed of the whole data set.
        num_classes (int): Number of classes, 2..24; see the module
            docstring for the mapping onto the shape x motion grid.
        videos_per_class (int): Training videos per class (>= 1).
        val_per_class (int): Validation videos per class (>= 1). The
            default 50 (400 clips for 8 classes) puts the standard error
            of a top-1 near 35% at about 2.4 points; with the former 10
            per class it was about 5 points, too coarse to compare
            algorithms. Training videos do not depend on it.
        num_frames (int): Frames per video (>= 4).
        size (int): Frame height and width in pixels, even and >= 64
            (decord fails on smaller frames).
        fps (float): Frame rate stored in the files.
        camera_motion (float): Largest camera pan over a clip, a fraction
            of ``size`` in ``[0, 0.2]``; 0 (default) is a still camera, as
            the demo data. A moving camera makes the background show in
            frame differences (see the module docstring).
        clutter (int): Still objects in every scene (>= 0; default 0, as
            the demo data); with a moving camera their edges move too.
        show_progress (bool): Show a tqdm progress bar.

    Returns:
        dict: Summary with ``out_dir``, ``seed``, ``num_classes``,
        ``class_names``, ``grid`` (``(n_shapes, n_motions)``),
        ``num_train``, ``num_val``, ``num_frames``, ``size``, ``fps``,
        ``camera_motion``, ``clutter``,
        ``train_list``, ``val_list``, ``classes_file`` (absolute paths) and
        ``seconds`` (generation time).

    Raises:
        ValueError: If an argument is invalid (checked before anything is
            written).
        RuntimeError: If OpenCV cannot write mp4v videos.
    """
    _check_args(seed, num_classes, videos_per_class, val_per_class,
                num_frames, size, fps, camera_motion, clutter)
    start = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    cells = class_grid(num_classes)
    names = class_names(num_classes)
    per_split = {'train': videos_per_class, 'val': val_per_class}
    for split in per_split:
        os.makedirs(osp.join(out_dir, 'videos', split), exist_ok=True)

    lines = {split: [] for split in per_split}
    total = num_classes * (videos_per_class + val_per_class)
    with tqdm(total=total, desc='synthetic videos', unit='video',
              disable=not show_progress) as bar:
        for split, count in per_split.items():
            for label, (shape, motion) in enumerate(cells):
                for index in range(count):
                    rel = f'videos/{split}/c{label:02d}_v{index:04d}.mp4'
                    clip = render_clip(
                        video_rng(seed, split, label, index), shape, motion,
                        num_frames, size, camera_motion=camera_motion,
                        clutter=clutter)
                    _write_video(osp.join(out_dir, rel), clip, fps)
                    lines[split].append(f'{rel} {label}\n')
                    bar.update(1)

    paths = {}
    for split, split_lines in lines.items():
        paths[split] = osp.join(out_dir, f'{split}.txt')
        with open(paths[split], 'w') as f:
            f.writelines(split_lines)
    classes_file = osp.join(out_dir, 'classes.txt')
    with open(classes_file, 'w') as f:
        f.writelines(f'{name}\n' for name in names)

    return dict(
        out_dir=out_dir,
        seed=seed,
        num_classes=num_classes,
        class_names=names,
        grid=_grid_shape(num_classes),
        num_train=len(lines['train']),
        num_val=len(lines['val']),
        num_frames=num_frames,
        size=size,
        fps=fps,
        camera_motion=camera_motion,
        clutter=clutter,
        train_list=paths['train'],
        val_list=paths['val'],
        classes_file=classes_file,
        seconds=time.perf_counter() - start)
