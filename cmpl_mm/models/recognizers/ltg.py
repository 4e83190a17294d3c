"""Learning from Temporal Gradient (LTG, Xiao et al., CVPR 2022) for video."""
from contextlib import contextmanager
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmaction.registry import MODELS

from ..pseudo_label import LiveTeacher
from .cmpl import CMPLRecognizer
from .semi_train_cfg import ConfigError

DEFAULT_STAGES = ('layer1', 'layer2', 'layer3', 'layer4')


@MODELS.register_module()
class LTGRecognizer(CMPLRecognizer):
    """An RGB network (``primary``, deployed) and a temporal-gradient
    network (``auxiliary``, ``semi_train_cfg.modality.auxiliary='tg'``)
    trained together, as LTG's code does it:

    * pseudo-labels from the softmax of the **mean of both networks'
      weak-view logits** teach both networks' strong views (the usual
      parts: threshold, hard target, cross-entropy);
    * the RGB network's features at every ResNet stage are pulled towards
      the detached TG features of the same labeled and weak clips
      (:class:`~cmpl_mm.models.losses.CrossModalAlignmentLoss`, logged as
      ``loss_align``);
    * each of those clips' last-stage features, through a projection head
      per network, pick out the same clip in the other modality (symmetric
      InfoNCE, :class:`~cmpl_mm.models.losses.CrossModalContrastiveLoss`,
      logged as ``loss_contrast``; it trains both networks).

    The two networks must have the same channels at every aligned stage.
    The projection heads are training-only: export keeps ``primary``.

    Args:
        primary (dict): The RGB recognizer.
        auxiliary (dict): The TG recognizer (LTG: the same architecture).
        alignment (dict, optional): The alignment loss config; None turns
            it off. Defaults to ``dict(type='CrossModalAlignmentLoss')``.
        alignment_stages (Sequence[str]): Backbone submodules whose outputs
            are aligned. Defaults to the four ResNet stages.
        contrastive (dict, optional): The contrastive loss config (its
            ``in_channels`` defaults to the primary head's); None turns it
            off. Defaults to ``dict(type='CrossModalContrastiveLoss')``.
        contrastive_stage (str): The backbone submodule whose outputs feed
            the contrastive term. Defaults to ``'layer4'``.
        **kwargs: The arguments of :class:`CMPLRecognizer`.
    """

    default_semi_train_cfg = dict(
        CMPLRecognizer.default_semi_train_cfg, modality=dict(auxiliary='tg'))

    def __init__(self,
                 primary: dict,
                 auxiliary: dict,
                 alignment: Optional[dict] = dict(
                     type='CrossModalAlignmentLoss'),
                 alignment_stages: Sequence[str] = DEFAULT_STAGES,
                 contrastive: Optional[dict] = dict(
                     type='CrossModalContrastiveLoss'),
                 contrastive_stage: str = 'layer4',
                 **kwargs) -> None:
        super().__init__(primary=primary, auxiliary=auxiliary, **kwargs)
        self.alignment = MODELS.build(alignment) if alignment else None
        self.alignment_stages = tuple(alignment_stages)
        self.contrastive = None
        if contrastive:
            contrastive = dict(contrastive)
            contrastive.setdefault('in_channels',
                                   self.primary.cls_head.in_channels)
            self.contrastive = MODELS.build(contrastive)
        self.contrastive_stage = contrastive_stage
        problems = []
        for key, stages, used in (
                ('alignment_stages', self.alignment_stages, self.alignment),
                ('contrastive_stage', (contrastive_stage, ),
                 self.contrastive)):
            for name, net in self.networks().items():
                missing = [s for s in stages
                           if not isinstance(getattr(net.backbone, s, None),
                                             nn.Module)]
                if used is not None and missing:
                    problems.append(f'{key}: {name}.backbone has no '
                                    f'{missing}')
        if problems:
            raise ConfigError(problems)

    @classmethod
    def config_problems(cls, model: dict, prefix: str = 'model.'
                        ) -> List[str]:
        """Stage-by-stage alignment needs backbones of the same width and
        depth."""
        problems = super().config_problems(model, prefix)
        if model.get('alignment', 1) is None and \
                model.get('contrastive', 1) is None:
            return problems
        backbones = [(model.get(n) or {}).get('backbone')
                     for n in ('primary', 'auxiliary')]
        if all(isinstance(b, dict) for b in backbones):
            for key in ('type', 'depth', 'base_channels'):
                a, b = (bb.get(key) for bb in backbones)
                if a != b:
                    problems.append(
                        f'{prefix}auxiliary.backbone.{key}={b!r} differs from '
                        f'{prefix}primary.backbone.{key}={a!r}: LTG aligns '
                        'the two networks\' features stage by stage, so '
                        'their sizes must match (or set alignment=None and '
                        'contrastive=None)')
        return problems

    @classmethod
    def labeler_problems(cls, labelers, semi_train_cfg, prefix):
        problems = super().labeler_problems(labelers, semi_train_cfg, prefix)
        if not all(type(lab.teacher) is LiveTeacher
                   for lab in labelers.values()):
            problems.append(f'{prefix}teacher: LTGRecognizer pools both '
                            "live networks' weak views; keep LiveTeacher")
        return problems

    def teacher_name(self, student: str) -> str:
        return 'primary+auxiliary'

    def teacher_probs(self, inputs, scores) -> Dict[str, torch.Tensor]:
        """Softmax of the mean of both networks' weak-view logits, for both
        networks."""
        logits = torch.stack([scores[n]['weak'] for n in self.networks()])
        probs = logits.detach().mean(dim=0).softmax(dim=1)
        return {student: probs for student in self.pseudo_labelers}

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        stages = list(self.alignment_stages if self.alignment else [])
        if self.contrastive is not None and \
                self.contrastive_stage not in stages:
            stages.append(self.contrastive_stage)
        if not stages or not isinstance(inputs, dict):
            return super().loss(inputs, data_samples)
        with self._stage_outputs(stages) as features:
            losses = super().loss(inputs, data_samples)
        # the forwards see sup, then weak, then strong clips: both terms
        # use the labeled and weak ones (LTG's choice)
        count = inputs['sup'].shape[0]
        if 'weak' in inputs and self.unsup_active():
            count += inputs['weak'].shape[0]
        rgb, tg = ({stage: torch.cat(outs)[:count]
                    for stage, outs in zip(stages, features[n])}
                   for n in ('primary', 'auxiliary'))
        if self.alignment is not None:
            losses['loss_align'] = self.alignment(
                [rgb[s] for s in self.alignment_stages],
                [tg[s] for s in self.alignment_stages])
        if self.contrastive is not None:
            losses['loss_contrast'] = self.contrastive(
                rgb[self.contrastive_stage], tg[self.contrastive_stage])
        return losses

    @contextmanager
    def _stage_outputs(self, stages: Sequence[str]):
        """Collect the outputs of each network's ``stages``, per forward
        call, while the block runs."""
        features = {n: [[] for _ in stages] for n in self.networks()}
        handles = []
        for name, net in self.networks().items():
            for i, stage in enumerate(stages):
                outs = features[name][i]
                handles.append(getattr(net.backbone, stage).register_forward_hook(
                    lambda module, args, out, outs=outs: outs.append(out)))
        try:
            yield features
        finally:
            for handle in handles:
                handle.remove()
