"""Weights that change over training: ``semi_train_cfg.unsup_weight`` (or a
per-network value of it) given as a schedule instead of a number.

A schedule's position ``t`` runs from 0 at the first unlabeled iteration
(``semi_train_cfg.warmup_iters``) to 1 after ``ramp_iters`` more, and stays
at 1; the weight is ``value * f(t)``:

=================  ===================  ====================================
schedule           ``f(t)``             from
=================  ===================  ====================================
``ConstantWeight``  ``1``               FixMatch, CMPL
``LinearRampUp``   ``t``                Pseudo-Label (Lee, 2013: alpha(t)
                                        rises linearly from T1 to T2)
``SigmoidRampUp``  ``exp(-5 (1-t)^2)``  Mean Teacher (Laine & Aila, 2017;
                                        Tarvainen & Valpola, 2017)
=================  ===================  ====================================

In config: ``unsup_weight=dict(type='SigmoidRampUp', value=8.0,
ramp_iters=300)``.
"""
import math

from mmaction.registry import MODELS

from .arg_checks import positive_arg


class BaseWeightSchedule:
    """``value * f(t)`` at a step (see the module doc).

    Args:
        value (float): The weight once ramped up, >= 0.
        ramp_iters (int): Iterations from the first unlabeled one to the
            end of the ramp, >= 0 (0: ``t = 1`` at once). Defaults to 0.
    """

    def __init__(self, value: float, ramp_iters: int = 0) -> None:
        self.value = positive_arg('value', value, allow_zero=True,
                                  hint='the weight once ramped up')
        if not (isinstance(ramp_iters, int) and not isinstance(
                ramp_iters, bool) and ramp_iters >= 0):
            raise ValueError(f'ramp_iters={ramp_iters!r} must be an integer '
                             '>= 0')
        self.ramp_iters = ramp_iters

    def position(self, unsup_iteration: int) -> float:
        """``t`` in [0, 1] after ``unsup_iteration`` unlabeled iterations."""
        if self.ramp_iters == 0:
            return 1.0
        return min(max(unsup_iteration / self.ramp_iters, 0.0), 1.0)

    def factor(self, t: float) -> float:
        """``f(t)``, from 0 or more to 1 at ``t = 1``."""
        raise NotImplementedError

    def __call__(self, unsup_iteration: int) -> float:
        """The weight after ``unsup_iteration`` unlabeled iterations."""
        return self.value * self.factor(self.position(unsup_iteration))


@MODELS.register_module()
class ConstantWeight(BaseWeightSchedule):
    """``value`` at every step."""

    def factor(self, t):
        return 1.0


@MODELS.register_module()
class LinearRampUp(BaseWeightSchedule):
    """From 0 to ``value`` linearly over ``ramp_iters``."""

    def factor(self, t):
        return t


@MODELS.register_module()
class SigmoidRampUp(BaseWeightSchedule):
    """``value * exp(-5 (1 - t)^2)``: 0.7 % of ``value`` at ``t = 0``."""

    def factor(self, t):
        return math.exp(-5.0 * (1.0 - t)**2)


def build_weight_schedule(cfg) -> BaseWeightSchedule:
    """A schedule from a number (constant) or a schedule config.

    Raises:
        ValueError: An unknown ``type`` or a bad argument, naming it.
    """
    if not isinstance(cfg, dict):
        return ConstantWeight(cfg)
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    cls = MODELS.get(name) if isinstance(name, str) else None
    if not (isinstance(cls, type) and issubclass(cls, BaseWeightSchedule)):
        known = sorted(n for n, c in MODELS.module_dict.items()
                       if isinstance(c, type)
                       and issubclass(c, BaseWeightSchedule))
        raise ValueError(f'type={name!r} is not a registered weight '
                         f'schedule; known: {known}')
    try:
        return cls(**cfg)
    except TypeError as err:
        raise ValueError(f'{name}: {err}') from None
