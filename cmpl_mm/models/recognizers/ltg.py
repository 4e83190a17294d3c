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
      ``loss_align``).

    LTG's cross-modal contrastive term (projection heads, InfoNCE) is not
    implemented. The two networks must have the same channels at every
    aligned stage.

    Args:
        primary (dict): The RGB recognizer.
        auxiliary (dict): The TG recognizer (LTG: the same architecture).
        alignment (dict, optional): The alignment loss config; None turns
            it off. Defaults to ``dict(type='CrossModalAlignmentLoss')``.
        alignment_stages (Sequence[str]): Backbone submodules whose outputs
            are aligned. Defaults to the four ResNet stages.
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
                 **kwargs) -> None:
        super().__init__(primary=primary, auxiliary=auxiliary, **kwargs)
        self.alignment = MODELS.build(alignment) if alignment else None
        self.alignment_stages = tuple(alignment_stages)
        problems = []
        for name, net in self.networks().items():
            missing = [s for s in self.alignment_stages
                       if not isinstance(getattr(net.backbone, s, None),
                                         nn.Module)]
            if self.alignment is not None and missing:
                problems.append(f'alignment_stages: {name}.backbone has no '
                                f'{missing}')
        if problems:
            raise ConfigError(problems)

    @classmethod
    def config_problems(cls, model: dict, prefix: str = 'model.'
                        ) -> List[str]:
        """Stage-by-stage alignment needs backbones of the same width and
        depth."""
        problems = super().config_problems(model, prefix)
        if model.get('alignment', 1) is None:
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
                        'their sizes must match (or set alignment=None)')
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
        if self.alignment is None or not isinstance(inputs, dict):
            return super().loss(inputs, data_samples)
        with self._stage_outputs() as features:
            losses = super().loss(inputs, data_samples)
        # the forwards see sup, then weak, then strong clips: align the
        # labeled and weak ones (LTG's choice)
        count = inputs['sup'].shape[0]
        if 'weak' in inputs and self.unsup_active():
            count += inputs['weak'].shape[0]
        rgb, tg = ([torch.cat(outs)[:count] for outs in features[n]]
                   for n in ('primary', 'auxiliary'))
        losses['loss_align'] = self.alignment(rgb, tg)
        return losses

    @contextmanager
    def _stage_outputs(self):
        """Collect every aligned stage's outputs of each network, per
        forward call, while the block runs."""
        features = {n: [[] for _ in self.alignment_stages]
                    for n in self.networks()}
        handles = []
        for name, net in self.networks().items():
            for i, stage in enumerate(self.alignment_stages):
                outs = features[name][i]
                handles.append(getattr(net.backbone, stage).register_forward_hook(
                    lambda module, args, out, outs=outs: outs.append(out)))
        try:
            yield features
        finally:
            for handle in handles:
                handle.remove()
