"""Supervised baseline: the primary network on labeled clips only."""
from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class SupervisedRecognizer(SemiBaseRecognizer):
    """Train ``primary`` with the supervised loss alone.

    Takes the arguments of :class:`SemiBaseRecognizer`; unlabeled views in
    the batch, if any, are ignored. Sharing the base class keeps the config
    keys, data path and schedule identical to the other algorithms.
    """

    teachers = {}
