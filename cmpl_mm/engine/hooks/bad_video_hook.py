"""Report the bad videos the robust datasets skipped."""
import os
import os.path as osp
from typing import Dict, List, Sequence, Tuple

from mmengine.dist import all_gather_object, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmaction.registry import HOOKS

from ...datasets.robust_datasets import records_of
from ...evaluation.metrics.bad_video_metric import BadVideoAwareMetric

PHASES = ('train', 'val', 'test')


def read_bad_video_file(path: str) -> Dict[str, str]:
    """``{video path: reason}`` of a ``bad_videos.txt`` (empty if absent)."""
    entries: Dict[str, str] = {}
    if not osp.isfile(path):
        return entries
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line:
                video, _, reason = line.partition('\t')
                entries.setdefault(video, reason)
    return entries


@HOOKS.register_module()
class BadVideoHook(Hook):
    """Log, count and list the videos ``RobustDataset`` could not use.

    :class:`~cmpl_mm.datasets.RobustDataset` (around any dataset type)
    attaches ``(path, reason)`` records of newly found bad videos to the
    samples it returns. Dataloader workers are separate processes, and
    mmengine's ``IterBasedTrainLoop`` starts them when the loop is built,
    before any hook runs, so a hook cannot hand them a record directory;
    the batches are how their findings reach the main process. This hook
    reads them from every training, validation and test batch and

    * logs each bad file once per run, with the reason (records of all
      ranks are gathered to rank 0);
    * keeps ``WORK_DIR/<out_file>``, one ``path<TAB>reason`` line per bad
      file, merged with what an earlier run in the same work dir listed (a
      resumed run), without duplicates;
    * logs ``"N bad videos skipped so far ..."`` every ``interval``
      training iterations once there is one, and after each validation /
      test run.

    Before validation / test it wraps every metric that is not yet a
    :class:`~cmpl_mm.evaluation.metrics.BadVideoAwareMetric` in one
    (``wrap_metrics=True``), so placeholders of undecodable videos never
    count in a metric. ``DumpResults`` (``tools/test.py --dump``) is left
    alone: the dump keeps one entry per listed video, placeholders marked
    with ``bad_video``.

    Args:
        interval (int): Training iterations between reports (and, with
            several processes, between gatherings). Defaults to 50.
        out_file (str): File name in the work dir. Defaults to
            ``'bad_videos.txt'``.
        wrap_metrics (bool): Wrap unwrapped metrics. Defaults to True.
        no_wrap (Sequence[str]): Metric class names never wrapped.
            Defaults to ``('DumpResults',)``.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 50,
                 out_file: str = 'bad_videos.txt',
                 wrap_metrics: bool = True,
                 no_wrap: Sequence[str] = ('DumpResults', )) -> None:
        if int(interval) < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = int(interval)
        self.out_file = out_file
        self.wrap_metrics = wrap_metrics
        self.no_wrap = tuple(no_wrap)
        self.pending: List[Tuple[str, str, str]] = []  # (path, reason, phase)
        self.found: Dict[str, Tuple[str, str]] = {}  # this run

    # --------------------------------------------------------- collecting
    def _collect(self, data_batch, phase: str) -> None:
        if isinstance(data_batch, dict):
            for path, reason in records_of(data_batch.get('data_samples')):
                self.pending.append((path, reason, phase))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        self._collect(data_batch, 'train')
        if self.every_n_train_iters(runner, self.interval):
            self._flush(runner, report=True)
        elif self.pending and get_world_size() == 1:
            self._flush(runner)  # log at once; no collective needed

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        self._collect(data_batch, 'val')

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        self._collect(data_batch, 'test')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._flush(runner, report=True)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._flush(runner, report=True)

    def after_train(self, runner) -> None:
        self._flush(runner, report=True)

    # ----------------------------------------------------------- metrics
    def before_val(self, runner) -> None:
        self._wrap(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._wrap(runner, runner.test_loop)

    def _wrap(self, runner, loop) -> None:
        evaluator = getattr(loop, 'evaluator', None)
        if not self.wrap_metrics or evaluator is None:
            return
        for i, metric in enumerate(evaluator.metrics):
            if isinstance(metric, BadVideoAwareMetric) or type(
                    metric).__name__ in self.no_wrap:
                continue
            wrapped = BadVideoAwareMetric(metric)
            evaluator.metrics[i] = wrapped
            runner.logger.info(
                f'BadVideoHook: {type(metric).__name__} wrapped in '
                'BadVideoAwareMetric (undecodable videos are left out of it)')

    # ---------------------------------------------------------- reporting
    def _flush(self, runner, report: bool = False) -> None:
        pending, self.pending = self.pending, []
        if get_world_size() > 1:
            gathered = all_gather_object(pending)
            pending = [record for part in gathered for record in part]
        new = []
        for path, reason, phase in pending:
            if path not in self.found:
                self.found[path] = (reason, phase)
                new.append((path, reason, phase))
        if not is_main_process():
            return
        out_path = osp.join(runner.work_dir, self.out_file)
        for path, reason, phase in new:
            what = 'replaced by the next good sample' if phase == 'train' \
                else 'left out of the metric'
            runner.logger.warning(
                f'bad video ({phase}), skipped: {path}: {reason} ({what}; '
                f'logged once, listed in {out_path})')
        if new:
            self._write(out_path)
        if report and self.found:
            counts = {p: 0 for p in PHASES}
            for _, phase in self.found.values():
                counts[phase] += 1
            detail = ', '.join(f'{p}: {n}' for p, n in counts.items() if n)
            runner.logger.info(
                f'{len(self.found)} bad videos skipped so far ({detail}); '
                f'listed in {out_path}')

    def _write(self, out_path: str) -> None:
        entries = read_bad_video_file(out_path)
        for path, (reason, _) in self.found.items():
            entries.setdefault(path, reason)
        os.makedirs(osp.dirname(out_path) or '.', exist_ok=True)
        tmp = f'{out_path}.tmp{os.getpid()}'
        with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
            for path, reason in entries.items():
                f.write(f'{path}\t{reason}\n')
        os.replace(tmp, out_path)

    def bad_videos(self) -> Dict[str, Tuple[str, str]]:
        """``{path: (reason, phase)}`` found in this run (on rank 0)."""
        return dict(self.found)
