"""FixMatch (Sohn et al., 2020) for video."""
from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class FixMatchRecognizer(SemiBaseRecognizer):
    """``primary``'s confident weak-view predictions supervise its own
    strong view (hard targets, fixed threshold, cross-entropy).

    Takes the arguments of :class:`SemiBaseRecognizer`; with
    ``semi_train_cfg.teacher=dict(type='EMATeacher')`` the EMA of
    ``primary`` makes the pseudo-labels.
    """

    teachers = dict(primary='primary')
