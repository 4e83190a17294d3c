"""FreeMatch (Wang et al., ICLR 2023) for video."""
from mmaction.registry import MODELS

from .fixmatch import FixMatchRecognizer
from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class FreeMatchRecognizer(FixMatchRecognizer):
    """FixMatch with self-adaptive thresholds (``FreeMatchThreshold``,
    Wang et al., ICLR 2023; the fairness loss is off unless
    ``semi_train_cfg.mask.fairness_weight > 0``).

    Takes the arguments of :class:`SemiBaseRecognizer`;
    ``semi_train_cfg.threshold`` is not used.
    """

    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        mask=dict(type='FreeMatchThreshold'))
