"""Checks every training loss term before the optimizer sees it."""
import logging
from typing import Dict, Iterable, Optional, Tuple, Union

import torch
from mmengine.logging import MessageHub, print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict

from .nonfinite_loss import (SKIPPED_KEY, NonFiniteLossError,
                                nonfinite_loss_terms)


class NonFiniteGuardMixin:
    """``train_step`` / ``parse_losses`` of an mmengine ``BaseModel`` that
    refuse NaN / infinite loss terms.

    A bad term raises :class:`NonFiniteLossError` or, when
    :meth:`nonfinite_mode` is ``'skip'``, drops the step: no backward, no
    optimizer update, and the buffers the forward pass changed (batch-norm
    running statistics, :meth:`guarded_buffers`) are put back. Skipped
    steps are counted (message-hub info ``nonfinite_loss_skipped``, saved
    in checkpoints) and logged as warnings.

    Mix it in before ``BaseModel``; the model says its mode by overriding
    :meth:`nonfinite_mode`.
    """

    def nonfinite_mode(self) -> str:
        """``'raise'`` (default) or ``'skip'``."""
        return 'raise'

    def guarded_buffers(self) -> Iterable[Tuple[str, torch.Tensor]]:
        """The buffers a skipped step restores (all, by default)."""
        return self.named_buffers()

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
                   ) -> Dict[str, torch.Tensor]:
        skip = self.nonfinite_mode() == 'skip'
        buffers = {k: b.detach().clone()
                   for k, b in self.guarded_buffers()} if skip else None
        with _optim_context(optim_wrapper, self):
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
                for name, buffer in self.guarded_buffers():
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
        if isinstance(optim_wrapper, OptimWrapperDict):
            # one optimizer per network (PerNetworkOptimWrapperConstructor):
            # one backward through the summed loss, then each steps its own
            # parameters (with its own gradient clipping)
            parsed_losses.backward()
            for wrapper in optim_wrapper.values():
                wrapper.step()
                wrapper.zero_grad()
        else:
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
                    if self.nonfinite_mode() == 'skip' else '')
            raise NonFiniteLossError(self._iteration(), bad, note)
        return parsed_losses, log_vars

    @staticmethod
    def _iteration() -> Optional[int]:
        """The 1-based training iteration (as in the log), if known."""
        index = MessageHub.get_current_instance().get_info('iter')
        return None if index is None else int(index) + 1


def _optim_context(optim_wrapper, model):
    """``optim_wrapper.optim_context(model)``; for an ``OptimWrapperDict``
    (plain wrappers only, see PerNetworkOptimWrapperConstructor) the
    context of its first wrapper, since none of them autocasts."""
    if isinstance(optim_wrapper, OptimWrapperDict):
        optim_wrapper = next(iter(optim_wrapper.values()))
    return optim_wrapper.optim_context(model)
