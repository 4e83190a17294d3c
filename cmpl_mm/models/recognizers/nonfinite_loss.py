"""What a run does when a loss turns NaN or infinite.

:class:`~cmpl_mm.models.recognizers.SemiBaseRecognizer` checks every loss
term of each training step before the optimizer sees it
(``semi_train_cfg.nonfinite_loss``): ``'raise'`` (default) stops the run
with :class:`NonFiniteLossError`; ``'skip'`` drops the step without an
optimizer update and counts it. ``tools/train.py`` adds to the error where
the last checkpoint is (:meth:`NonFiniteLossError.add_checkpoint_hint`).

This module depends on no registry, so the error can be caught or raised
anywhere (tools, tests, hooks) without building anything.
"""
import math
import os.path as osp
from typing import Dict, Mapping, Optional

import torch

#: message-hub runtime-info key counting the skipped steps (it is saved in
#: checkpoints, so the count survives a resume)
SKIPPED_KEY = 'nonfinite_loss_skipped'


def _as_float(value) -> float:
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean())
    return float(value)


def nonfinite_loss_terms(log_vars: Mapping) -> Dict[str, float]:
    """The non-finite loss terms of ``parse_losses``' ``log_vars``.

    Only the terms that make up the optimised loss (``'loss'`` in the name)
    are checked; statistics such as accuracies or mask ratios are not. When
    every term is finite but their sum overflows, the total (``'loss'``) is
    reported. All-finite terms cost one device synchronisation.

    Returns:
        dict[str, float]: ``{name: value}`` of the offending terms.
    """
    names = [name for name in log_vars if 'loss' in name]
    tensors = [log_vars[n] for n in names
               if isinstance(log_vars[n], torch.Tensor)]
    if len(tensors) == len(names) and tensors:
        if bool(torch.stack([t.detach().float().mean()
                             for t in tensors]).isfinite().all()):
            return {}
    bad = {}
    for name in names:
        value = _as_float(log_vars[name])
        if name != 'loss' and not math.isfinite(value):
            bad[name] = value
    if not bad and 'loss' in log_vars:
        total = _as_float(log_vars['loss'])
        if not math.isfinite(total):
            bad['loss'] = total
    return bad


def last_checkpoint_of(work_dir: Optional[str]) -> Optional[str]:
    """The checkpoint named by ``work_dir/last_checkpoint``, if any."""
    if not work_dir:
        return None
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer, encoding='utf-8') as f:
        return f.read().strip() or None


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite.

    Args:
        iteration (int, optional): The 1-based training iteration (as in
            ``Iter(train) [k/N]`` and ``iter_k.pth``).
        terms (dict[str, float]): The offending loss terms and values.
        note (str): Extra advice appended to the message.

    Attributes:
        iteration, terms: As given.
        checkpoint (str | None): The last checkpoint, once
            :meth:`add_checkpoint_hint` has looked it up.
    """

    def __init__(self, iteration: Optional[int], terms: Dict[str, float],
                 note: str = '') -> None:
        self.iteration, self.terms, self.note = iteration, dict(terms), note
        self.checkpoint = None
        self.hint = ''
        super().__init__(self._message())

    def _message(self) -> str:
        where = (f'at training iteration {self.iteration}'
                 if self.iteration is not None else 'in a training step')
        terms = ', '.join(f'{k}={v}' for k, v in self.terms.items())
        message = (f'non-finite loss {where}: {terms}. The optimizer step '
                   'was not applied. ')
        if self.note:
            message += self.note + ' '
        return (message + self.hint).strip()

    def add_checkpoint_hint(self, work_dir: Optional[str]) -> None:
        """Name the last good checkpoint of ``work_dir`` in the message."""
        self.checkpoint = last_checkpoint_of(work_dir)
        if self.checkpoint is not None:
            self.hint = (f'Last good checkpoint: {self.checkpoint} (from '
                         f'{osp.join(work_dir, "last_checkpoint")}); resume '
                         'from it with --resume, e.g. after lowering the '
                         'learning rate.')
        else:
            self.hint = (f'No checkpoint was saved in {work_dir} before '
                         'this iteration.')
        self.args = (self._message(), )

    def __str__(self) -> str:
        return self._message()
