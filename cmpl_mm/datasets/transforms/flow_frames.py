"""Precomputed optical flow, stacked behind the RGB channels of the frames
it belongs to, so every later spatial transform moves both alike.

mmaction2 lays out a video's frames as one folder (``RawframeDataset``,
``tools/data/build_rawframes.py --task both``)::

    data/ucf101/rawframes/ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01/
        img_00001.jpg     flow_x_00001.jpg     flow_y_00001.jpg
        img_00002.jpg     flow_x_00002.jpg     flow_y_00002.jpg
        ...               (one flow frame fewer than RGB frames)

A flow frame is one component of the motion from frame ``i`` to ``i + 1``,
quantised to uint8 around :data:`FLOW_ZERO` (mmaction2's flow configs
normalise it with mean 128, std 128). After
:class:`LoadFlowForFrames` every frame is ``H x W x 5`` uint8, channels
``R, G, B, flow_x, flow_y``; the data preprocessor normalises the two parts
apart and :func:`~cmpl_mm.models.modalities.to_modality` slices them.

Like mmaction2's flow pipelines, a resize or crop moves the flow field's
grid but leaves its values alone; a flip negates the flipped component
(:class:`RGBFlowFlip`), and ``VideoRandAugment`` rotates and shears the
flow vectors with the frames.
"""
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
from mmaction.datasets.transforms import Flip
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine import fileio

#: uint8 code of zero motion in a flow frame
FLOW_ZERO = 128
RGB_CHANNELS = 3
#: frame channel of each flow component after :class:`LoadFlowForFrames`
FLOW_X, FLOW_Y = 3, 4


def negate_flow(channel: np.ndarray) -> np.ndarray:
    """``255 - v``: a quantised flow component with its sign flipped, as
    mmaction2's ``Flip`` does it for flow (``mmcv.iminvert``)."""
    return 255 - channel


def transform_flow_vectors(flow: np.ndarray,
                           matrix: np.ndarray) -> np.ndarray:
    """Apply a 2 x 2 linear map to every quantised flow vector.

    Args:
        flow (np.ndarray): ``(..., 2)`` uint8 flow ``(x, y)`` around
            :data:`FLOW_ZERO`.
        matrix (np.ndarray): The linear part of the image's affine map
            (a rotation, a shear), in ``(x, y)`` pixel coordinates.

    Returns:
        np.ndarray: ``(..., 2)`` uint8, clipped to ``[0, 255]``.
    """
    vectors = flow.astype(np.float32) - FLOW_ZERO
    moved = vectors @ np.asarray(matrix, np.float32).T
    return np.clip(np.rint(moved + FLOW_ZERO), 0, 255).astype(np.uint8)


@TRANSFORMS.register_module()
class LoadFlowForFrames(BaseTransform):
    """Read the flow of the decoded frames (the same ``frame_inds``) and
    stack it behind their RGB channels.

    Put it right after the RGB decode (``RawFrameDecode``), before any
    resize, crop or flip, so those apply to RGB and flow alike::

        dict(type='SampleFrames', ...), dict(type='RawFrameDecode'),
        dict(type='LoadFlowForFrames'), dict(type='Resize', ...), ...,
        dict(type='RGBFlowFlip', flip_ratio=0.5), ...

    Flow frames are read from ``results['frame_dir']`` as
    ``filename_tmpl.format('x', index)`` and ``.format('y', index)``, the
    ``RawframeDataset(modality='Flow')`` convention, at the index of each
    RGB frame (``offset`` included). A video of ``N`` RGB frames has
    ``N - 1`` flow frames when the flow is of consecutive pairs, so an
    index past the last flow frame reads the last one (see
    ``clamp_offset``).

    Required keys: ``imgs`` (``H x W x 3`` uint8 RGB frames),
    ``frame_inds``, ``frame_dir``; ``offset``, ``start_index`` and
    ``total_frames`` when present. Modified keys: ``imgs`` (``H x W x 5``).

    Args:
        filename_tmpl (str): Flow file name, formatted with ``'x'`` or
            ``'y'`` and the frame index. Defaults to
            ``'flow_{}_{:05d}.jpg'`` (what mmaction2's
            ``build_rawframes.py`` writes).
        clamp_offset (int): The last flow frame read is ``start_index +
            total_frames - 1 - clamp_offset``: 1 when ``total_frames`` (the
            annotation list) counts the RGB frames of a video with one flow
            frame fewer; 0 when every RGB frame has its flow frame.
            Defaults to 1.
        backend_args (dict, optional): Arguments of the file backend
            (``mmengine.fileio``). Defaults to None (local disk).
    """

    def __init__(self,
                 filename_tmpl: str = 'flow_{}_{:05d}.jpg',
                 clamp_offset: int = 1,
                 backend_args: Optional[dict] = None) -> None:
        if not isinstance(clamp_offset, int) or clamp_offset < 0:
            raise ValueError('LoadFlowForFrames: clamp_offset must be an '
                             f'integer >= 0, got {clamp_offset!r}')
        self.filename_tmpl = filename_tmpl
        self.clamp_offset = clamp_offset
        self.backend_args = backend_args

    def _read(self, directory: str, axis: str, index: int) -> np.ndarray:
        path = osp.join(directory, self.filename_tmpl.format(axis, index))
        return mmcv.imfrombytes(
            fileio.get(path, backend_args=self.backend_args),
            flag='grayscale')

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        inds = np.asarray(results['frame_inds']).reshape(-1)
        if len(imgs) != len(inds):
            raise ValueError(
                f'LoadFlowForFrames: {len(imgs)} frames but {len(inds)} '
                'frame_inds; put it right after the RGB decode')
        offset = results.get('offset', 0)
        last = None
        if 'total_frames' in results:
            last = (results.get('start_index', 1) + results['total_frames']
                    - 1 - self.clamp_offset)
        directory = results['frame_dir']
        cache, stacked = {}, []
        for rgb, index in zip(imgs, inds.tolist()):
            if rgb.ndim != 3 or rgb.shape[-1] != RGB_CHANNELS:
                raise ValueError(
                    'LoadFlowForFrames expects H x W x 3 RGB frames, got '
                    f'{rgb.shape}; is the flow already loaded?')
            if last is not None:
                index = max(min(index, last), results.get('start_index', 1))
            index += offset
            if index not in cache:
                cache[index] = np.stack([
                    self._read(directory, axis, index) for axis in 'xy'
                ], axis=-1)
            flow = cache[index]
            if flow.shape[:2] != rgb.shape[:2]:
                raise ValueError(
                    f'LoadFlowForFrames: flow frame {index} of {directory} '
                    f'is {flow.shape[:2]} but its RGB frame is '
                    f'{rgb.shape[:2]}; load the flow right after the RGB '
                    'decode, before any resize or crop')
            stacked.append(np.concatenate([rgb, flow], axis=-1))
        results['imgs'] = stacked
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'filename_tmpl={self.filename_tmpl!r}, '
                f'clamp_offset={self.clamp_offset}, '
                f'backend_args={self.backend_args!r})')


@TRANSFORMS.register_module()
class RGBFlowFlip(Flip):
    """mmaction2's ``Flip`` that also negates the flipped flow component
    (``flow_x`` for a horizontal flip, ``flow_y`` for a vertical one) of
    frames carrying flow (:class:`LoadFlowForFrames`); RGB-only frames are
    flipped as ``Flip`` does. Use it in place of ``Flip`` in a pipeline
    that loads flow.

    Args:
        **kwargs: The arguments of mmaction2's ``Flip`` (``lazy=True`` is
            not supported).
    """

    def __init__(self, **kwargs) -> None:
        if kwargs.get('lazy'):
            raise ValueError('RGBFlowFlip does not support lazy=True')
        super().__init__(**kwargs)

    def transform(self, results: dict) -> dict:
        results = super().transform(results)
        if results['flip'] and 'imgs' in results:
            channel = FLOW_X if self.direction == 'horizontal' else FLOW_Y
            for img in results['imgs']:
                if img.ndim == 3 and img.shape[-1] > channel:
                    img[..., channel] = negate_flow(img[..., channel])
        return results
