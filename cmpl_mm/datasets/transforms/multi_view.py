"""Produce several augmented views of one decoded clip."""
import copy
from typing import Dict, List, Optional, Sequence

from mmcv.transforms import BaseTransform, Compose
from mmaction.registry import TRANSFORMS

from ..sample_seeding import sub_random
from ..unlabeled_dataset import MONITOR_LABEL_KEY

DEFAULT_VIEWS = ('sup', 'weak', 'strong')


@TRANSFORMS.register_module()
class MultiView(BaseTransform):
    """Run one pipeline per view on a copy of the same decoded frames.

    Put it last in a pipeline, after sampling, decoding and every transform
    the views share (so a video is decoded once and weak and strong views
    share frames and geometry). Each view pipeline must end with
    ``PackActionInputs``. Every sample carries every name of ``view_names``
    so that batches of labeled and unlabeled samples collate together::

        {'inputs':       {'sup': None, 'weak': Tensor, 'strong': Tensor},
         'data_samples': {'sup': None, 'weak': ActionDataSample, ...},
         'monitor_only_gt_label': int}   # -1 when unknown

    Each view's data sample carries the clip's index in its own dataset
    (``sample_idx`` in the metainfo, set by mmengine's ``BaseDataset``), so
    rules that remember unlabeled clips (``FlexMatchThreshold``) can find
    them.

    Under a seeded sample (:mod:`~cmpl_mm.datasets.sample_seeding`) each
    view draws from generators seeded from the sample's key and the view's
    position in ``view_names``, so one view's draws do not depend on how
    many another view made.

    Args:
        view_names (Sequence[str]): All view names used in the training
            batch. Defaults to ``('sup', 'weak', 'strong')``.
        **view_pipelines (list[dict]): A pipeline per view produced here,
            e.g. ``weak=[...], strong=[...]``.
    """

    def __init__(self,
                 view_names: Sequence[str] = DEFAULT_VIEWS,
                 **view_pipelines: List[dict]) -> None:
        unknown = set(view_pipelines) - set(view_names)
        if unknown:
            raise KeyError(f'MultiView: views {sorted(unknown)} are not in '
                           f'view_names={list(view_names)}')
        if not view_pipelines:
            raise ValueError('MultiView needs at least one view pipeline')
        self.view_names = tuple(view_names)
        self.pipelines = {
            name: Compose(pipeline)
            for name, pipeline in view_pipelines.items()
        }

    def transform(self, results: Dict) -> Optional[Dict]:
        packed = dict(
            inputs={name: None
                    for name in self.view_names},
            data_samples={name: None
                          for name in self.view_names},
            **{MONITOR_LABEL_KEY: results.get(MONITOR_LABEL_KEY, -1)})
        sample_idx = results.get('sample_idx')
        last = len(self.pipelines) - 1
        for i, (name, pipeline) in enumerate(self.pipelines.items()):
            # the last view may consume the original frames
            with sub_random(self.view_names.index(name)):
                view = pipeline(
                    results if i == last else copy.deepcopy(results))
            if view is None:
                return None
            if sample_idx is not None:
                view['data_samples'].set_metainfo(dict(sample_idx=sample_idx))
            packed['inputs'][name] = view['inputs']
            packed['data_samples'][name] = view['data_samples']
        return packed

    def __repr__(self) -> str:
        views = ', '.join(f'{k}={v!r}' for k, v in self.pipelines.items())
        return f'{self.__class__.__name__}(view_names={self.view_names}, ' \
               f'{views})'
