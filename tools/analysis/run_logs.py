"""Read the logs of MMEngine training runs and plot their curves.

Shared by ``tools/analysis/compare_algorithms.py`` (several algorithms and
seeds) and ``tools/analysis/plot_run.py`` (one run). A run's work dir holds

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
  "teacher_accuracy", "mean_weight", ...; with an adaptive rule also
  "threshold" (per class) and "threshold_mean" / "_min" / "_max"},
  "agreement_rate": x}``.

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
import math
import os
import os.path as osp
import statistics
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

PSEUDO_FILE = 'pseudo_label_stats.jsonl'
PSEUDO_PREFIX = 'pseudo/'
PSEUDO_KEYS = ('mask_ratio', 'precision', 'teacher_accuracy', 'mean_weight',
               'threshold_mean', 'threshold_min', 'threshold_max')
#: the panels of the pseudo-label plots: mask ratio and precision always,
#: the threshold of adaptive rules (mean over classes) where a run has it
PSEUDO_PLOT_KEYS = ('mask_ratio', 'precision', 'threshold_mean')
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


# ---------------------------------------------------------------------- #
# statistics over seeds
# ---------------------------------------------------------------------- #


def mean_std(values: Sequence[float]) -> Tuple[float, Optional[float]]:
    """Mean and sample standard deviation (n - 1; None for one value)."""
    values = list(values)
    if not values:
        return float('nan'), None
    mean = statistics.fmean(values) if hasattr(statistics, 'fmean') else \
        statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


def aggregate(curves: Sequence[Tuple[Sequence, Sequence]]) -> dict:
    """Mean, std, min and max over curves, per iteration.

    Args:
        curves: ``(iters, values)`` per seed. Iterations missing from a
            seed are left out of that iteration's statistics; NaN values
            too.

    Returns:
        dict: ``iter``, ``mean``, ``std`` (0 with one value), ``min``,
        ``max``, ``n`` lists, sorted by iteration.
    """
    by_iter: Dict[int, List[float]] = {}
    for xs, ys in curves:
        for x, y in zip(xs, ys):
            if y is None or (isinstance(y, float) and math.isnan(y)):
                by_iter.setdefault(x, [])
                continue
            by_iter.setdefault(x, []).append(float(y))
    out = dict(iter=[], mean=[], std=[], min=[], max=[], n=[])
    for x in sorted(by_iter):
        values = by_iter[x]
        out['iter'].append(x)
        out['n'].append(len(values))
        if values:
            mean, std = mean_std(values)
            out['mean'].append(mean)
            out['std'].append(std or 0.0)
            out['min'].append(min(values))
            out['max'].append(max(values))
        else:
            for key in ('mean', 'std', 'min', 'max'):
                out[key].append(float('nan'))
    return out


# ---------------------------------------------------------------------- #
# plotting (matplotlib, Agg backend)
# ---------------------------------------------------------------------- #


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_band(ax, agg: dict, label: str, color=None, scale: float = 1.0,
              band: str = 'minmax', marker: str = 'o',
              linestyle: str = '-') -> None:
    """A mean curve with a shaded min-max (or +-std) band over seeds."""
    xs = agg['iter']
    mean = [m * scale for m in agg['mean']]
    line, = ax.plot(xs, mean, marker=marker, markersize=3, label=label,
                    color=color, linestyle=linestyle)
    if max(agg['n'] or [0]) > 1:
        if band == 'std':
            lo = [(m - s) * scale for m, s in zip(agg['mean'], agg['std'])]
            hi = [(m + s) * scale for m, s in zip(agg['mean'], agg['std'])]
        else:
            lo = [v * scale for v in agg['min']]
            hi = [v * scale for v in agg['max']]
        ax.fill_between(xs, lo, hi, alpha=0.2, color=line.get_color(),
                        linewidth=0)


def _finish(fig, axes, path: str, title: Optional[str] = None) -> str:
    from matplotlib.ticker import MaxNLocator
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend(fontsize=8)
        else:
            ax.set_xticks([])
            ax.text(0.5, 0.5, 'no data', ha='center', va='center',
                    transform=ax.transAxes, color='gray')
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    _pyplot().close(fig)
    return path


def single(xs: Sequence, ys: Sequence) -> dict:
    """One curve in :func:`aggregate`'s format."""
    return aggregate([(xs, ys)])


def plot_val_curves(groups: Dict[str, List[RunLog]], path: str,
                    keys: Sequence[str] = ('acc/top1', ),
                    band: str = 'minmax',
                    title: Optional[str] = None) -> str:
    """Validation metrics (%) vs iteration, one subplot per key.

    Args:
        groups: Runs by curve label; each group is averaged over its runs
            (the seeds) with a ``band`` (``'minmax'`` or ``'std'``).
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4),
                             squeeze=False)
    axes = list(axes[0])
    for ax, key in zip(axes, keys):
        for label, runs in groups.items():
            curves = [run.val_series(key) for run in runs]
            if not any(xs for xs, _ in curves):
                continue
            n = len(runs)
            suffix = f' (n={n})' if n > 1 else ''
            plot_band(ax, aggregate(curves), label + suffix, scale=100.,
                      band=band)
        ax.set_xlabel('iteration')
        ax.set_ylabel(f'validation {key} (%)')
    return _finish(fig, axes, path, title)


def plot_pseudo_curves(groups: Dict[str, List[RunLog]], path: str,
                       keys: Sequence[str] = ('mask_ratio', 'precision'),
                       agreement: bool = False, band: str = 'minmax',
                       title: Optional[str] = None) -> Optional[str]:
    """Pseudo-label statistics vs iteration for every network of every group.

    One subplot per key (plus the agreement rate of two networks when
    ``agreement``); one curve per (group, network), averaged over the
    group's runs. Returns None (and writes nothing) when no run has
    pseudo-label statistics.
    """
    if not any(run.pseudo for runs in groups.values() for run in runs):
        return None
    plt = _pyplot()
    panels = [k for k in keys if k in ('mask_ratio', 'precision') or any(
        run.pseudo_series(net, k)[0] for runs in groups.values()
        for run in runs for net in run.networks())]
    panels += ['agreement_rate'] if agreement else []
    fig, axes = plt.subplots(1, len(panels),
                             figsize=(5 * len(panels), 4), squeeze=False)
    axes = list(axes[0])
    styles = {'primary': '-', 'auxiliary': '--'}
    for ax, key in zip(axes, panels):
        for index, (label, runs) in enumerate(groups.items()):
            if key == 'agreement_rate':
                nets = [None]
            else:
                nets = []
                for run in runs:
                    nets += [n for n in run.networks() if n not in nets]
            for net in nets:
                curves = [run.pseudo_series(net, key) for run in runs]
                agg = aggregate(curves)
                if not any(agg['n']):  # e.g. precision: nothing accepted
                    continue
                # one colour per group (algorithm), one line style per
                # network; a single group: one colour per network
                if len(groups) == 1:
                    name = net or 'weak-view predictions'
                    color, style = None, '-'
                else:
                    name = label if net is None else f'{label}: {net}'
                    color = f'C{index % 10}'
                    style = styles.get(net, ':')
                n = len(runs)
                plot_band(ax, agg, name + (f' (n={n})' if n > 1 else ''),
                          band=band, marker='.', color=color,
                          linestyle=style)
        ax.set_xlabel('iteration')
        ax.set_ylabel(key.replace('_', ' '))
        ax.set_ylim(-0.03, 1.03)
    return _finish(fig, axes, path, title)


def plot_train_losses(run: RunLog, path: str,
                      title: Optional[str] = None) -> Optional[str]:
    """Every training scalar whose name contains ``loss`` vs iteration."""
    keys = run.train_keys('loss')
    if not keys:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for key in keys:
        xs, ys = run.train_series(key)
        ax.plot(xs, ys, label=key, linewidth=1.2)
    ax.set_xlabel('iteration')
    ax.set_ylabel('training loss')
    return _finish(fig, [ax], path, title)


def plot_single_run(run: RunLog, out_dir: str) -> Dict[str, str]:
    """``val_accuracy.png``, ``train_losses.png`` and ``pseudo_labels.png``
    of one run (the last only when it has pseudo-label statistics).

    Returns:
        dict: Written paths by plot name.
    """
    title = osp.basename(osp.normpath(run.work_dir))
    written = {}
    path = plot_val_curves({'primary': [run]},
                           osp.join(out_dir, 'val_accuracy.png'),
                           keys=('acc/top1', 'acc/mean1'), title=title)
    written['val_accuracy'] = path
    path = plot_train_losses(run, osp.join(out_dir, 'train_losses.png'),
                             title=title)
    if path:
        written['train_losses'] = path
    path = plot_pseudo_curves(
        {title: [run]}, osp.join(out_dir, 'pseudo_labels.png'),
        keys=PSEUDO_PLOT_KEYS,
        agreement=any('agreement_rate' in r for r in run.pseudo),
        title=title)
    if path:
        written['pseudo_labels'] = path
    return written
