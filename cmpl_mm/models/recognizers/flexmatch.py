"""FlexMatch (Zhang et al., NeurIPS 2021) for video."""
from mmaction.registry import MODELS

from .fixmatch import FixMatchRecognizer
from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class FlexMatchRecognizer(FixMatchRecognizer):
    """FixMatch whose confidence threshold is class-adaptive
    (``FlexMatchThreshold``: ``T(c) = M(beta(c)) * threshold``, Zhang et
    al., NeurIPS 2021).

    Takes the arguments of :class:`SemiBaseRecognizer`;
    ``semi_train_cfg.threshold`` is the upper threshold ``tau``.
    """

    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        mask=dict(type='FlexMatchThreshold'))
