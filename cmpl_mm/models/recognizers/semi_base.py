"""The shared logic of every semi-supervised recognizer in cmpl_mm."""
import logging
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import MessageHub, print_log
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from mmaction.registry import MODELS

from ...utils.config_check import validate_semi_train_cfg
from ..utils import frozen_bn_running_stats
from ...utils.nonfinite import (SKIPPED_KEY, NonFiniteLossError,
                                nonfinite_loss_terms)

NETWORK_PREFIX = dict(primary='', auxiliary='aux_')


@MODELS.register_module()
class SemiBaseRecognizer(BaseModel):
    """A deployed ``primary`` recognizer trained on labeled + unlabeled clips.

    Subclasses only say where pseudo-labels come from
    (:meth:`pseudo_label_sources`): FixMatch lets ``primary`` label itself,
    CMPL lets ``primary`` and ``auxiliary`` label each other; the supervised
    baseline uses none. Validation, test and export use ``primary`` only.

    A training batch (from ``MultiViewDataPreprocessor``) is::

        inputs       = {'sup': (B, 1, C, T, H, W),
                        'weak': (mu*B, 1, C, T, H, W),   # unlabeled views,
                        'strong': (mu*B, 1, C, T, H, W)} # same frames
        data_samples = {'sup': [ActionDataSample with gt_label] * B, ...}

    How each network sees the views is ``semi_train_cfg.unlabeled_forward``:

    * ``'joint'`` (default): one forward of the labeled, weak and strong
      clips concatenated, as the reference FixMatch does. Batch-norm
      normalises every view with the statistics of the whole batch, and
      its running statistics (used by validation and test) are those of
      that mixture, strongly augmented clips included.
    * ``'separate'``: the labeled clips in a forward of their own, then the
      weak and strong clips together in a second one that leaves the
      batch-norm running statistics alone (see
      :func:`~cmpl_mm.models.utils.frozen_bn_running_stats`). The labeled
      clips are normalised and the running statistics estimated exactly as
      in supervised training.

    The weak logits are detached before they become targets.

    Args:
        primary (dict): Config of an mmaction2 recognizer (e.g.
            ``Recognizer3D`` with ``backbone`` and ``cls_head``).
        semi_train_cfg (dict, optional): Training hyper-parameters:
            ``threshold`` (confidence to accept a pseudo-label, 0.95),
            ``sup_weight`` (1.0), ``unsup_weight`` (1.0), ``warmup_iters``
            (iterations with the supervised loss only, 0),
            ``unlabeled_forward`` (``'joint'`` or ``'separate'``, see
            above; ``'joint'``). ``threshold`` and
            ``unsup_weight`` may be dicts keyed by the network that is
            taught (``primary``, ``auxiliary``). ``nonfinite_loss``:
            what a NaN / infinite loss term does, ``'raise'`` (stop with
            :class:`~cmpl_mm.utils.nonfinite.NonFiniteLossError`, default)
            or ``'skip'`` (no optimizer update for that step; counted and
            logged). Unknown keys and out-of-range values raise
            :class:`~cmpl_mm.utils.config_check.ConfigError`. Defaults to
            None.
        unsup_loss (dict): Config of the pseudo-label loss. Defaults to
            ``dict(type='PseudoLabelCrossEntropy')``.
        data_preprocessor (dict, optional): Usually a
            ``MultiViewDataPreprocessor``. Defaults to None.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    default_semi_train_cfg = dict(
        threshold=0.95,
        sup_weight=1.0,
        unsup_weight=1.0,
        warmup_iters=0,
        unlabeled_forward='joint',
        nonfinite_loss='raise')

    def __init__(self,
                 primary: dict,
                 semi_train_cfg: Optional[dict] = None,
                 unsup_loss: dict = dict(type='PseudoLabelCrossEntropy'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.primary = MODELS.build(primary)
        validate_semi_train_cfg(semi_train_cfg,
                                self.pseudo_label_sources().keys())
        self.semi_train_cfg = dict(self.default_semi_train_cfg)
        self.semi_train_cfg.update(semi_train_cfg or {})
        self.unsup_loss = MODELS.build(unsup_loss)
        # filled by every unlabeled step, read by PseudoLabelStatsHook
        self.pseudo_label_info: Dict[str, dict] = {}
        self.weak_predictions: Dict[str, torch.Tensor] = {}

    # -- what subclasses define ------------------------------------------
    def pseudo_label_sources(self) -> Dict[str, str]:
        """Map each network that learns from pseudo-labels to its teacher."""
        raise NotImplementedError

    def networks(self) -> Dict[str, nn.Module]:
        """The trained networks by name; ``primary`` comes first."""
        return dict(primary=self.primary)

    # -- hyper-parameters ------------------------------------------------
    def train_setting(self, key: str, network: str) -> float:
        """Read ``semi_train_cfg[key]``, per network when it is a dict."""
        value = self.semi_train_cfg[key]
        if isinstance(value, dict):
            return value[network]
        return value

    def unsup_active(self) -> bool:
        """False during the supervised warm-up."""
        if not self.pseudo_label_sources():
            return False
        hub = MessageHub.get_current_instance()
        return hub.get_info('iter', 0) >= self.semi_train_cfg['warmup_iters']

    # -- non-finite losses -----------------------------------------------
    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """``BaseModel.train_step`` that checks every loss term first.

        A NaN / infinite loss term raises :class:`NonFiniteLossError` or,
        with ``semi_train_cfg.nonfinite_loss='skip'``, drops the step: no
        backward, no optimizer update, and the buffers the forward pass
        changed (batch-norm running statistics) are put back. Skipped steps
        are counted (message-hub info ``nonfinite_loss_skipped``, saved in
        checkpoints) and logged as warnings.
        """
        skip = self.semi_train_cfg['nonfinite_loss'] == 'skip'
        buffers = {k: b.detach().clone()
                   for k, b in self.named_buffers()} if skip else None
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed_losses, log_vars = super().parse_losses(losses)
        bad = nonfinite_loss_terms(log_vars)
        if bad and not skip:
            raise NonFiniteLossError(
                self._iteration(), bad,
                "(semi_train_cfg.nonfinite_loss='skip' skips such steps "
                'instead of stopping.)')
        if bad:
            with torch.no_grad():
                for name, buffer in self.named_buffers():
                    buffer.copy_(buffers[name])
            hub = MessageHub.get_current_instance()
            skipped = hub.get_info(SKIPPED_KEY, 0) + 1
            hub.update_info(SKIPPED_KEY, skipped)
            terms = ', '.join(f'{k}={v}' for k, v in bad.items())
            print_log(
                f'Non-finite loss at training iteration {self._iteration()}'
                f': {terms}; skipped the step without updating the weights '
                f'({skipped} step(s) skipped so far).',
                logger='current',
                level=logging.WARNING)
            return {}
        optim_wrapper.update_params(parsed_losses)
        return log_vars

    def parse_losses(self, losses: Dict[str, torch.Tensor]):
        """``BaseModel.parse_losses``, refusing non-finite loss terms.

        mmengine's DDP wrapper calls this directly instead of
        :meth:`train_step`; there a non-finite loss always stops the run
        (skipping would need every rank to agree to skip).
        """
        parsed_losses, log_vars = super().parse_losses(losses)
        bad = nonfinite_loss_terms(log_vars)
        if bad:
            note = ("(semi_train_cfg.nonfinite_loss='skip' is not supported "
                    'by the distributed wrapper.)'
                    if self.semi_train_cfg['nonfinite_loss'] == 'skip'
                    else '')
            raise NonFiniteLossError(self._iteration(), bad, note)
        return parsed_losses, log_vars

    @staticmethod
    def _iteration() -> Optional[int]:
        """The 1-based training iteration (as in the log), if known."""
        index = MessageHub.get_current_instance().get_info('iter')
        return None if index is None else int(index) + 1

    # -- forward modes ---------------------------------------------------
    def forward(self,
                inputs: Union[torch.Tensor, Dict[str, torch.Tensor]],
                data_samples=None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.primary(inputs, data_samples, mode='tensor')
        raise RuntimeError(f'Invalid mode "{mode}"; only "loss", "predict" '
                           'and "tensor" are supported')

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Predict with the deployed ``primary`` network."""
        return self.primary.predict(inputs, data_samples)

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Dict[str, list]) -> Dict[str, torch.Tensor]:
        """Supervised and (after warm-up) pseudo-label losses.

        Args:
            inputs (dict[str, Tensor]): Clips by view (see class doc).
            data_samples (dict[str, list]): Data samples by view.

        Returns:
            dict[str, Tensor]: ``sup_*`` and ``unsup_*`` losses and stats.
        """
        if not isinstance(inputs, dict) or 'sup' not in inputs:
            raise ValueError(
                'A semi-supervised recognizer expects inputs grouped by view '
                "({'sup': ..., 'weak': ..., 'strong': ...}); check that the "
                'training pipelines end with MultiView and the model uses '
                'MultiViewDataPreprocessor.')
        self.pseudo_label_info, self.weak_predictions = {}, {}
        views = ['sup']
        if self.unsup_active() and 'weak' in inputs:
            views += ['weak', 'strong']
        scores = {
            name: self.network_scores(net, inputs, views)
            for name, net in self.networks().items()
        }
        losses = {}
        for name, net in self.networks().items():
            sup = net.cls_head.loss_by_feat(scores[name]['sup'],
                                            data_samples['sup'])
            sup_weight = self.semi_train_cfg['sup_weight']
            for key, value in sup.items():
                if 'loss' in key:
                    value = value * sup_weight
                losses[f'sup_{NETWORK_PREFIX[name]}{key}'] = value
        if len(views) > 1:
            losses.update(self.unsup_losses(scores))
        return losses

    def network_scores(self, net: nn.Module, inputs: Dict[str, torch.Tensor],
                       views: List[str]) -> Dict[str, torch.Tensor]:
        """Class scores of ``net`` for ``views``, forwarded as
        ``semi_train_cfg.unlabeled_forward`` says (see the class doc)."""
        if (self.semi_train_cfg['unlabeled_forward'] == 'joint'
                or views == ['sup']):
            return self.view_scores(net, [inputs[v] for v in views], views)
        scores = self.view_scores(net, [inputs['sup']], ['sup'])
        unlabeled = [v for v in views if v != 'sup']
        with frozen_bn_running_stats(net):
            scores.update(
                self.view_scores(net, [inputs[v] for v in unlabeled],
                                 unlabeled))
        return scores

    @staticmethod
    def view_scores(net: nn.Module, view_inputs: List[torch.Tensor],
                    views: List[str]) -> Dict[str, torch.Tensor]:
        """Class scores of ``net`` for every view, in one joint forward."""
        sizes = [x.shape[0] for x in view_inputs]
        if len({x.shape[1:] for x in view_inputs}) > 1:
            raise ValueError(
                'all views must share one clip shape for the joint forward, '
                f'got {dict(zip(views, [tuple(x.shape) for x in view_inputs]))}'
            )
        feats, _ = net.extract_feat(torch.cat(view_inputs))
        return dict(zip(views, net.cls_head(feats).split(sizes)))

    def unsup_losses(
            self, scores: Dict[str, Dict[str,
                                         torch.Tensor]]) -> Dict[str, float]:
        """Pseudo-label losses from each teacher's weak view to its student.

        Args:
            scores (dict): ``scores[network][view]`` logits.

        Returns:
            dict[str, Tensor]: ``unsup_*loss_cls`` and ``unsup_*mask_ratio``.
        """
        losses = {}
        weak_probs = {}
        for name in set(self.pseudo_label_sources().values()):
            weak_probs[name] = scores[name]['weak'].detach().softmax(dim=1)
        for name, probs in weak_probs.items():
            self.weak_predictions[name] = probs.argmax(dim=1)
        for student, teacher in self.pseudo_label_sources().items():
            confidence, labels = weak_probs[teacher].max(dim=1)
            mask = (confidence >= self.train_setting('threshold', student))
            mask = mask.float()
            loss = self.unsup_loss(scores[student]['strong'], labels, mask)
            prefix = f'unsup_{NETWORK_PREFIX[student]}'
            losses[f'{prefix}loss_cls'] = loss * self.train_setting(
                'unsup_weight', student)
            losses[f'{prefix}mask_ratio'] = mask.mean()
            self.pseudo_label_info[student] = dict(
                teacher=teacher,
                labels=labels,
                mask=mask,
                confidence=confidence)
        return losses
