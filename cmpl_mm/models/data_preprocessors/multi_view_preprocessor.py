"""Normalise and batch each view of a semi-supervised batch separately."""
from typing import Dict, Union

import torch
from mmengine.model import BaseDataPreprocessor
from mmaction.registry import MODELS

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
    """

    def __init__(self,
                 data_preprocessor: dict,
                 channels_last_3d: Union[bool, str] = False) -> None:
        super().__init__()
        self.data_preprocessor = MODELS.build(data_preprocessor)
        channels_last_3d_wanted(channels_last_3d, 'cpu')  # validate
        self.channels_last_3d = channels_last_3d

    def _layout(self, inputs):
        if isinstance(inputs, torch.Tensor) and channels_last_3d_wanted(
                self.channels_last_3d, inputs.device):
            return to_channels_last_3d(inputs)
        return inputs

    def forward(self, data: dict, training: bool = False) -> Dict:
        if not isinstance(data['inputs'], dict):
            out = self.data_preprocessor(data, training)
            out['inputs'] = self._layout(out['inputs'])
            return out
        inputs, samples = {}, {}
        for view, view_inputs in data['inputs'].items():
            keep = [i for i, x in enumerate(view_inputs) if x is not None]
            if not keep:
                continue
            view_samples = data['data_samples'][view]
            out = self.data_preprocessor(
                dict(
                    inputs=[view_inputs[i] for i in keep],
                    data_samples=[view_samples[i] for i in keep]), training)
            inputs[view] = self._layout(out['inputs'])
            samples[view] = out['data_samples']
        return dict(inputs=inputs, data_samples=samples)
