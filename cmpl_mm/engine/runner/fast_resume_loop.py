"""An iteration-based training loop that resumes without replaying data."""
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmaction.registry import LOOPS

from ...compat.infinite_dataloader import infinite_dataloader_iterator


class _SkipFirst:
    """Answer the first ``n`` ``next()`` calls with None, then delegate."""

    def __init__(self, iterator, n: int) -> None:
        self.iterator, self.n = iterator, n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n > 0:
            self.n -= 1
            return None
        return next(self.iterator)


@LOOPS.register_module()
class FastResumeIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` whose resume skips batches in the sampler.

    On resume, mmengine's loop calls ``next()`` on the dataloader once per
    already-trained iteration, decoding every skipped video (hours at
    iteration 50k of a video run). When the sampler can fast-forward
    (``skip_batches``, as
    :class:`~cmpl_mm.datasets.samplers.LabeledUnlabeledRatioSampler` does),
    this loop moves the sampler to the resumed position instead and the
    replay reads nothing. Takes the arguments of ``IterBasedTrainLoop``.
    """

    def run(self):
        sampler = getattr(self.dataloader, 'sampler', None)
        if self._iter > 0 and hasattr(sampler, 'skip_batches'):
            sampler.skip_batches(self._iter)
            self.dataloader_iterator = _SkipFirst(
                infinite_dataloader_iterator(self.dataloader), self._iter)
            print_log(
                f'Resuming: the sampler skipped {self._iter} batches '
                'without loading them.',
                logger='current')
        return super().run()
