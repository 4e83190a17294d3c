"""Read the logs of MMEngine training runs.

Used by ``tools/analysis/compare_algorithms.py`` (several algorithms and
seeds), ``tools/analysis/plot_run.py`` (one run) and ``tools/run_demo.py``;
the curves are plotted by :mod:`cmpl_mm.analysis.plots`. A run's work dir
holds

* ``<timestamp>/vis_data/scalars.json``: one JSON object per line, written
  by ``LocalVisBackend``; one ``<timestamp>`` folder per start of
  ``tools/train.py`` (a resumed run adds one). Lines are

  - training: ``iter``, ``lr``, ``loss``, ``sup_loss_cls``,
    ``unsup_mask_ratio``, ... (every ``default_hooks.logger.interval``);
  - pseudo-label scalars of ``PseudoLabelStatsHook``: ``pseudo/<net>_<key>``
    with ``step`` = iteration;
  - validation: ``acc/top1``, ``acc/mean1``, ... and ``step``.

* ``pseudo_label_stats.jsonl`` (``PseudoLabelStatsHook``): one JSON object
  per interval, ``{"iter": N, "<network>": {"mask_ratio", "precision",
  "teacher_accuracy", "mean_weight", "accepted_per_class", ...; with an
  adaptive rule also "threshold" (per class) and "threshold_mean" /
  "_min" / "_max"; in newer runs "teacher", "correct_per_class" and,
  where it differs from the accepted counts, "accepted_known_per_class"
  (:mod:`~cmpl_mm.analysis.pseudo_classes`)}, "agreement_rate": x}``.

**Iteration of a validation.** MMEngine's ``LoggerHook`` writes the
validation ``step`` as the *epoch* (0 in an iteration-based loop) unless
``default_hooks.logger.log_metric_by_epoch=False``, which makes it the
iteration (``compare_algorithms.py`` passes that option). When the step is
not usable, the iteration is recovered from the validation schedule of the
run's dumped config (``train_cfg.val_interval`` / ``val_begin`` /
``max_iters``: validations happen at multiples of the interval and at the
last iteration) and the position of the line between training lines: a
validation logged after training iteration ``M`` is the first scheduled one
at or after ``M``; one logged before the first training line of a (resumed)
segment is placed just before that line. ``RunLog.val_iter_source`` says
which way was used.

Only iteration-based training loops are supported.
"""
import glob
import json
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

PSEUDO_FILE = 'pseudo_label_stats.jsonl'
PSEUDO_PREFIX = 'pseudo/'
PSEUDO_KEYS = ('mask_ratio', 'precision', 'teacher_accuracy', 'mean_weight',
               'threshold_mean', 'threshold_min', 'threshold_max')
NETWORK_ORDER = ('primary', 'auxiliary')

# ---------------------------------------------------------------------- #
# reading
# ---------------------------------------------------------------------- #


def read_jsonl(path: str) -> List[dict]:
    """JSON objects of a file, one per line; broken lines are skipped.

    A run killed while writing leaves a cut last line: it is ignored, not
    an error.
    """
    records = []
    if not osp.isfile(path):
        return records
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def scalar_files(work_dir: str) -> List[str]:
    """``<timestamp>/vis_data/scalars.json`` files, oldest segment first."""
    return sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))


def find_config(work_dir: str) -> Optional[str]:
    """The config dumped by the most recent start of the run, if any."""
    dumped = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'config.py')))
    if dumped:
        return dumped[-1]
    top = sorted(glob.glob(osp.join(work_dir, '*.py')))
    return top[-1] if top else None


def load_val_schedule(config_path: Optional[str]) -> Optional[dict]:
    """``max_iters``, ``val_interval`` and ``val_begin`` of a config.

    Returns None when the config cannot be read or has no iteration-based
    ``train_cfg``.
    """
    if config_path is None:
        return None
    try:
        from mmengine.config import Config
        cfg = Config.fromfile(config_path, import_custom_modules=False)
        train_cfg = cfg.get('train_cfg') or {}
        max_iters = int(train_cfg['max_iters'])
        return dict(
            max_iters=max_iters,
            val_interval=int(train_cfg.get('val_interval', 1000)),
            val_begin=int(train_cfg.get('val_begin', 1)))
    except Exception:  # noqa: BLE001  (best effort: any unreadable config)
        return None


def scheduled_val_iters(schedule: Optional[dict]) -> Optional[List[int]]:
    """Iterations after which an ``IterBasedTrainLoop`` validates."""
    if not schedule:
        return None
    max_iters, interval = schedule['max_iters'], schedule['val_interval']
    begin = schedule['val_begin']
    iters = [
        i for i in range(interval, max_iters + 1, max(interval, 1))
        if i >= begin
    ]
    if max_iters >= begin and (not iters or iters[-1] != max_iters):
        iters.append(max_iters)
    return iters


def is_train_line(record: dict) -> bool:
    return 'iter' in record


def is_pseudo_line(record: dict) -> bool:
    keys = [k for k in record if k != 'step']
    return bool(keys) and all(k.startswith(PSEUDO_PREFIX) for k in keys)


def is_val_line(record: dict) -> bool:
    """A validation (or test) result: metrics plus the loop's timings.

    Other scalars some hook may add (no ``time``, no ``acc/...``) are not
    validation results.
    """
    if is_train_line(record) or is_pseudo_line(record):
        return False
    return 'time' in record or 'data_time' in record or any(
        k.startswith('acc/') for k in record)


def _place_vals(n_before: int, after_markers: List[int],
                first_marker: Optional[int], start: int,
                sched: Optional[List[int]]) -> Tuple[List[int], str]:
    """Iterations of a segment's validation lines (see module doc).

    Args:
        n_before (int): Validation lines before the segment's first
            training line.
        after_markers (list[int]): For every later validation line, the
            last training iteration logged before it.
        first_marker (int, optional): The segment's first logged training
            iteration.
        start (int): The last iteration known from earlier segments.
        sched (list[int], optional): Scheduled validation iterations.
    """
    source = 'schedule' if sched else 'order'
    picked = []
    if n_before and sched:
        if first_marker is not None:
            picked = [s for s in sched if s < first_marker][-n_before:]
        else:
            picked = [s for s in sched if s > start][:n_before]
    while len(picked) < n_before:  # no (or too short a) schedule: count
        picked.append((picked[-1] if picked else start) + 1)
    out = list(picked)
    # a resumed segment starts before the end of the previous one: later
    # lines are only ordered within the segment
    last = out[-1] if out else 0
    for marker in after_markers:
        candidate = None
        if sched:
            candidate = next(
                (s for s in sched if s >= marker and s > last), None)
        if candidate is None:
            candidate = marker if marker > last else last + 1
        out.append(candidate)
        last = candidate
    return out, source


def _segment_vals(lines: List[dict], start: int,
                  sched: Optional[List[int]]) -> Tuple[List[dict], str]:
    """Validation records of one scalars.json with an ``iter`` each."""
    vals_raw, markers = [], []
    marker = None
    first_marker = None
    for record in lines:
        if is_train_line(record):
            marker = int(record['iter'])
        elif is_pseudo_line(record):
            marker = int(record.get('step', marker or 0))
        elif is_val_line(record):
            vals_raw.append(record)
            markers.append(marker)
            continue
        else:
            continue
        if first_marker is None:
            first_marker = marker
    if not vals_raw:
        return [], 'none'
    # usable steps: the iteration (log_metric_by_epoch=False)
    steps = [r.get('step') for r in vals_raw]
    if all(isinstance(s, int) and s > 0 for s in steps) and all(
            m is None or s >= m for s, m in zip(steps, markers)) and \
            steps == sorted(steps):
        iters, source = steps, 'step'
    else:
        n_before = sum(m is None for m in markers)
        iters, source = _place_vals(n_before,
                                    [m for m in markers if m is not None],
                                    first_marker, start, sched)
    out = []
    for record, it in zip(vals_raw, iters):
        record = {k: v for k, v in record.items() if k != 'step'}
        record['iter'] = int(it)
        out.append(record)
    return out, source


def _pseudo_from_scalars(lines: Iterable[dict]) -> Dict[int, dict]:
    """``pseudo_label_stats.jsonl``-like records from ``pseudo/...`` lines."""
    records = {}
    for line in lines:
        if not is_pseudo_line(line) or 'step' not in line:
            continue
        record = {'iter': int(line['step'])}
        for key, value in line.items():
            if not key.startswith(PSEUDO_PREFIX):
                continue
            name = key[len(PSEUDO_PREFIX):]
            if name == 'agreement_rate':
                record['agreement_rate'] = value
                continue
            for stat in PSEUDO_KEYS:
                if name.endswith('_' + stat):
                    net = name[:-len(stat) - 1]
                    record.setdefault(net, {})[stat] = value
        records[record['iter']] = record
    return records


class RunLog:
    """The curves of one training run (all its segments merged).

    Attributes:
        work_dir (str): The run's work dir.
        train (list[dict]): Training log lines, one per logged iteration,
            sorted by ``iter`` (a resumed segment overrides earlier lines of
            the same iterations).
        val (list[dict]): Validation metrics with ``iter``, sorted.
        pseudo (list[dict]): Pseudo-label statistics with ``iter``, sorted
            (from ``pseudo_label_stats.jsonl``, else from the
            ``pseudo/...`` scalars).
        val_iter_source (str): ``'step'``, ``'schedule'``, ``'order'`` or
            ``'none'`` (no validation), see the module doc.
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.config_path = find_config(work_dir)
        self.schedule = load_val_schedule(self.config_path)
        sched = scheduled_val_iters(self.schedule)
        train: Dict[int, dict] = {}
        val: Dict[int, dict] = {}
        pseudo_scalars: Dict[int, dict] = {}
        sources = []
        last_iter = 0
        for path in scalar_files(work_dir):
            lines = read_jsonl(path)
            vals, source = _segment_vals(lines, last_iter, sched)
            if vals:
                sources.append(source)
            for record in lines:
                if is_train_line(record):
                    train[int(record['iter'])] = record
            for record in vals:
                val[record['iter']] = record
            pseudo_scalars.update(_pseudo_from_scalars(lines))
            known = [r['iter'] for r in vals] + [
                int(r['iter']) for r in lines if is_train_line(r)
            ]
            if known:
                last_iter = max(known)
        pseudo = {}
        for record in read_jsonl(osp.join(work_dir, PSEUDO_FILE)):
            if 'iter' in record:
                pseudo[int(record['iter'])] = record
        if not pseudo:
            pseudo = pseudo_scalars
        self.train = [train[i] for i in sorted(train)]
        self.val = [val[i] for i in sorted(val)]
        self.pseudo = [pseudo[i] for i in sorted(pseudo)]
        if not sources:
            self.val_iter_source = 'none'
        elif all(s == 'step' for s in sources):
            self.val_iter_source = 'step'
        else:
            self.val_iter_source = next(s for s in sources if s != 'step')

    @classmethod
    def from_curves(cls, val: Sequence[dict], pseudo: Sequence[dict],
                    source: str = 'recorded') -> 'RunLog':
        """A run of curves read before, e.g. from a ``results.json``.

        Args:
            val: Validation records with ``iter`` (``RunLog.val``).
            pseudo: Pseudo-label records with ``iter`` (``RunLog.pseudo``).
            source: Where the curves come from, shown in place of the work
                dir.
        """
        run = cls.__new__(cls)
        run.work_dir, run.config_path, run.schedule = source, None, None
        run.train = []
        run.val = sorted(val, key=lambda r: r['iter'])
        run.pseudo = sorted(pseudo, key=lambda r: r['iter'])
        run.val_iter_source = 'recorded'
        return run

    # -- queries ---------------------------------------------------------
    def final_val(self) -> Optional[dict]:
        """Metrics of the last validation (highest iteration), or None."""
        return self.val[-1] if self.val else None

    def last_iter(self) -> int:
        iters = [r['iter'] for r in self.train + self.val + self.pseudo]
        return max(iters) if iters else 0

    def val_series(self, key: str = 'acc/top1') -> Tuple[List, List]:
        rows = [r for r in self.val if key in r]
        return [r['iter'] for r in rows], [r[key] for r in rows]

    def train_keys(self, contains: str = 'loss') -> List[str]:
        keys = []
        for record in self.train:
            for key in record:
                if contains in key and key not in keys:
                    keys.append(key)
        return keys

    def train_series(self, key: str) -> Tuple[List, List]:
        rows = [r for r in self.train if key in r]
        return [r['iter'] for r in rows], [r[key] for r in rows]

    def networks(self) -> List[str]:
        """Networks with pseudo-label statistics, ``primary`` first."""
        names = []
        for record in self.pseudo:
            for key, value in record.items():
                if isinstance(value, dict) and key not in names:
                    names.append(key)
        order = {n: i for i, n in enumerate(NETWORK_ORDER)}
        return sorted(names, key=lambda n: (order.get(n, len(order)), n))

    def pseudo_series(self, network: Optional[str],
                      key: str) -> Tuple[List, List]:
        """``key`` of ``network`` per interval (None values become NaN).

        ``network=None`` reads a top-level value (``agreement_rate``).
        """
        xs, ys = [], []
        for record in self.pseudo:
            source = record if network is None else record.get(network)
            if not isinstance(source, dict) or key not in source:
                continue
            value = source[key]
            xs.append(record['iter'])
            ys.append(float('nan') if value is None else float(value))
        return xs, ys


def load_run(work_dir: str) -> RunLog:
    """Read a run's work dir (see :class:`RunLog`)."""
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'no such work dir: {work_dir}')
    return RunLog(work_dir)


def last_pseudo_stats(work_dir: str):
    """The last line of ``WORK_DIR/pseudo_label_stats.jsonl`` (None if the
    run wrote none)."""
    path = osp.join(work_dir, PSEUDO_FILE)
    if not osp.isfile(path):
        return None
    last = None
    with open(path) as f:
        for line in f:
            if line.strip():
                last = json.loads(line)
    return last
