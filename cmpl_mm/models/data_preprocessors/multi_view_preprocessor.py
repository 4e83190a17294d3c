"""Normalise and batch each view of a semi-supervised batch separately."""
from typing import Dict, Union

import torch
from mmengine.model import BaseDataPreprocessor, stack_batch
from mmaction.registry import MODELS

from ..modalities import FLOW_CHANNELS, RGB_CHANNELS

from ..utils.memory_format import (channels_last_3d_wanted,
                                   to_channels_last_3d)


@MODELS.register_module()
class MultiViewDataPreprocessor(BaseDataPreprocessor):
    """Apply an mmaction2 data preprocessor to every view of a batch.

    A training batch from :class:`~cmpl_mm.datasets.transforms.MultiView`
    is grouped by view; samples without a view (``None``) are left out of
    it, so labeled and unlabeled samples can share one batch::

        in : {'inputs': {'sup': [T, None, None], 'weak': [None, T, T], ...},
              'data_samples': {...same layout...},
              'monitor_only_gt_label': [...]}          # dropped here
        out: {'inputs': {'sup': Tensor[1, ...], 'weak': Tensor[2, ...], ...},
              'data_samples': {'sup': [ds], 'weak': [ds, ds], ...}}

    Views with no sample in the batch are omitted. Validation and test
    batches (one view, ``inputs`` a list) go to the wrapped preprocessor
    unchanged.

    Clips of ``3 + 2`` channels carry optical flow behind RGB
    (:class:`~cmpl_mm.datasets.transforms.LoadFlowForFrames`, format
    ``NCTHW``): the wrapped preprocessor normalises the RGB channels with
    its ``mean`` / ``std``, the flow channels become ``(v - flow_mean) /
    flow_std`` (mmaction2's flow configs: 128, 128, so zero motion is 0),
    and the two are concatenated again, ``(N, 1, 5, T, H, W)``; see
    :func:`~cmpl_mm.models.modalities.to_modality` for who sees which.

    Args:
        data_preprocessor (dict): Config of the wrapped preprocessor, e.g.
            ``dict(type='ActionDataPreprocessor', mean=..., std=...,
            format_shape='NCTHW')``.
        channels_last_3d (bool | str): Return every 5-D ``(N, C, T, H,
            W)`` or 6-D ``(N, num_clips, C, T, H, W)`` clip batch (training
            views, validation and test) in ``channels_last_3d`` memory
            layout (see :func:`~cmpl_mm.models.utils.to_channels_last_3d`):
            same shapes and values, channels innermost in memory, as
            cuDNN's fast 3D convolutions want them. ``True``: batches on a
            CUDA device only; ``'always'``: on every device (see
            :func:`~cmpl_mm.models.utils.channels_last_3d_wanted`). Pair it
            with :func:`~cmpl_mm.models.utils.network_to_channels_last_3d`
            on the networks. Defaults to False.
        flow_mean (float): Subtracted from the flow channels. Defaults to
            128.
        flow_std (float): Divides the flow channels. Defaults to 128.
    """

    def __init__(self,
                 data_preprocessor: dict,
                 channels_last_3d: Union[bool, str] = False,
                 flow_mean: float = 128.,
                 flow_std: float = 128.) -> None:
        super().__init__()
        self.data_preprocessor = MODELS.build(data_preprocessor)
        channels_last_3d_wanted(channels_last_3d, 'cpu')  # validate
        self.channels_last_3d = channels_last_3d
        self.flow_mean = float(flow_mean)
        self.flow_std = float(flow_std)

    def _preprocess(self, data: dict, training: bool) -> dict:
        """The wrapped preprocessor, with the flow channels (when the clips
        have them) split off before it and normalised here."""
        inputs = data['inputs']
        if not (isinstance(inputs, (list, tuple)) and inputs
                and self._has_flow(inputs[0])):
            return self.data_preprocessor(data, training)
        if training and getattr(self.data_preprocessor, 'blending', None):
            raise ValueError(
                'MultiViewDataPreprocessor: batch blending does not mix the '
                'flow channels; leave data_preprocessor.blending unset for '
                'flow data')
        rgb = [x[..., :RGB_CHANNELS, :, :, :] for x in inputs]
        flow = [x[..., RGB_CHANNELS:, :, :, :] for x in inputs]
        out = self.data_preprocessor(dict(data, inputs=rgb), training)
        flow = stack_batch(flow).to(out['inputs'].device, torch.float32)
        flow = (flow - self.flow_mean) / self.flow_std
        out['inputs'] = torch.cat([out['inputs'], flow.to(
            out['inputs'].dtype)], dim=-4)
        return out

    def _has_flow(self, clip) -> bool:
        fmt = getattr(self.data_preprocessor, 'format_shape', None)
        return (isinstance(clip, torch.Tensor) and fmt == 'NCTHW'
                and clip.dim() >= 4
                and clip.shape[-4] == RGB_CHANNELS + FLOW_CHANNELS)

    def _layout(self, inputs):
        if isinstance(inputs, torch.Tensor) and channels_last_3d_wanted(
                self.channels_last_3d, inputs.device):
            return to_channels_last_3d(inputs)
        return inputs

    def forward(self, data: dict, training: bool = False) -> Dict:
        if not isinstance(data['inputs'], dict):
            out = self._preprocess(data, training)
            out['inputs'] = self._layout(out['inputs'])
            return out
        inputs, samples = {}, {}
        for view, view_inputs in data['inputs'].items():
            keep = [i for i, x in enumerate(view_inputs) if x is not None]
            if not keep:
                continue
            view_samples = data['data_samples'][view]
            out = self._preprocess(
                dict(
                    inputs=[view_inputs[i] for i in keep],
                    data_samples=[view_samples[i] for i in keep]), training)
            inputs[view] = self._layout(out['inputs'])
            samples[view] = out['data_samples']
        return dict(inputs=inputs, data_samples=samples)
