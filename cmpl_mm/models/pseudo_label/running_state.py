"""Running state of a pseudo-labeling part: buffers that are sized on first
use, resized on load, and updated from the clips of every rank."""
from typing import Iterable, Tuple

import torch
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.dist import all_gather, all_reduce, get_world_size

from .arg_checks import check_class_count


def world_size() -> int:
    """Processes in the default group (1 when not distributed)."""
    return get_world_size() if torch_dist.is_available() else 1


def sum_over_ranks(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """``tensors`` summed over every rank (one all-reduce for all of them;
    a no-op on one process). Every rank gets the same numbers, so state
    that is updated from these sums stays identical on every rank.

    Args:
        *tensors (Tensor): Float tensors of any shape (same dtype).

    Returns:
        tuple[Tensor]: The summed tensors, in the order given.
    """
    if world_size() == 1:
        return tensors
    flat = torch.cat([t.reshape(-1) for t in tensors])
    all_reduce(flat, op='sum')
    out, start = [], 0
    for t in tensors:
        out.append(flat[start:start + t.numel()].view_as(t))
        start += t.numel()
    return tuple(out)


def gather_rows(rows: torch.Tensor) -> torch.Tensor:
    """The rows of every rank, concatenated in rank order (ranks may hold
    different numbers of rows; a no-op on one process).

    Args:
        rows (Tensor): ``(n_rank, ...)`` on this rank.

    Returns:
        Tensor: ``(sum of n_rank, ...)``, identical on every rank.
    """
    if world_size() == 1:
        return rows
    size = torch.tensor([rows.shape[0]], device=rows.device)
    sizes = [int(s) for s in all_gather(size)]
    padded = rows.new_zeros((max(sizes), ) + tuple(rows.shape[1:]))
    padded[:rows.shape[0]] = rows
    parts = all_gather(padded)
    return torch.cat([p[:n] for p, n in zip(parts, sizes)])


class RunningStateMixin(nn.Module):
    """A part whose state buffers may start empty (``(0,)``: their size is
    known only from the first batch or from a hook) and take the size of
    the checkpoint they are loaded from.

    A subclass names those buffers in :attr:`lazy_buffers`. A buffer that
    already has a size must match the checkpoint's (torch reports a size
    mismatch otherwise: a checkpoint of another class count or unlabeled
    set).
    """

    #: names of the buffers that may start empty
    lazy_buffers: Iterable[str] = ()

    def start_uniform(self, num_classes: int, per_class: Iterable[str],
                      single: Iterable[str] = ()) -> None:
        """Size empty class-distribution buffers: each of ``per_class`` to
        the uniform ``(num_classes,)``, each of ``single`` to ``(1,)``
        holding ``1 / num_classes``. A no-op once sized; refuses state of
        another class count.

        Args:
            num_classes (int): Classes the teacher predicts.
            per_class (Iterable[str]): Buffers of one value per class (the
                first one tells whether the state is sized).
            single (Iterable[str]): Buffers of one value.
        """
        per_class = list(per_class)
        held = getattr(self, per_class[0]).numel()
        check_class_count(self, held, num_classes)
        if held == num_classes:
            return
        uniform = torch.full((num_classes, ), 1.0 / num_classes,
                             device=getattr(self, per_class[0]).device)
        for name in per_class:
            setattr(self, name, uniform.clone())
        for name in single:
            setattr(self, name, uniform[:1].clone())

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs):
        for name in self.lazy_buffers:
            saved = state_dict.get(prefix + name)
            mine = getattr(self, name)
            if saved is not None and mine.numel() == 0 and \
                    saved.shape != mine.shape:
                setattr(self, name, mine.new_empty(saved.shape))
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
