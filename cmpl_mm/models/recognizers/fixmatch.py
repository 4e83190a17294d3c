"""FixMatch (Sohn et al., 2020) for video."""
from typing import Dict

from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer


@MODELS.register_module()
class FixMatchRecognizer(SemiBaseRecognizer):
    """``primary``'s confident weak-view predictions supervise its own
    strong view.

    Takes the arguments of :class:`SemiBaseRecognizer`.
    """

    def pseudo_label_sources(self) -> Dict[str, str]:
        return dict(primary='primary')
