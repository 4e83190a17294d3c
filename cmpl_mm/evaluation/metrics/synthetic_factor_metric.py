"""Shape and motion accuracy on the generated demo data."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmaction.registry import METRICS

from ...datasets.synthetic_videos import class_grid


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
    motion, on data from :func:`~cmpl_mm.datasets.synthetic_videos.
    generate_dataset`.

    Every demo class is a (shape, motion) pair, so a top-1 error is a wrong
    shape, a wrong motion or both. Reporting the two factors apart shows
    which cue a model has learned (top-1 alone cannot: 50% top-1 on 8
    classes may be perfect motion with shape at chance). Metrics, prefixed
    ``factor/``: ``shape_acc``, ``motion_acc``, ``motion_axis_acc``
    (horizontal vs vertical vs rotation, direction ignored), ``top1`` and
    ``confusion`` (rows: true label, columns: predicted; a nested list).

    When the scores are class probabilities (the heads'
    ``average_clips='prob'``), four more metrics show how sure the network
    is, as a pseudo-label teacher would be on these clips:
    ``confident_ratio`` (share of clips whose top probability is
    ``>= threshold``), ``confident_top1`` (top-1 on those clips; None when
    there are none), ``motion_mass`` (mean probability on the predicted
    class's motion, summed over its shapes) and ``shape_share`` (mean of
    top probability / motion mass: 1 when the network is sure of the shape
    given the motion, 1 / number of shapes when it splits evenly between
    them). A network that knows the motion but not the shape has a high
    motion mass, a low shape share, and so few confident clips.

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
        threshold (float): Confidence for ``confident_ratio``. Defaults to
            0.8, the demo configs' pseudo-label threshold.
    """

    default_prefix: Optional[str] = 'factor'

    def __init__(self,
                 num_classes: int,
                 score_key: str = 'pred_score',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 threshold: float = 0.8) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes
        self.score_key = score_key
        self.threshold = threshold
        self.grid = class_grid(num_classes)
        motions = [motion for _, motion in self.grid]
        # same_motion[i, j]: class j has the motion of class i
        self.same_motion = np.array([[a == b for b in motions]
                                     for a in motions])

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
            probs = torch.as_tensor(score).detach().cpu().double().numpy()
            pred = int(probs.argmax())
            # a dict: mmengine's result collection turns tuples (named
            # ones too) into plain tuples
            self.results.append(
                dict(
                    label=int(label.item()),
                    pred=pred,
                    top_prob=float(probs[pred]),
                    # summed scores of the classes with the predicted motion
                    motion_mass=float(probs[self.same_motion[pred]].sum()),
                    # probabilities, not logits
                    is_prob=bool(
                        abs(probs.sum() - 1) < 1e-3 and probs.min() >= 0)))

    def compute_metrics(self, results: List) -> Dict:
        truth = np.array([r['label'] for r in results], dtype=np.int64)
        pred = np.array([r['pred'] for r in results], dtype=np.int64)
        shapes = np.array([shape for shape, _ in self.grid])
        motions = np.array([motion for _, motion in self.grid])
        axes = np.array([_motion_axis(motion) for motion in motions])
        confusion = np.zeros((self.num_classes, self.num_classes), np.int64)
        np.add.at(confusion, (truth, pred), 1)
        metrics = dict(
            top1=float((truth == pred).mean()),
            shape_acc=float((shapes[truth] == shapes[pred]).mean()),
            motion_acc=float((motions[truth] == motions[pred]).mean()),
            motion_axis_acc=float((axes[truth] == axes[pred]).mean()),
            confusion=confusion.tolist())
        if all(r['is_prob'] for r in results):
            top = np.array([r['top_prob'] for r in results])
            motion_mass = np.array([r['motion_mass'] for r in results])
            confident = top >= self.threshold
            metrics.update(
                confident_ratio=float(confident.mean()),
                confident_top1=float((truth == pred)[confident].mean())
                if confident.any() else None,
                motion_mass=float(motion_mass.mean()),
                shape_share=float((top / motion_mass).mean()))
        return metrics
