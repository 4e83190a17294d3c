"""Save the random state in checkpoints and restore it on ``--resume``.

mmengine's resume restores the weights, optimizer, schedulers, iteration and
message hub, and re-seeds the random generators from the run's seed: the
random stream after a resume therefore restarts instead of continuing
(different dropout masks and augmentations than the uninterrupted run).
:class:`RandomStateHook` stores the state of Python's ``random``, NumPy's
global generator and torch's CPU (and CUDA) generators in every checkpoint
(``checkpoint['random_state']``) and restores it when training resumes, just
before the first resumed iteration. With
:class:`~cmpl_mm.engine.runner.FastResumeIterBasedTrainLoop` (sampler
position) a single-process run resumed from ``iter_N.pth`` then draws the
same random numbers as the uninterrupted run from iteration N + 1 on.

Validation inside training is made neutral to the training stream (the
state before ``before_val`` is put back after ``after_val``), so the state
saved with a checkpoint does not depend on whether validation ran between
the save and the next iteration.

Limits: dataloader worker processes seed themselves when their iterator
starts (mmengine's ``worker_init_fn``), so with ``num_workers > 0`` the
augmentations after a resume follow the seed, not the interrupted stream.
Under distributed training only rank 0 saves checkpoints, so the state is
not restored there (each rank keeps mmengine's re-seeding).

``configs/_base_/default_runtime.py`` lists it in ``default_hooks``
(``random_state``), so every config built on it has the hook, whatever its
``custom_hooks``; set ``default_hooks.random_state=None`` to leave it out.
"""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmaction.registry import HOOKS

STATE_KEY = 'random_state'


def get_random_state() -> dict:
    """The state of every global random generator, checkpoint-safe types."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=dict(
            name=name,
            keys=torch.from_numpy(keys.astype(np.int64)),
            pos=int(pos),
            has_gauss=int(has_gauss),
            cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_random_state(state: dict) -> None:
    """Restore a :func:`get_random_state` result."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    numpy = state['numpy']
    np.random.set_state(
        (numpy['name'], numpy['keys'].numpy().astype(np.uint32),
         numpy['pos'], numpy['has_gauss'], numpy['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    cuda = state.get('cuda')
    if cuda is not None and torch.cuda.is_available() and \
            len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Checkpoint the random state; restore it when training resumes."""

    priority = 'LOWEST'

    def __init__(self) -> None:
        self._pending: Optional[tuple] = None
        self._before_val: Optional[dict] = None
        self._training = False

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # a save during validation (save_best) stores the state training
        # will continue from, i.e. the one before validation
        checkpoint[STATE_KEY] = (
            self._before_val if self._before_val is not None else
            get_random_state())

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(STATE_KEY)
        iteration = checkpoint.get('meta', {}).get('iter')
        self._pending = (iteration, state) if state is not None else None

    def before_train(self, runner) -> None:
        self._training = True
        pending, self._pending = self._pending, None
        # only a resume sets the loop to the checkpoint's iteration;
        # `load_from` (fine-tuning) starts at 0 and keeps the seed's stream
        if pending is None or runner.iter == 0 or pending[0] != runner.iter:
            return
        if get_world_size() > 1:
            print_log(
                'Resume: the random state is not restored in distributed '
                'training (only rank 0 saves it); ranks are re-seeded.',
                logger='current')
            return
        set_random_state(pending[1])
        print_log(
            f'Resume: restored the random state saved at iteration '
            f'{runner.iter}.',
            logger='current')

    def after_train(self, runner) -> None:
        self._training = False

    def before_val(self, runner) -> None:
        if self._training:
            self._before_val = get_random_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            set_random_state(self._before_val)
            self._before_val = None

