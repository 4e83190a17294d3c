"""Leave validation / test videos that could not be decoded out of a metric."""
import logging
from typing import Any, List, Optional, Sequence, Union

from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmaction.registry import METRICS

from ...datasets.robust_datasets import BAD_VIDEO_KEY, BAD_VIDEO_REASON_KEY

# bad paths named in the log line; the full list is in bad_videos.txt
_NAMED = 5


@METRICS.register_module()
class BadVideoAwareMetric(BaseMetric):
    """Wrap a metric so that placeholder samples do not count.

    In ``test_mode`` :class:`~cmpl_mm.datasets.RobustDataset` (around any
    dataset type) answers a video that cannot be decoded with a
    *placeholder*: another video's sample whose metainfo has ``bad_video``
    (the bad path). This wrapper drops those samples before the wrapped
    metric sees them and logs
    ``"k of N videos could not be decoded and were left out of the metric"``
    (N is the size of the validation / test set).

    Works with mmengine's ``ValLoop`` / ``TestLoop`` and DDP: it keeps one
    result per sample (``('ok', results of the wrapped metric)`` or
    ``('bad', path, reason)``), so the usual gathering over ranks, which
    drops the sampler's padding, applies to bad samples too; the wrapped
    metric computes on rank 0 from the good samples' results. The wrapped
    metric's prefix is used (``acc/top1`` stays ``acc/top1``).

    Args:
        metric (dict | BaseMetric): The wrapped metric, e.g.
            ``dict(type='AccMetric')``.
        collect_device (str, optional): Defaults to the wrapped metric's.
        prefix (str, optional): Defaults to the wrapped metric's.
        collect_dir (str, optional): Defaults to the wrapped metric's.
    """

    def __init__(self,
                 metric: Union[dict, BaseMetric],
                 collect_device: Optional[str] = None,
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        if isinstance(metric, dict):
            metric = METRICS.build(metric)
        if not isinstance(metric, BaseMetric):
            raise TypeError('BadVideoAwareMetric wraps an mmengine '
                            f'BaseMetric, got {type(metric).__name__}')
        self.metric = metric
        super().__init__(
            collect_device=collect_device or metric.collect_device,
            prefix=prefix or metric.prefix,
            collect_dir=collect_dir or metric.collect_dir)

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self.metric.dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict) -> None:
        self.metric.dataset_meta = dataset_meta

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """One result per sample; the wrapped metric sees good ones only.

        The wrapped metric's ``process`` is called per sample (with the
        whole ``data_batch``) so that its results map to samples.
        """
        inner = self.metric.results
        for sample in data_samples:
            path = sample.get(BAD_VIDEO_KEY) if isinstance(sample,
                                                           dict) else None
            if path is not None:
                self.results.append(
                    ('bad', path, sample.get(BAD_VIDEO_REASON_KEY, '')))
                continue
            start = len(inner)
            self.metric.process(data_batch, [sample])
            self.results.append(('ok', inner[start:]))
            del inner[start:]

    def compute_metrics(self, results: List) -> dict:
        good = [item for entry in results if entry[0] == 'ok'
                for item in entry[1]]
        bad = [entry[1:] for entry in results if entry[0] == 'bad']
        if bad:
            named = ', '.join(f'{path} ({reason})'
                              for path, reason in bad[:_NAMED])
            more = f' and {len(bad) - _NAMED} more' if len(
                bad) > _NAMED else ''
            print_log(
                f'{len(bad)} of {len(results)} videos could not be decoded '
                f'and were left out of the metric: {named}{more}',
                logger='current',
                level=logging.INFO)  # a WARNING would be shown only once
        if not good:
            print_log(
                f'none of the {len(results)} videos could be decoded; no '
                'metric computed',
                logger='current',
                level=logging.ERROR)
            return {}
        return self.metric.compute_metrics(good)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.metric!r})'
