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

Data augmentation does not depend on this state: with
:class:`~cmpl_mm.datasets.samplers.LabeledUnlabeledRatioSampler` every
sample's pipeline runs with generators seeded from (seed, index, pass, view)
(:mod:`cmpl_mm.datasets.sample_seeding`), in whichever worker loads it. The
checkpoint records that (``random_state['seeded_samples']``); resuming from
one written before (or by a run without such a sampler) warns that the
augmentation after the resume differs from an uninterrupted run's.

Under distributed training only rank 0 saves checkpoints, so every rank is
given rank 0's state. Ranks seeded alike (mmengine's default, no
``diff_rank_seed``) make the same draws, so that is each rank's own state;
with ``diff_rank_seed`` the state is not restored (ranks are re-seeded).

``configs/_base_/default_runtime.py`` lists it in ``default_hooks``
(``random_state``), so every config built on it has the hook, whatever its
``custom_hooks``; set ``default_hooks.random_state=None`` to leave it out.
"""
import logging
import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmaction.registry import HOOKS

STATE_KEY = 'random_state'
SEEDED_KEY = 'seeded_samples'  # in STATE_KEY: per-sample augmentation seeds


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


def _seeds_samples(runner) -> bool:
    """Whether the training sampler's indices seed each sample's
    augmentation (``seeds_samples``)."""
    loader = getattr(getattr(runner, 'train_loop', None), 'dataloader', None)
    return bool(getattr(getattr(loader, 'sampler', None), 'seeds_samples',
                        False))


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
        state = dict(self._before_val if self._before_val is not None else
                     get_random_state())
        state[SEEDED_KEY] = _seeds_samples(runner)
        checkpoint[STATE_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get(STATE_KEY)
        iteration = checkpoint.get('meta', {}).get('iter')
        self._pending = (iteration, state)

    def before_train(self, runner) -> None:
        self._training = True
        pending, self._pending = self._pending, None
        # only a resume sets the loop to the checkpoint's iteration;
        # `load_from` (fine-tuning) starts at 0 and keeps the seed's stream
        if pending is None or runner.iter == 0 or pending[0] != runner.iter:
            return
        state = pending[1] or {}
        if _seeds_samples(runner) and not state.get(SEEDED_KEY, False):
            print_log(
                f'Resume: the checkpoint of iteration {runner.iter} was '
                'written before augmentation was seeded per sample; the '
                'augmentation after this resume differs from that of an '
                'uninterrupted run.',
                logger='current',
                level=logging.WARNING)
        if not state:
            return
        if get_world_size() > 1 and getattr(
                runner, '_randomness_cfg', {}).get('diff_rank_seed', False):
            print_log(
                'Resume: the random state is not restored with '
                'diff_rank_seed (only rank 0 saves it); ranks are '
                're-seeded.',
                logger='current')
            return
        set_random_state(state)
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

