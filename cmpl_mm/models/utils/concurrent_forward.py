"""Forward several networks at once, the secondary ones on side CUDA streams.

CMPL trains a primary network and a thin auxiliary on the same clips. On a
GPU the auxiliary's many small kernels cannot fill the device by
themselves, so running them one network after the other leaves most of the
GPU idle during the auxiliary's forward and backward. Issuing the auxiliary
on a side stream lets its kernels run in the gaps of the primary's.

Synchronisation, for one call with ``main`` on the current stream ``S`` and
every other network on its own side stream ``A``::

    S: ... produce inputs ---+---- main forward ----+--- losses ... backward
                             |  (record_stream A)   ^
                             v                      | S.wait_stream(A)
    A:          A.wait_stream(S) -- side forward ---+  outputs.record_stream(S)

* ``A.wait_stream(S)`` before the side forward: it reads the inputs and the
  parameters, which work queued on ``S`` (the data preprocessor, the last
  optimizer step) may still be writing.
* ``t.record_stream(A)`` for every tensor of ``shared_inputs``: they were
  allocated on ``S``; without it the caching allocator could hand their
  memory to a new tensor on ``S`` as soon as Python drops them, while ``A``
  still reads them.
* ``S.wait_stream(A)`` after the side forward: the losses on ``S`` read its
  outputs.
* ``t.record_stream(S)`` for every tensor the side forward returns: they
  were allocated on ``A`` and are used (and freed) on ``S``.

The backward pass needs nothing more: autograd runs each backward op on the
stream its forward op ran on and synchronises with the stream that called
``backward()``, so the auxiliary's backward overlaps the primary's as well
and the optimizer step sees every gradient.

Everything falls back to plain sequential calls, in the order of ``calls``,
when overlap is disabled, when CUDA is absent, when no tensor of
``shared_inputs`` is on a CUDA device, or inside ``torch.compile`` tracing.
"""
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

import torch

__all__ = ['concurrent_forward', 'iter_tensors']


def iter_tensors(obj: Any) -> Iterator[torch.Tensor]:
    """Every tensor in a nested structure of dicts, lists and tuples.

    Args:
        obj: A tensor, or a (nested) dict / list / tuple holding tensors;
            anything else is skipped.

    Yields:
        torch.Tensor: Each tensor found, depth first.
    """
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, Mapping):
        for value in obj.values():
            yield from iter_tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from iter_tensors(value)


class CudaStreams:
    """The CUDA stream operations :func:`concurrent_forward` needs.

    One side stream per (device, name) is created on first use and reused,
    so repeated training steps do not create streams.
    """

    def __init__(self) -> None:
        self._side: Dict[tuple, torch.cuda.Stream] = {}

    def current(self, device: torch.device):
        return torch.cuda.current_stream(device)

    def side(self, device: torch.device, name: str):
        key = (device.index, name)
        if key not in self._side:
            self._side[key] = torch.cuda.Stream(device=device)
        return self._side[key]

    @staticmethod
    def use(stream):
        return torch.cuda.stream(stream)

    @staticmethod
    def wait(waiting, other) -> None:
        waiting.wait_stream(other)

    @staticmethod
    def record(tensor: torch.Tensor, stream) -> None:
        if tensor.is_cuda:
            tensor.record_stream(stream)


_CUDA_STREAMS = CudaStreams()


def _is_compiling() -> bool:
    compiler = getattr(torch, 'compiler', None)
    return bool(compiler is not None and hasattr(compiler, 'is_compiling')
                and compiler.is_compiling())


def overlap_possible(shared_inputs: Any) -> bool:
    """Whether :func:`concurrent_forward` would use side streams.

    Args:
        shared_inputs: The inputs the forward calls read (any nesting).

    Returns:
        bool: True when CUDA is available, a tensor of ``shared_inputs`` is
        on a CUDA device and no ``torch.compile`` tracing is under way.
    """
    if not torch.cuda.is_available() or _is_compiling():
        return False
    return any(t.is_cuda for t in iter_tensors(shared_inputs))


def _cuda_device(shared_inputs: Any) -> torch.device:
    for tensor in iter_tensors(shared_inputs):
        if tensor.is_cuda:
            return tensor.device
    raise ValueError('no CUDA tensor in shared_inputs')


def concurrent_forward(calls: Mapping[str, Callable[[], Any]],
                       main: Optional[str] = None,
                       enabled: bool = True,
                       shared_inputs: Any = None,
                       streams: Optional[CudaStreams] = None,
                       force: bool = False) -> Dict[str, Any]:
    """Run forward callables, all but ``main`` on side CUDA streams.

    Args:
        calls (Mapping[str, Callable[[], Any]]): One argument-free callable
            per network (e.g. ``functools.partial(self.network_scores, net,
            inputs, views)``), run in this order. Each may return any
            nesting of dicts, lists and tuples of tensors.
        main (str, optional): The name whose call runs on the current
            stream (the primary network). Defaults to None: the first name
            of ``calls``.
        enabled (bool): Use side streams when possible (see the module
            doc); False always runs the calls one after the other. Defaults
            to True.
        shared_inputs: The tensors (any nesting) that the side calls read
            and that were made on the current stream, typically the batch
            of clips by view. Their CUDA device chooses the streams; when
            none is on CUDA the calls run sequentially. Defaults to None.
        streams (CudaStreams, optional): The stream operations; tests pass
            a recording stand-in. Defaults to None: the CUDA ones.
        force (bool): Use ``streams`` even without a CUDA tensor (tests
            only). Defaults to False.

    Returns:
        dict[str, Any]: The result of every call, by name, in the order of
        ``calls``; on the current stream's timeline, i.e. safe to use in
        the code that follows.
    """
    names = list(calls)
    if main is None and names:
        main = names[0]
    if main not in calls and names:
        raise KeyError(f'main={main!r} is not one of the calls {names}')
    if not (enabled and len(names) > 1 and
            (force or overlap_possible(shared_inputs))):
        return {name: calls[name]() for name in names}

    streams = streams or _CUDA_STREAMS
    device = _cuda_device(shared_inputs) if not force else torch.device(
        'cuda', 0)
    current = streams.current(device)
    # every side stream waits for what is queued on the current stream
    # *now* (inputs, last optimizer step), before any call is issued: a wait
    # issued after the main call would also wait for the main forward
    side_streams = {}
    for name in names:
        if name == main:
            continue
        side = streams.side(device, name)
        side_streams[name] = side
        streams.wait(side, current)
        for tensor in iter_tensors(shared_inputs):
            streams.record(tensor, side)
    results: Dict[str, Any] = {}
    try:
        for name in names:
            if name == main:
                results[name] = calls[name]()
            else:
                with streams.use(side_streams[name]):
                    results[name] = calls[name]()
    finally:
        # join every side stream, also after an error, so that nothing on
        # the current stream races it
        for name, side in side_streams.items():
            streams.wait(current, side)
            for tensor in iter_tensors(results.get(name)):
                streams.record(tensor, current)
    return {name: results[name] for name in names}
