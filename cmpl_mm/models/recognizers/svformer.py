"""SVFormer (Xing et al., CVPR 2023) for video transformers."""
import math
import numbers
from contextlib import contextmanager
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..pseudo_label import BaseMix
from .semi_base import SemiBaseRecognizer
from .semi_train_cfg import ConfigError


def mixed_logit_mse(logits: torch.Tensor, targets: torch.Tensor,
                    weights: torch.Tensor) -> torch.Tensor:
    """SVFormer's mixed loss on raw logits ``(N, C)``:
    ``mean_i w_i * mean_c (z_ic - y_ic)^2``."""
    per_clip = (logits - targets).pow(2).mean(dim=1)
    return (per_clip * weights.to(per_clip)).mean() if len(per_clip) else \
        logits.sum() * 0.


def channel_dropout(clips: torch.Tensor, p: float) -> torch.Tensor:
    """Zero each colour channel of each clip with probability ``p`` and
    scale the kept ones by ``1 / (1 - p)``: ``F.dropout2d`` of SVFormer's
    ``(N, C, T, H, W)`` strong batch, for clips with or without a
    ``num_crops`` axis (``(..., C, T, H, W)``)."""
    if p == 0:
        return clips
    keep = torch.rand(clips.shape[:-3] + (1, 1, 1), device=clips.device)
    return clips * (keep >= p).to(clips.dtype) / (1 - p)


@contextmanager
def _outputs_of(module: nn.Module):
    """The outputs of ``module``'s calls while the block runs."""
    outputs = []
    handle = module.register_forward_hook(
        lambda mod, args, out: outputs.append(out))
    try:
        yield outputs
    finally:
        handle.remove()


@MODELS.register_module()
class SVFormerRecognizer(SemiBaseRecognizer):
    """``L = L_sup + gamma1 L_un + gamma2 L_mix``, as SVFormer's released
    code computes it:

    * ``L_un`` (``unsup_loss_cls``, weight ``semi_train_cfg.unsup_weight``):
      FixMatch's masked cross-entropy of the student's strong view against
      the hard pseudo-labels ``y_i`` of an EMA teacher on the weak view
      (``m_i = [max p_i >= threshold]``);
    * ``L_mix`` (``unsup_loss_mix``, weight ``semi_train_cfg.mix_weight``):
      the student also forwards the strong clips mixed with a permuted
      partner by ``semi_train_cfg.mix_term`` (``TubeTokenMix``: tokens
      swapped after the patch embedding) and fits, on raw logits with a
      squared error, ``lam t_i + (1 - lam) t_perm(i)`` where ``t_i =
      one-hot(y_i)`` if ``m_i`` else ``p_i`` (``m_i one-hot + (1 - m_i)
      p_i`` for a soft mask), weighted by ``lam m_i + (1 - lam) m_perm(i)``.

    The student forwards its labeled, strong and mixed clips jointly; the
    token mix touches only the mixed clips' rows. The strong clips of
    ``L_un`` lose whole colour channels (``semi_train_cfg.strong_dropout``,
    SVFormer's ``dropout2d(0.2)``, after the mixed clips are taken from
    them). The EMA starts as a copy of the student when the supervised
    warm-up ends and moves after each step (``EMATeacher(start=
    'warmup_end')``, ``EMATeacherHook``); validation, test and export use
    the student (as the released evaluation does). ``semi_train_cfg.mix`` (which would
    mix ``L_un``'s own view) stays ``NoMix``.

    Args:
        primary (dict): The student recognizer (a ``VisionTransformer`` or
            ``TimeSformer`` backbone for ``TubeTokenMix``).
        **kwargs: The arguments of :class:`SemiBaseRecognizer`.
    """

    teachers = dict(primary='primary')
    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        teacher=dict(type='EMATeacher', momentum=0.999, start='warmup_end'),
        mix_term=dict(type='TubeTokenMix', alpha=1.0),
        mix_weight=1.0,
        strong_dropout=0.2)

    def __init__(self, primary: dict, **kwargs) -> None:
        super().__init__(primary=primary, **kwargs)
        self.mix_term, problems = self.mix_term_problems(
            self.semi_train_cfg, type(self.primary.backbone),
            'semi_train_cfg.')
        if problems:
            raise ConfigError(problems)

    @classmethod
    def config_problems(cls, model: dict, prefix: str = 'model.'
                        ) -> List[str]:
        problems = super().config_problems(model, prefix)
        if problems:
            return problems
        semi_cfg = dict(cls.default_semi_train_cfg,
                        **(model.get('semi_train_cfg') or {}))
        backbone = (model.get('primary') or {}).get('backbone') or {}
        return cls.mix_term_problems(semi_cfg, backbone.get('type'),
                                     f'{prefix}semi_train_cfg.')[1]

    @classmethod
    def mix_term_problems(cls, semi_train_cfg: dict, backbone, prefix: str
                          ) -> Tuple[Optional[BaseMix], List[str]]:
        """``(the mixed term's rule, [problems])``: ``mix_term`` a mix
        the student's backbone takes, ``mix_weight`` a number >= 0,
        ``strong_dropout`` in [0, 1)."""
        weight, problems = semi_train_cfg['mix_weight'], []
        if not (isinstance(weight, numbers.Real) and not isinstance(
                weight, bool) and math.isfinite(weight) and weight >= 0):
            problems.append(f'{prefix}mix_weight={weight!r}: must be a '
                            'finite number >= 0')
        drop = semi_train_cfg['strong_dropout']
        if not (isinstance(drop, numbers.Real) and not isinstance(drop, bool)
                and 0 <= drop < 1):
            problems.append(f'{prefix}strong_dropout={drop!r}: must be a '
                            'probability in [0, 1)')
        path, cfg = f'{prefix}mix_term', semi_train_cfg['mix_term']
        if isinstance(cfg, dict) and 'type' not in cfg:  # arguments only
            cfg = dict(cls.default_semi_train_cfg['mix_term'], **cfg)
        try:
            mix = MODELS.build(cfg)
        except (KeyError, TypeError, ValueError) as err:
            return None, problems + [f'{path}: {err}']
        if not (isinstance(mix, BaseMix) and mix.mixes):
            return None, problems + [
                f'{path}: {type(mix).__name__} is not a mix rule that mixes '
                '(TubeTokenMix, TubeCutMix, MixupClips)']
        return mix, problems + mix.backbone_problems(backbone, path)

    @classmethod
    def labeler_problems(cls, labelers, semi_train_cfg, prefix):
        problems = super().labeler_problems(labelers, semi_train_cfg, prefix)
        if labelers['primary'].mix.mixes:
            problems.append(f"{prefix}mix: SVFormer's L_un fits the unmixed "
                            f'strong view; its mixed term is {prefix}mix_term')
        return problems

    def mixed_view(self) -> str:
        return 'mixed'

    def views_of(self, network: str, unlabeled: bool) -> List[str]:
        views = super().views_of(network, unlabeled)
        return views + ['mixed'] if unlabeled else views

    def mix_student_inputs(self, net_inputs):
        """The student view's clips mixed by ``mix_term`` as the extra view
        ``'mixed'``; then the student view's channel dropout."""
        view = self.semi_train_cfg['student_view']
        clips = net_inputs['primary'][view]
        draw = self.mix_term.draw_for(clips, self.primary)
        net_inputs['primary'] = dict(
            net_inputs['primary'],
            mixed=self.mix_term.mix_inputs(clips, draw),
            **{view: channel_dropout(
                clips, self.semi_train_cfg['strong_dropout'])})
        return dict(primary=draw)

    def student_losses(self, scores, probs, data_samples, mix_draws=None
                       ) -> Dict[str, torch.Tensor]:
        """``L_un`` (the base's, on the unmixed strong view) and ``L_mix``
        from the same pseudo-labels and mask."""
        labeler = self.pseudo_labelers['primary']
        with _outputs_of(labeler) as outputs:
            losses = super().student_losses(scores, probs, data_samples)
        if mix_draws:
            targets, weights, used = outputs[0]
            sure = F.one_hot(targets, used.shape[1]).to(used) if \
                labeler.target.kind == 'hard' else targets
            w = weights[:, None].to(used)
            targets, weights = self.mix_term.mix_targets(
                w * sure + (1 - w) * used, weights, mix_draws['primary'])
            losses['unsup_loss_mix'] = self.semi_train_cfg[
                'mix_weight'] * mixed_logit_mse(scores['primary']['mixed'],
                                                targets, weights)
        return losses
