"""Let mmaction2's classification heads take bfloat16 scores.

``mmaction2==1.2.0``'s ``BaseHead.loss_by_feat`` computes its top-k accuracy
through ``cls_scores.cpu().numpy()``, which fails on the bfloat16 scores of
``AmpOptimWrapper(dtype='bfloat16')`` (numpy has no bfloat16).
:func:`upcast_bfloat16_head_scores` hands it float32 scores in that case only
(the loss is computed in float32 under autocast anyway).
"""
import torch

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmaction2=('1.2.0', '1.3.0'))


def upcast_bfloat16_head_scores() -> bool:
    """Let mmaction2's classification heads take bfloat16 scores.

    Returns:
        bool: True when ``BaseHead.loss_by_feat`` was wrapped now.
    """
    from mmaction.models.heads.base import BaseHead
    original = BaseHead.loss_by_feat
    if getattr(original, '_cmpl_mm_upcasts_bfloat16', False):
        return False
    warn_if_untested(
        'bfloat16 head scores', TESTED_WITH,
        'whether mmaction.models.heads.base.BaseHead.loss_by_feat(self, '
        'cls_scores, data_samples) still exists with that signature.')

    def loss_by_feat(self, cls_scores, data_samples):
        if cls_scores.dtype == torch.bfloat16:
            cls_scores = cls_scores.float()
        return original(self, cls_scores, data_samples)

    loss_by_feat._cmpl_mm_upcasts_bfloat16 = True
    loss_by_feat.__doc__ = original.__doc__
    BaseHead.loss_by_feat = loss_by_feat
    return True
