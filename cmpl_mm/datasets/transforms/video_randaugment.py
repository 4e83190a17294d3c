"""Clip-consistent RandAugment for video (strong augmentation for FixMatch).

The ops are drawn once per sample and applied identically to every frame, so
the augmentation never introduces temporal flicker: a clip of identical
frames stays a clip of identical frames.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from .flow_frames import FLOW_ZERO, RGB_CHANNELS, transform_flow_vectors

#: Magnitudes live on ``[0, _MAX_LEVEL]`` (the RandAugment paper's scale).
_MAX_LEVEL = 10.

#: Every op, in the order used to index random draws.
VALID_OPS = ('AutoContrast', 'Equalize', 'Rotate', 'Solarize', 'Color',
             'Posterize', 'Contrast', 'Brightness', 'Sharpness', 'ShearX',
             'ShearY', 'TranslateX', 'TranslateY', 'Identity')

#: Ops whose magnitude gets a random sign (the identity sits at magnitude 0
#: and the op moves away from it in either direction).
SIGNED_OPS = frozenset(('Rotate', 'Color', 'Contrast', 'Brightness',
                        'Sharpness', 'ShearX', 'ShearY', 'TranslateX',
                        'TranslateY'))

#: Ops that ignore the magnitude.
MAGNITUDE_FREE_OPS = frozenset(('AutoContrast', 'Equalize', 'Identity'))

#: Ops that move pixels (the others change their values): the only ones
#: applied to flow channels.
GEOMETRIC_OPS = frozenset(('Rotate', 'ShearX', 'ShearY', 'TranslateX',
                           'TranslateY'))

_MAX_ROTATE = 30.  # degrees
_MAX_SHEAR = 0.3  # shear factor
_MAX_TRANSLATE = 0.3  # fraction of the image side
_MAX_ENHANCE = 0.9  # enhancement factor is 1 +- 0.9 * M / 10
_MAX_POSTERIZE_DROP = 4  # bits 8 -> 4


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


@TRANSFORMS.register_module()
class VideoRandAugment(BaseTransform):
    """Clip-consistent RandAugment for video frames.

    ``num_ops`` ops are drawn uniformly (with replacement) from the op set,
    each with magnitude ``magnitude`` and, for signed ops, a random sign. The
    draw happens ONCE per sample and the same deterministic function is then
    applied to every frame. Ops that use image statistics (``AutoContrast``,
    ``Equalize``, ``Contrast``) compute them over the whole clip, so they map
    every frame through the same lookup table / affine map.

    Op to magnitude ``M`` (on ``0..10``, signed ops get a random sign ``s``):

    ==============  ================================================  ======
    op              parameter                                         M = 0
    ==============  ================================================  ======
    AutoContrast    none (per-channel min/max of the clip)            --
    Equalize        none (per-channel histogram of the clip)          --
    Rotate          angle ``s * 30 * M / 10`` degrees (about centre)  id
    Solarize        threshold ``round(256 * (1 - M / 10))``           id
    Color           factor ``1 + s * 0.9 * M / 10``                   id
    Posterize       bits ``8 - round(4 * M / 10)``                    id
    Contrast        factor ``1 + s * 0.9 * M / 10`` (clip mean grey)  id
    Brightness      factor ``1 + s * 0.9 * M / 10``                   id
    Sharpness       factor ``1 + s * 0.9 * M / 10``                   id
    ShearX/ShearY   shear ``s * 0.3 * M / 10``                        id
    TranslateX/Y    offset ``s * 0.3 * M / 10`` of the width/height   id
    Identity        none                                              --
    ==============  ================================================  ======

    Expected input: ``results['imgs']``, a list of ``HxWx3`` uint8 RGB frames
    (or one ``TxHxWx3`` uint8 array) after decoding, resizing and cropping
    and before ``FormatShape``. The output has the same structure, shapes and
    dtype; a list comes back as a list of views into one stacked array.

    Frames of 5 channels carry optical flow behind the RGB ones
    (:class:`~cmpl_mm.datasets.transforms.LoadFlowForFrames`). The
    pixel-value ops (contrast, colour, solarize, ...) change the RGB
    channels only: flow values are motion, not light. The geometric ops
    (:data:`GEOMETRIC_OPS`) move the flow with the frames, fill uncovered
    pixels with zero motion, and rotate or shear its vectors by the same
    linear map (a translation leaves them alone). Cutout erases the flow
    of the rectangle to zero motion. ``reverse_prob > 0`` is refused on
    such frames (the reversed clip's flow would belong to other frame
    pairs).

    When ``results['num_clips'] > 1`` all clips of the sample get the same
    draw (one draw per sample, statistics over all frames of the sample); the
    optional temporal reversal reverses each clip of
    ``len(imgs) // num_clips`` frames in place, keeping the clip order.

    The signed magnitudes of the applied ops are recorded in
    ``results['rand_augment_ops']`` as a list of ``(name, magnitude)``
    tuples; :meth:`apply_op` replays one of them. Magnitude-free ops record
    the drawn magnitude, which they ignore.

    Randomness comes from ``numpy.random`` (seeded per dataloader worker by
    MMEngine), so results are reproducible under ``np.random.seed``.

    Required keys: ``imgs``. Modified keys: ``imgs``. Added keys:
    ``rand_augment_ops``.

    Args:
        num_ops (int): Number of ops drawn per sample. Defaults to 2.
        magnitude (float): Magnitude ``M`` of every op on the ``0..10``
            scale. Defaults to 9.
        magnitude_std (float): If positive, each op's magnitude is drawn from
            ``N(magnitude, magnitude_std)`` clipped to ``[0, 10]``; ``inf``
            draws it uniformly from ``[0, magnitude]``. Defaults to 0.
        ops (Sequence[str], optional): Restrict the op set to these names (a
            name given twice is drawn twice as often). ``None`` uses every op
            in :data:`VALID_OPS`. Defaults to None.
        fill (int | Sequence[int]): Fill value of the pixels uncovered by
            the geometric ops and of the cutout rectangle, one value or one
            per channel. Defaults to 128.
        interpolation (str): Interpolation of the geometric ops, as in
            :func:`mmcv.imresize`. Defaults to ``'bilinear'``.
        cutout_prob (float): Probability of erasing one rectangle, at the
            same place in every frame, after the ops. Defaults to 0.0.
        cutout_scale (Tuple[float, float]): Range of the rectangle's area as
            a fraction of the frame area. Defaults to ``(0.02, 0.2)``.
        cutout_ratio (Tuple[float, float]): Range of the rectangle's aspect
            ratio (height / width), sampled log-uniformly. Defaults to
            ``(0.3, 3.3)``.
        reverse_prob (float): Probability of reversing the frame order. This
            is a temporal augmentation and changes the label of direction
            dependent classes (e.g. "pushing left to right" vs "right to
            left" in Something-Something), so keep it at 0 for such data
            sets. Defaults to 0.0.
        rng (np.random.RandomState | np.random.Generator, optional): Random
            generator to use instead of the global ``numpy.random`` state.
            A generator is copied into every dataloader worker, which then
            draw identical augmentations; leave it ``None`` for training.
            Defaults to None.
    """

    def __init__(self,
                 num_ops: int = 2,
                 magnitude: float = 9,
                 magnitude_std: float = 0.,
                 ops: Optional[Sequence[str]] = None,
                 fill: Union[int, Sequence[int]] = 128,
                 interpolation: str = 'bilinear',
                 cutout_prob: float = 0.,
                 cutout_scale: Tuple[float, float] = (0.02, 0.2),
                 cutout_ratio: Tuple[float, float] = (0.3, 3.3),
                 reverse_prob: float = 0.,
                 rng=None) -> None:
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) \
                or num_ops < 0:
            raise ValueError(
                f'num_ops must be a non-negative int, got {num_ops!r}')
        if not 0 <= magnitude <= _MAX_LEVEL:
            raise ValueError(
                f'magnitude must be in [0, {_MAX_LEVEL:g}], got {magnitude}')
        if not magnitude_std >= 0:
            raise ValueError(
                f'magnitude_std must be >= 0, got {magnitude_std}')
        if ops is None:
            ops = VALID_OPS
        if isinstance(ops, str):
            ops = (ops, )
        ops = tuple(ops)
        invalid = [op for op in ops if op not in VALID_OPS]
        if invalid or not ops:
            raise ValueError(
                f'invalid op name(s) {invalid}; ops must be a non-empty '
                f'subset of {list(VALID_OPS)}')
        if isinstance(fill, (int, np.integer)):
            fill = (int(fill), ) * 3
        fill = tuple(int(v) for v in fill)
        if len(fill) != 3 or not all(0 <= v <= 255 for v in fill):
            raise ValueError(
                f'fill must be one or three values in [0, 255], got {fill}')
        for name, prob in (('cutout_prob', cutout_prob),
                           ('reverse_prob', reverse_prob)):
            if not 0 <= prob <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {prob}')
        cutout_scale = tuple(float(v) for v in cutout_scale)
        if len(cutout_scale) != 2 or \
                not 0 < cutout_scale[0] <= cutout_scale[1] <= 1:
            raise ValueError('cutout_scale must be (low, high) with '
                             f'0 < low <= high <= 1, got {cutout_scale}')
        cutout_ratio = tuple(float(v) for v in cutout_ratio)
        if len(cutout_ratio) != 2 or \
                not 0 < cutout_ratio[0] <= cutout_ratio[1]:
            raise ValueError('cutout_ratio must be (low, high) with '
                             f'0 < low <= high, got {cutout_ratio}')

        self.num_ops = num_ops
        self.magnitude = float(magnitude)
        self.magnitude_std = float(magnitude_std)
        self.ops = ops
        self.fill = fill
        self.interpolation = interpolation
        self.cutout_prob = float(cutout_prob)
        self.cutout_scale = cutout_scale
        self.cutout_ratio = cutout_ratio
        self.reverse_prob = float(reverse_prob)
        self.rng = rng

    # ------------------------------------------------------------------ #
    # random draws
    # ------------------------------------------------------------------ #
    @property
    def _random(self):
        return np.random if self.rng is None else self.rng

    def _draw_magnitude(self) -> float:
        rng = self._random
        if self.magnitude_std == 0:
            return self.magnitude
        if math.isinf(self.magnitude_std):
            return float(rng.uniform(0., self.magnitude))
        return float(
            np.clip(
                rng.normal(self.magnitude, self.magnitude_std), 0.,
                _MAX_LEVEL))

    def draw_ops(self) -> List[Tuple[str, float]]:
        """Draw the ops of one sample.

        Returns:
            list[tuple[str, float]]: ``(name, signed magnitude)`` pairs, in
            the order they are applied.
        """
        rng = self._random
        drawn = []
        for idx in rng.choice(len(self.ops), size=self.num_ops):
            name = self.ops[int(idx)]
            mag = self._draw_magnitude()
            if name in SIGNED_OPS and rng.uniform() < 0.5:
                mag = -mag
            drawn.append((name, float(mag)))
        return drawn

    # ------------------------------------------------------------------ #
    # ops; every op maps a (T, H, W, 3) uint8 clip to a new one
    # ------------------------------------------------------------------ #
    @staticmethod
    def op_param(name: str, magnitude: float):
        """Concrete parameter of op ``name`` at (signed) ``magnitude``.

        Args:
            name (str): Op name, one of :data:`VALID_OPS`.
            magnitude (float): Signed magnitude on the ``0..10`` scale.

        Returns:
            float | int | None: Rotation angle in degrees, shear factor,
            translation as a fraction of the image side, enhancement factor,
            solarize threshold or posterize bits; ``None`` for the
            magnitude-free ops.
        """
        level = magnitude / _MAX_LEVEL
        if name in MAGNITUDE_FREE_OPS:
            return None
        if name == 'Rotate':
            return _MAX_ROTATE * level
        if name in ('ShearX', 'ShearY'):
            return _MAX_SHEAR * level
        if name in ('TranslateX', 'TranslateY'):
            return _MAX_TRANSLATE * level
        if name in ('Color', 'Contrast', 'Brightness', 'Sharpness'):
            return 1. + _MAX_ENHANCE * level
        if name == 'Solarize':
            return min(256, max(0, _round_half_up(256 * (1. - abs(level)))))
        if name == 'Posterize':
            drop = _round_half_up(_MAX_POSTERIZE_DROP * abs(level))
            return 8 - min(_MAX_POSTERIZE_DROP, max(0, drop))
        raise ValueError(
            f'unknown op {name!r}; valid ops are {list(VALID_OPS)}')

    def apply_op(self, clip: np.ndarray, name: str, magnitude: float,
                 fill: Optional[Tuple[int, ...]] = None) -> np.ndarray:
        """Apply one op to every frame of a clip.

        Args:
            clip (np.ndarray): ``(T, H, W, 3)`` uint8 RGB clip; not modified.
                A geometric op takes any channel count (e.g. the 2 flow
                channels, moved as pixels only).
            name (str): Op name, one of :data:`VALID_OPS`.
            magnitude (float): Signed magnitude on the ``0..10`` scale, as
                recorded in ``results['rand_augment_ops']``.
            fill (tuple[int], optional): Fill value per channel of the
                geometric ops. Defaults to None (``self.fill``).

        Returns:
            np.ndarray: The augmented ``(T, H, W, C)`` uint8 clip.
        """
        param = self.op_param(name, magnitude)
        fill = self.fill if fill is None else tuple(fill)
        t, h, w, c = clip.shape
        # Pointwise ops run once on the frames stacked vertically, so
        # statistics (min/max, histogram, mean grey) are those of the clip.
        flat = clip.reshape(t * h, w, c)

        if name == 'Identity':
            out = clip.copy()
        elif name == 'AutoContrast':
            out = mmcv.auto_contrast(flat)
        elif name == 'Equalize':
            out = mmcv.imequalize(flat)
        elif name == 'Solarize':
            out = mmcv.solarize(clip, param)
        elif name == 'Posterize':
            out = mmcv.posterize(clip, param)
        elif name == 'Brightness':
            out = mmcv.adjust_brightness(flat, param, backend='cv2')
        elif name == 'Color':
            # mmcv's grey conversion expects BGR: flip the channel views.
            out = mmcv.adjust_color(
                flat[..., ::-1], param, backend='cv2')[..., ::-1]
        elif name == 'Contrast':
            # mmcv's grey conversion expects BGR: flip the channel views.
            out = mmcv.adjust_contrast(
                np.ascontiguousarray(flat[..., ::-1]), param,
                backend='cv2')[..., ::-1]
        elif name == 'Sharpness':
            # the smoothing kernel must not cross frame borders
            out = np.stack(
                [mmcv.adjust_sharpness(frame, param) for frame in clip])
        elif name == 'Rotate':
            # tuple fill: mmcv.imrotate passes an int to cv2 as (v, 0, 0)
            out = np.stack([
                mmcv.imrotate(
                    frame,
                    param,
                    border_value=fill,
                    interpolation=self.interpolation) for frame in clip
            ])
        elif name in ('ShearX', 'ShearY'):
            direction = 'horizontal' if name == 'ShearX' else 'vertical'
            out = np.stack([
                mmcv.imshear(
                    frame,
                    param,
                    direction,
                    border_value=fill,
                    interpolation=self.interpolation) for frame in clip
            ])
        elif name in ('TranslateX', 'TranslateY'):
            horizontal = name == 'TranslateX'
            offset = param * (w if horizontal else h)
            out = np.stack([
                mmcv.imtranslate(
                    frame,
                    offset,
                    'horizontal' if horizontal else 'vertical',
                    border_value=fill,
                    interpolation=self.interpolation) for frame in clip
            ])
        else:  # op_param has rejected unknown names already
            raise AssertionError(name)
        return np.ascontiguousarray(out, dtype=np.uint8).reshape(t, h, w, c)

    def apply_flow_op(self, flow: np.ndarray, name: str,
                      magnitude: float) -> np.ndarray:
        """Apply one op to the flow channels of a clip: a geometric op
        moves the pixels (uncovered ones get zero motion) and maps the
        vectors by the op's linear part; the other ops leave flow alone.

        Args:
            flow (np.ndarray): ``(T, H, W, 2)`` uint8 flow ``(x, y)``.
            name (str): Op name, one of :data:`VALID_OPS`.
            magnitude (float): Signed magnitude, as for :meth:`apply_op`.

        Returns:
            np.ndarray: The augmented ``(T, H, W, 2)`` uint8 flow.
        """
        if name not in GEOMETRIC_OPS:
            return flow
        moved = self.apply_op(flow, name, magnitude,
                              fill=(FLOW_ZERO, ) * flow.shape[-1])
        param = self.op_param(name, magnitude)
        if name == 'Rotate':  # the linear part of mmcv.imrotate's matrix
            matrix = cv2.getRotationMatrix2D((0., 0.), -param, 1.)[:, :2]
        elif name == 'ShearX':  # mmcv.imshear's matrices
            matrix = np.array([[1., param], [0., 1.]])
        elif name == 'ShearY':
            matrix = np.array([[1., 0.], [param, 1.]])
        else:  # a translation moves the field, not its vectors
            return moved
        return transform_flow_vectors(moved, matrix)

    # ------------------------------------------------------------------ #
    def _cutout(self, clip: np.ndarray,
                flow: Optional[np.ndarray] = None) -> None:
        """Erase one rectangle, same place in every frame (in place), and
        the flow's motion there."""
        rng = self._random
        _, h, w, _ = clip.shape
        area = rng.uniform(*self.cutout_scale) * h * w
        log_ratio = rng.uniform(
            math.log(self.cutout_ratio[0]), math.log(self.cutout_ratio[1]))
        ratio = math.exp(log_ratio)
        eh = min(h, max(1, _round_half_up(math.sqrt(area * ratio))))
        ew = min(w, max(1, _round_half_up(math.sqrt(area / ratio))))
        y0 = min(h - eh, int(rng.uniform(0, h - eh + 1)))
        x0 = min(w - ew, int(rng.uniform(0, w - ew + 1)))
        clip[:, y0:y0 + eh, x0:x0 + ew] = np.asarray(self.fill, np.uint8)
        if flow is not None:
            flow[:, y0:y0 + eh, x0:x0 + ew] = FLOW_ZERO

    @staticmethod
    def _reverse(clip: np.ndarray, num_clips: int) -> np.ndarray:
        t = clip.shape[0]
        if num_clips > 1 and t % num_clips == 0:
            return clip.reshape(num_clips, t // num_clips,
                                *clip.shape[1:])[:, ::-1].reshape(clip.shape)
        return clip[::-1].copy()

    def transform(self, results: dict) -> dict:
        """Augment ``results['imgs']``.

        Args:
            results (dict): The result dict, with ``imgs``.

        Returns:
            dict: The result dict with augmented ``imgs`` and
            ``rand_augment_ops``.
        """
        rng = self._random
        ops = self.draw_ops()
        do_cutout = self.cutout_prob > 0 and rng.uniform() < self.cutout_prob
        do_reverse = (
            self.reverse_prob > 0 and rng.uniform() < self.reverse_prob)
        results['rand_augment_ops'] = ops
        if not (ops or do_cutout or do_reverse):
            return results

        imgs = results['imgs']
        as_list = not isinstance(imgs, np.ndarray)
        clip = np.stack(imgs) if as_list else imgs
        if clip.ndim != 4 or clip.shape[-1] not in (3, 5) \
                or clip.dtype != np.uint8:
            raise ValueError(
                'VideoRandAugment expects uint8 HxWx3 frames (HxWx5 with '
                f'flow), got a clip of shape {clip.shape} and dtype '
                f'{clip.dtype}')
        flow = None
        if clip.shape[-1] > RGB_CHANNELS:
            if do_reverse:
                raise ValueError(
                    'VideoRandAugment: reverse_prob > 0 cannot reverse the '
                    'flow channels of a clip; set it to 0 for flow data')
            clip, flow = clip[..., :RGB_CHANNELS], clip[..., RGB_CHANNELS:]
            clip, flow = np.ascontiguousarray(clip), np.ascontiguousarray(
                flow)
        for name, mag in ops:
            clip = self.apply_op(clip, name, mag)
            if flow is not None:
                flow = self.apply_flow_op(flow, name, mag)
        if do_cutout:
            if clip is imgs:
                clip = clip.copy()
            self._cutout(clip, flow)
        if do_reverse:
            clip = self._reverse(clip, int(results.get('num_clips', 1)))
        if flow is not None:
            clip = np.concatenate([clip, flow], axis=-1)
        results['imgs'] = list(clip) if as_list else clip
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'num_ops={self.num_ops}, '
                f'magnitude={self.magnitude:g}, '
                f'magnitude_std={self.magnitude_std:g}, '
                f'ops={self.ops}, '
                f'fill={self.fill}, '
                f'interpolation={self.interpolation!r}, '
                f'cutout_prob={self.cutout_prob:g}, '
                f'cutout_scale={self.cutout_scale}, '
                f'cutout_ratio={self.cutout_ratio}, '
                f'reverse_prob={self.reverse_prob:g}, '
                f'rng={self.rng!r})')
