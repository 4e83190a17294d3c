"""SoftMatch (Chen et al., ICLR 2023) for video."""
from mmaction.registry import MODELS

from .fixmatch import FixMatchRecognizer
from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class SoftMatchRecognizer(FixMatchRecognizer):
    """FixMatch with truncated Gaussian clip weights (``SoftMatchWeight``)
    and uniform distribution alignment
    (``DistributionAlignment(target='uniform')``), as SoftMatch (Chen et
    al., ICLR 2023).

    Takes the arguments of :class:`SemiBaseRecognizer`;
    ``semi_train_cfg.threshold`` is not used.
    """

    default_semi_train_cfg = dict(
        SemiBaseRecognizer.default_semi_train_cfg,
        align=dict(type='DistributionAlignment', target='uniform'),
        mask=dict(type='SoftMatchWeight'))
