"""Dash (Xu et al., ICML 2021) for video."""
from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class DashRecognizer(SemiBaseRecognizer):
    """FixMatch with Dash's dynamic threshold: ``primary``'s weak-view
    pseudo-label teaches its strong view where the weak view's own loss on
    it is below a threshold that starts at the warm-up's supervised loss
    and decays (:class:`~cmpl_mm.models.pseudo_label.DashThreshold`).

    Takes the arguments of :class:`SemiBaseRecognizer`.
    """

    teachers = dict(primary='primary')
    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        mask=dict(type='DashThreshold'))
