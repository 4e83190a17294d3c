"""Normalise and batch each view of a semi-supervised batch separately."""
from typing import Dict

from mmengine.model import BaseDataPreprocessor
from mmaction.registry import MODELS


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
    """

    def __init__(self, data_preprocessor: dict) -> None:
        super().__init__()
        self.data_preprocessor = MODELS.build(data_preprocessor)

    def forward(self, data: dict, training: bool = False) -> Dict:
        if not isinstance(data['inputs'], dict):
            return self.data_preprocessor(data, training)
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
            inputs[view], samples[view] = out['inputs'], out['data_samples']
        return dict(inputs=inputs, data_samples=samples)
