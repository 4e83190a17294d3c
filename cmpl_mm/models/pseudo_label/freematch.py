"""FreeMatch's self-adaptive thresholds and fairness loss."""
from typing import Dict, Optional

import torch
from mmaction.registry import MODELS

from .arg_checks import momentum_arg, positive_arg
from .masks import BaseMask
from .running_state import RunningStateMixin, sum_over_ranks


def sum_norm(x: torch.Tensor) -> torch.Tensor:
    """``x / sum(x)`` along the last dimension."""
    return x / x.sum(dim=-1, keepdim=True)


@MODELS.register_module()
class FreeMatchThreshold(RunningStateMixin, BaseMask):
    """Self-adaptive thresholds from the teacher's own confidence
    (FreeMatch, Wang et al., ICLR 2023).

    Every training step, first the state moves with the batch (``p`` the
    teacher's probabilities of the ``N`` unlabeled clips of every rank,
    ``m`` the momentum)::

        tau_t     = m * tau_{t-1}     + (1 - m) * mean_n max_c p_n(c)
        p~_t(c)   = m * p~_{t-1}(c)   + (1 - m) * mean_n p_n(c)
        h~_t(c)   = m * h~_{t-1}(c)   + (1 - m) * share of clips with
                                                  argmax p_n = c

    starting from ``1/C`` each; then a clip counts (weight 1) when its top
    probability reaches ``T(c) = tau_t * p~_t(c) / max_c p~_t(c)`` of its
    top class ``c``. ``h~`` serves the fairness loss only.

    With ``fairness_weight > 0`` the self-adaptive fairness loss is added
    (key ``unsup_*loss_fairness``), on the student's strong-view
    probabilities ``q`` of the counted clips (``q_bar`` their mean,
    ``h_bar`` the share of their argmax per class)::

        L_f = - H(SumNorm(p~_t / h~_t), SumNorm(q_bar / h_bar))
            = sum_c SumNorm(p~_t / h~_t)(c) * log SumNorm(q_bar / h_bar)(c)

    times ``fairness_weight`` (a class no counted clip predicts gets
    ``1 / h_bar = 0``, as in the reference code).

    The batch figures are sums all-reduced over ranks, so every rank keeps
    the same state. The state is sized from the first batch (or from
    ``num_classes``).

    Args:
        momentum (float): ``m`` in [0, 1). Defaults to 0.999.
        fairness_weight (float): Weight of the fairness loss, 0 = off.
            Defaults to 0.0.
        num_classes (int, optional): Classes of the teacher. Defaults to
            None (taken from the first batch).
    """

    lazy_buffers = ('time_p', 'p_model', 'label_hist')

    def __init__(self,
                 momentum: float = 0.999,
                 fairness_weight: float = 0.0,
                 num_classes: Optional[int] = None) -> None:
        super().__init__()
        self.momentum = momentum_arg(momentum)
        self.fairness_weight = positive_arg(
            'fairness_weight', fairness_weight, allow_zero=True,
            hint='0 switches the loss off')
        #: tau_t (one value), p~_t (C,), h~_t (C,)
        self.register_buffer('time_p', torch.zeros(0))
        self.register_buffer('p_model', torch.zeros(0))
        self.register_buffer('label_hist', torch.zeros(0))
        if num_classes is not None:
            self._init_state(num_classes)

    def _init_state(self, num_classes: int) -> None:
        self.start_uniform(num_classes, ('p_model', 'label_hist'),
                           single=('time_p', ))

    def current_threshold(self) -> Optional[torch.Tensor]:
        """``T(c)`` of every class ``(C,)``, or None before the first
        batch."""
        if self.p_model.numel() == 0:
            return None
        return self.time_p * self.p_model / self.p_model.max()

    def forward(self, probs, indices=None):
        probs = probs.detach()
        self._init_state(probs.shape[1])
        confidence, classes = probs.max(dim=1)
        if self.training:
            self._update(probs, confidence, classes)
        thresholds = self.current_threshold().to(probs)
        return (confidence >= thresholds[classes]).float()

    @torch.no_grad()
    def _update(self, probs, confidence, classes) -> None:
        num_classes = probs.shape[1]
        hist = torch.bincount(classes, minlength=num_classes)
        count, conf_sum, prob_sum, hist = sum_over_ranks(
            probs.new_tensor([probs.shape[0]]).double(),
            confidence.sum(0, keepdim=True).double(),
            probs.sum(0).double(), hist.double())
        if float(count) == 0:
            return
        m = self.momentum
        self.time_p.mul_(m).add_((1 - m) * (conf_sum / count).float())
        self.p_model.mul_(m).add_((1 - m) * (prob_sum / count).float())
        self.label_hist.mul_(m).add_((1 - m) * (hist / count).float())

    def extra_losses(self, strong_logits: torch.Tensor,
                     weights: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The fairness loss (see the class doc), when switched on."""
        if self.fairness_weight == 0:
            return {}
        counted = weights > 0
        if not bool(counted.any()) or self.p_model.numel() == 0:
            return dict(loss_fairness=strong_logits.sum() * 0.0)
        probs = strong_logits[counted].softmax(dim=1)
        hist = torch.bincount(
            probs.argmax(dim=1), minlength=probs.shape[1]).to(probs)
        hist = hist / hist.sum()
        inv_hist = torch.nan_to_num(1.0 / hist, posinf=0.0)
        mean_prob = sum_norm(probs.mean(dim=0) * inv_hist)
        model = sum_norm(self.p_model / self.label_hist).to(probs)
        loss = (model * torch.log(mean_prob + 1e-12)).sum()
        return dict(loss_fairness=self.fairness_weight * loss)
