"""Accuracy of CMPL's auxiliary network, reported next to the primary's."""
from typing import Dict, Optional, Sequence

from mmaction.evaluation import AccMetric
from mmaction.registry import METRICS


@METRICS.register_module()
class AuxiliaryAccMetric(AccMetric):
    """``AccMetric`` on the auxiliary's scores (``aux_pred_score``).

    Needs ``model.evaluate_auxiliary=True`` on a ``CMPLRecognizer``, which
    then stores the auxiliary's scores next to the primary's. Metrics are
    prefixed ``aux_acc/`` (``aux_acc/top1``, ...). Use it next to the usual
    evaluator::

        val_evaluator = [dict(type='AccMetric'),
                         dict(type='AuxiliaryAccMetric')]

    Args:
        prefix (str, optional): Metric prefix. Defaults to ``'aux_acc'``.
        **kwargs: Other arguments of ``AccMetric``.
    """

    default_prefix: Optional[str] = 'aux_acc'

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        swapped = []
        for sample in data_samples:
            if 'aux_pred_score' not in sample:
                raise KeyError(
                    'AuxiliaryAccMetric found no auxiliary scores: set '
                    'model.evaluate_auxiliary=True (CMPLRecognizer only)')
            swapped.append(dict(sample, pred_score=sample['aux_pred_score']))
        super().process(data_batch, swapped)
