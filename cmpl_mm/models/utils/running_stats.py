"""Forward a network without touching its batch-norm running statistics."""
from contextlib import contextmanager
from typing import Iterator

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


@contextmanager
def frozen_bn_running_stats(net: nn.Module) -> Iterator[None]:
    """Within the block, batch-norm layers of ``net`` leave their running
    statistics alone.

    Layers in training mode still normalise with the statistics of the
    batch they see (and gradients flow through them as usual); only the
    running mean / variance and ``num_batches_tracked``, which validation
    and test use, are not updated. Layers in eval mode (e.g. with
    ``norm_eval=True``) keep using the running statistics. Each layer's
    ``track_running_stats`` is restored on exit, also after an error.

    Args:
        net (nn.Module): The network; every ``_BatchNorm`` in it (BatchNorm
            1d/2d/3d, SyncBatchNorm) is affected.
    """
    layers = [(m, m.track_running_stats) for m in net.modules()
              if isinstance(m, _BatchNorm) and m.training]
    try:
        for layer, _ in layers:
            layer.track_running_stats = False
        yield
    finally:
        for layer, tracked in layers:
            layer.track_running_stats = tracked
