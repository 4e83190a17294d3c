"""LTG's cross-modal contrastive term (Xiao et al., CVPR 2022)."""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS

from ..pseudo_label.arg_checks import positive_arg


def projection_head(in_channels: int, hidden_channels: int,
                    out_channels: int) -> nn.Sequential:
    """Average pool, then three linear layers, batch norm and ReLU between
    them, and a batch norm without affine parameters at the end (LTG's
    ``ContrastHead`` with ``fc_layer_num=3, with_final_normalize=True``)."""
    return nn.Sequential(
        nn.AdaptiveAvgPool3d(1), nn.Flatten(1),
        nn.Linear(in_channels, hidden_channels, bias=False),
        nn.BatchNorm1d(hidden_channels), nn.ReLU(inplace=True),
        nn.Linear(hidden_channels, hidden_channels, bias=False),
        nn.BatchNorm1d(hidden_channels), nn.ReLU(inplace=True),
        nn.Linear(hidden_channels, out_channels, bias=False),
        nn.BatchNorm1d(out_channels, affine=False))


def _all_ranks(x: torch.Tensor):
    """``(x of every rank concatenated in rank order, this rank)``, with
    gradients to each rank's own part (the keys of LTG's loss)."""
    if not (dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1):
        return x, 0
    from torch.distributed.nn.functional import all_gather
    return torch.cat(all_gather(x), dim=0), dist.get_rank()


def info_nce(queries: torch.Tensor, keys: torch.Tensor,
             temperature: float) -> torch.Tensor:
    """Cross-entropy of each query against every rank's keys, the key of
    the same clip being the positive: ``-log softmax_k(q_i . k_k / tau)``
    at ``k = i``, with ``q`` and ``k`` L2-normalised."""
    queries = F.normalize(queries, dim=1)
    keys, rank = _all_ranks(F.normalize(keys, dim=1))
    logits = queries @ keys.t() / temperature
    targets = torch.arange(queries.shape[0], device=queries.device) + \
        rank * queries.shape[0]
    return F.cross_entropy(logits, targets)


@MODELS.register_module()
class CrossModalContrastiveLoss(nn.Module):
    """Each clip's embedding in one modality picks out the same clip's
    embedding in the other among the batch's clips.

    ``L = w * (NCE(z_a, z_b) + NCE(z_b, z_a))``, ``z = head(F)`` with one
    projection head per modality (:func:`projection_head`) on the last
    backbone stage's features ``F`` of the same clips in both modalities,
    and :func:`info_nce` at temperature ``tau`` over the keys of every
    rank. Neither side is detached: the term trains both networks. As
    LTG's released configs (``crossview_sameclip`` on the labeled and weak
    clips, SimCLR temperature 0.5, loss weight 0.5, 512-wide heads).

    Args:
        in_channels (int): Channels of the features (the recognizer fills
            in its head's ``in_channels`` when not given).
        hidden_channels (int): Width of the heads' hidden layers.
            Defaults to 512.
        out_channels (int): Embedding size. Defaults to 512.
        temperature (float): ``tau`` > 0. Defaults to 0.5.
        loss_weight (float): ``w`` >= 0. Defaults to 0.5.
    """

    def __init__(self, in_channels: int, hidden_channels: int = 512,
                 out_channels: int = 512, temperature: float = 0.5,
                 loss_weight: float = 0.5) -> None:
        super().__init__()
        self.temperature = positive_arg('temperature', temperature)
        self.loss_weight = positive_arg('loss_weight', loss_weight,
                                        allow_zero=True)
        self.heads = nn.ModuleList(
            projection_head(in_channels, hidden_channels, out_channels)
            for _ in range(2))
        for module in self.heads.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.01)

    def forward(self, features_a: torch.Tensor,
                features_b: torch.Tensor) -> torch.Tensor:
        """Args:
            features_a (Tensor): ``(N, C, T, H, W)`` of modality a.
            features_b (Tensor): The same clips in modality b (any ``T, H,
                W``).
        """
        if features_a.shape[:2] != features_b.shape[:2]:
            raise ValueError(
                'the contrastive term needs features of the same clips and '
                f'channels, got {tuple(features_a.shape)} and '
                f'{tuple(features_b.shape)}')
        z_a, z_b = (head(x) for head, x in zip(self.heads,
                                                (features_a, features_b)))
        return self.loss_weight * (
            info_nce(z_a, z_b, self.temperature) +
            info_nce(z_b, z_a, self.temperature))
