"""mmengine's private endless dataloader iterator, for the fast resume.

:class:`~cmpl_mm.engine.runner.FastResumeIterBasedTrainLoop` replaces the
iterator ``IterBasedTrainLoop`` builds (``_InfiniteDataloaderIterator``, a
private class of ``mmengine.runner.loops``) with one that skips the already
trained batches. :func:`infinite_dataloader_iterator` is the one place that
reaches into mmengine for it.
"""
from .version_guard import warn_if_untested

TESTED_WITH = dict(mmengine=('0.10.0', '0.11.0'))


def infinite_dataloader_iterator(dataloader):
    """mmengine's iterator that restarts ``dataloader`` when it runs out.

    Args:
        dataloader (torch.utils.data.DataLoader): The training dataloader.
    """
    warn_if_untested(
        'fast resume', TESTED_WITH,
        'that mmengine.runner.loops._InfiniteDataloaderIterator(dataloader) '
        'still exists and that IterBasedTrainLoop.run still reads '
        'self.dataloader_iterator (tests/test_crash_resume.py).')
    from mmengine.runner.loops import _InfiniteDataloaderIterator
    return _InfiniteDataloaderIterator(dataloader)
