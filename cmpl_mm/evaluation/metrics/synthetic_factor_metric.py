"""Shape and motion accuracy on the generated demo data."""
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmaction.registry import METRICS

from ...utils.synthetic_videos import class_grid


def _motion_axis(motion: str) -> str:
    """``'horizontal'``, ``'vertical'`` or ``'rotation'``."""
    if motion.endswith(('right', 'left')):
        return 'horizontal'
    if motion.endswith(('up', 'down')):
        return 'vertical'
    return 'rotation'


@METRICS.register_module()
class SyntheticFactorAccMetric(BaseMetric):
    """How often the predicted class has the right shape and the right
    motion, on data from :func:`~cmpl_mm.utils.synthetic_videos.
    generate_dataset`.

    Every demo class is a (shape, motion) pair, so a top-1 error is a wrong
    shape, a wrong motion or both. Reporting the two factors apart shows
    which cue a model has learned (top-1 alone cannot: 50% top-1 on 8
    classes may be perfect motion with shape at chance). Metrics, prefixed
    ``factor/``: ``shape_acc``, ``motion_acc``, ``motion_axis_acc``
    (horizontal vs vertical vs rotation, direction ignored), ``top1`` and
    ``confusion`` (rows: true label, columns: predicted; a nested list).

    For CMPL's auxiliary network (``model.evaluate_auxiliary=True``), use
    ``score_key='aux_pred_score', prefix='aux_factor'`` next to the
    primary's metric: the two networks' cues can then be compared.

    Args:
        num_classes (int): Number of classes the data was generated with.
        score_key (str): The data-sample field holding the class scores.
            Defaults to ``'pred_score'`` (the primary network's).
        collect_device (str): Device for collecting results. Defaults to
            ``'cpu'``.
        prefix (str, optional): Metric prefix. Defaults to ``'factor'``.
    """

    default_prefix: Optional[str] = 'factor'

    def __init__(self,
                 num_classes: int,
                 score_key: str = 'pred_score',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes
        self.score_key = score_key
        self.grid = class_grid(num_classes)

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            if self.score_key not in sample:
                hint = (' (CMPL stores its auxiliary\'s scores only with '
                        'model.evaluate_auxiliary=True)'
                        if self.score_key == 'aux_pred_score' else '')
                raise KeyError(f'SyntheticFactorAccMetric found no '
                               f'{self.score_key!r} in the data samples'
                               f'{hint}')
            score = sample[self.score_key]
            label = sample['gt_label']
            if score.shape[-1] != self.num_classes:
                raise ValueError(
                    f'SyntheticFactorAccMetric(num_classes='
                    f'{self.num_classes}) got scores for '
                    f'{score.shape[-1]} classes')
            self.results.append((int(label.item()), int(score.argmax())))

    def compute_metrics(self, results: List) -> Dict:
        truth = np.array([t for t, _ in results], dtype=np.int64)
        pred = np.array([p for _, p in results], dtype=np.int64)
        shapes = np.array([shape for shape, _ in self.grid])
        motions = np.array([motion for _, motion in self.grid])
        axes = np.array([_motion_axis(motion) for motion in motions])
        confusion = np.zeros((self.num_classes, self.num_classes), np.int64)
        np.add.at(confusion, (truth, pred), 1)
        return dict(
            top1=float((truth == pred).mean()),
            shape_acc=float((shapes[truth] == shapes[pred]).mean()),
            motion_acc=float((motions[truth] == motions[pred]).mean()),
            motion_axis_acc=float((axes[truth] == axes[pred]).mean()),
            confusion=confusion.tolist())
