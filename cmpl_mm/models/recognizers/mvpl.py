"""Multi-view pseudo-labeling (MvPL, Xiong et al., ICCV 2021) for video."""
import copy
from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..modalities import MODALITIES, RGB_CHANNELS, to_modality
from ..pseudo_label import PseudoLabelRecord, StudentRecord, publish_record
from .semi_base import SemiBaseRecognizer
from .semi_train_cfg import ConfigError

#: how the teacher's views are pooled into one prediction
FUSIONS = ('mean_probs', 'mean_logits')


@MODELS.register_module()
class MvPLRecognizer(SemiBaseRecognizer):
    """One network, shared by several views of every clip (RGB, its
    temporal gradient and, where the data has it, optical flow,
    :mod:`cmpl_mm.models.modalities`), labels itself from all of them.

    Per step, for ``views = semi_train_cfg.views`` (default
    ``('rgb', 'tg')``, each derived from the same decoded clip):

    * labeled: ``L_s = mean_v CE(f(x_v), y)``;
    * the teacher's weak-view predictions of every view are pooled
      (``semi_train_cfg.fuse``: ``'mean_probs'``, the mean of the views'
      probabilities as the paper states it, or ``'mean_logits'``, the
      softmax of the mean logits as LTG's re-implementation does), then go
      through the usual parts (threshold 0.3 in the configs, hard target);
    * unlabeled: ``L_u = mean_v loss(f(u_v^strong), target, weights)``.

    Each view is one forward of its labeled, weak and strong clips (a TG
    clip has one frame fewer, so the views cannot share a forward). The
    network takes RGB's 3 channels; the 2-channel flow view enters it as
    ``(flow_x, flow_y, 0)`` (zero motion in the third), so every weight is
    shared by every view, as the paper shares the model (how the paper
    feeds flow to it is not verified here).
    Validation and test see RGB only (the paper's protocol), or the mean
    of every view's scores with ``test_views='all'``.

    Args:
        test_views (str): ``'rgb'`` or ``'all'``. Defaults to ``'rgb'``.
        **kwargs: The arguments of :class:`SemiBaseRecognizer`.
    """

    teachers = dict(primary='primary')
    modality_setting = 'views'
    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        views=('rgb', 'tg'),
        fuse='mean_probs')

    def __init__(self, test_views: str = 'rgb', **kwargs) -> None:
        problems = self.view_problems(
            dict(kwargs.get('semi_train_cfg') or {}), test_views, '')
        if problems:
            raise ConfigError(problems)
        super().__init__(**kwargs)
        self.test_views = test_views

    @classmethod
    def config_problems(cls, model: dict, prefix: str = 'model.'
                        ) -> List[str]:
        return super().config_problems(model, prefix) + cls.view_problems(
            model.get('semi_train_cfg') or {}, model.get('test_views', 'rgb'),
            prefix)

    @classmethod
    def labeler_problems(cls, labelers, semi_train_cfg, prefix):
        problems = super().labeler_problems(labelers, semi_train_cfg, prefix)
        if labelers['primary'].mix.mixes:
            problems.append(f'{prefix}mix: MvPLRecognizer does not mix its '
                            "views' clips; leave mix at NoMix")
        return problems

    @staticmethod
    def view_problems(semi_cfg: dict, test_views, prefix: str) -> List[str]:
        """``views``: two or more known modalities, RGB among them (the
        deployed view); ``fuse`` and ``test_views`` known."""
        problems = []
        views = semi_cfg.get('views', ('rgb', 'tg'))
        key = f'{prefix}semi_train_cfg.views'
        if not (isinstance(views, Sequence) and not isinstance(views, str)
                and len(views) >= 2 and len(set(views)) == len(views)
                and all(v in MODALITIES for v in views) and 'rgb' in views):
            problems.append(f'{key}={views!r}: must list two or more of '
                            f'{list(MODALITIES)}, rgb among them')
        fuse = semi_cfg.get('fuse', 'mean_probs')
        if fuse not in FUSIONS:
            problems.append(f'{prefix}semi_train_cfg.fuse={fuse!r}: must be '
                            f'one of {list(FUSIONS)}')
        if test_views not in ('rgb', 'all'):
            problems.append(f"{prefix}test_views={test_views!r}: must be "
                            "'rgb' or 'all'")
        return problems

    @classmethod
    def network_modalities(cls, semi_train_cfg):
        return dict(primary=list(semi_train_cfg['views']))

    @classmethod
    def input_channels(cls, network, semi_train_cfg):
        return RGB_CHANNELS, (
            f'is shared by the views {list(semi_train_cfg["views"])} '
            '(semi_train_cfg.views; flow enters as (x, y, 0))')

    @classmethod
    def eval_modalities(cls, model: dict) -> List[str]:
        """RGB, or every view with ``test_views='all'``."""
        return cls.network_modalities(cls.merged_semi_train_cfg(model))[
            'primary'] if model.get('test_views') == 'all' else ['rgb']

    @staticmethod
    def view_input(clips: torch.Tensor, view: str) -> torch.Tensor:
        """``clips`` as the shared network sees ``view``: the modality,
        flow padded with a zero channel to RGB's 3."""
        x = to_modality(clips, view, 'semi_train_cfg.views')
        pad = RGB_CHANNELS - x.shape[-4]
        return F.pad(x, (0, 0, 0, 0, 0, 0, 0, pad)) if pad > 0 else x

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Dict[str, list]) -> Dict[str, torch.Tensor]:
        if self.ema_networks and not self.ema_hooked:
            return super().loss(inputs, data_samples)  # raises the hint
        views = list(self.semi_train_cfg['views'])
        unlabeled = self.unsup_active() and 'weak' in inputs
        clip_views = ['sup'] + (['weak', 'strong'] if unlabeled else [])
        scores = {
            view: self.network_scores(
                self.primary,
                {c: self.view_input(inputs[c], view) for c in clip_views},
                clip_views)
            for view in views
        }
        losses = self.mean_sup_losses(scores, data_samples['sup'])
        labeler = self.pseudo_labelers['primary']
        if self.training:
            labeler.observe_step(self.step_context('primary', losses))
        if not unlabeled:
            return losses
        probs = self.fused_probs(inputs, scores)
        targets, weights, used = labeler(
            probs, self.labeled_targets(data_samples),
            self.unlabeled_indices(data_samples))
        loss = torch.stack([
            labeler.loss(scores[v]['strong'], targets, weights)
            for v in views
        ]).mean()
        losses['unsup_loss_cls'] = loss * self.unsup_weight('primary')
        losses['unsup_mask_ratio'] = weights.mean()
        confidence, labels = used.max(dim=1)
        teacher = self.teacher_name('primary')
        record = PseudoLabelRecord(num_classes=probs.shape[1])
        record.students['primary'] = StudentRecord(
            teacher=teacher, labels=labels, weights=weights,
            confidence=confidence,
            threshold=labeler.mask.current_threshold())
        record.predictions[teacher] = labels
        publish_record(record)
        return losses

    def mean_sup_losses(self, scores, samples) -> Dict[str, torch.Tensor]:
        """The head's labeled loss averaged over the views; accuracies of
        the RGB view."""
        head = self.primary.cls_head
        per_view = {view: head.loss_by_feat(s['sup'], samples)
                    for view, s in scores.items()}
        losses = {}
        for key, value in per_view['rgb'].items():
            if 'loss' in key:
                value = torch.stack([p[key] for p in per_view.values()
                                     ]).mean() * \
                    self.semi_train_cfg['sup_weight']
            losses[f'sup_{key}'] = value
        return losses

    def fused_probs(self, inputs, scores) -> torch.Tensor:
        """The teacher's weak-view prediction pooled over the views."""
        teacher = self.pseudo_labelers['primary'].teacher
        logits = torch.stack([
            teacher.logits(self.view_input(inputs['weak'], view),
                           scores[view].get('weak'), self.ema_networks)
            for view in self.semi_train_cfg['views']
        ]).detach()
        if self.semi_train_cfg['fuse'] == 'mean_logits':
            return logits.mean(dim=0).softmax(dim=1)
        return logits.softmax(dim=2).mean(dim=0)

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """RGB only, or (``test_views='all'``) every view's class scores
        averaged."""
        if self.test_views == 'rgb':
            return super().predict(inputs, data_samples)
        outs = [
            self.deployed_network().predict(
                self.view_input(inputs, view), copy.deepcopy(data_samples))
            for view in self.semi_train_cfg['views']
        ]
        for i, sample in enumerate(data_samples):
            sample.set_pred_score(
                torch.stack([o[i].pred_score for o in outs]).mean(dim=0))
        return data_samples
