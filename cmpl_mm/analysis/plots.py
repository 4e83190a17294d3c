"""Plot the curves of training runs (matplotlib, Agg backend).

matplotlib is imported when a plot is drawn, not with this module, so the
tools that only read logs or tabulate do not need it.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from .pseudo_classes import ClassTable, class_tables
from .run_config import RunFacts, read_run_facts
from .run_logs import RunLog
from .stats import aggregate

#: the panels of the pseudo-label plots: mask ratio and precision always,
#: the threshold of adaptive rules (mean over classes) where a run has it
PSEUDO_PLOT_KEYS = ('mask_ratio', 'precision', 'threshold_mean')

#: validation metric prefixes by network (``AuxiliaryAccMetric``: aux_acc)
VAL_NETWORKS = (('acc', 'primary'), ('aux_acc', 'auxiliary'))
#: the accuracy panels of ``val_accuracy.png``: metric, axis label
VAL_METRICS = (('top1', 'top-1'), ('mean1', 'mean class accuracy'))


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


def val_networks(run: RunLog) -> List[tuple]:
    """``(metric prefix, network)`` of every network the run validated
    (``acc`` the primary, ``aux_acc`` the auxiliary, any other prefix with
    a ``top1`` under its own name), primary first."""
    prefixes = []
    for record in run.val:
        for key in record:
            prefix, _, metric = key.rpartition('/')
            if metric == 'top1' and prefix and prefix not in prefixes:
                prefixes.append(prefix)
    known = dict(VAL_NETWORKS)
    order = [p for p, _ in VAL_NETWORKS]
    prefixes.sort(key=lambda p: (order.index(p) if p in order else len(
        order), p))
    return [(p, known.get(p, p)) for p in prefixes]


def distinct_val_metrics(run: RunLog, prefixes: Sequence[str]) -> List[str]:
    """The metrics of :data:`VAL_METRICS` worth a panel: ``top1``, and
    ``mean1`` only where it differs from ``top1`` somewhere (on a balanced
    validation set the two are equal)."""
    metrics = ['top1']
    for prefix in prefixes:
        for record in run.val:
            top1 = record.get(f'{prefix}/top1')
            mean1 = record.get(f'{prefix}/mean1')
            if top1 is not None and mean1 is not None and \
                    abs(top1 - mean1) > 1e-6:
                return metrics + ['mean1']
    return metrics


def mark_schedule(ax, facts: RunFacts) -> None:
    """A chance line, and where the unsupervised loss starts (warm-up) and
    ramps up, on an accuracy (%) axis."""
    if facts.chance is not None:
        ax.axhline(100. * facts.chance, color='gray', linestyle=':',
                   linewidth=1.2,
                   label=f'chance ({100. * facts.chance:.1f}%)')
    if facts.semi and facts.warmup_iters > 0:
        ax.axvline(facts.warmup_iters, color='tab:red', linestyle='--',
                   linewidth=1, alpha=0.7,
                   label=f'unsupervised loss on (iter {facts.warmup_iters})')
    if facts.semi and facts.ramp_iters > 0:
        start = facts.warmup_iters
        ax.axvspan(start, start + facts.ramp_iters, color='tab:red',
                   alpha=0.08,
                   label=f'its weight ramps up (to iter '
                   f'{start + facts.ramp_iters})')


def plot_run_accuracy(run: RunLog, path: str,
                      facts: Optional[RunFacts] = None,
                      title: Optional[str] = None) -> str:
    """``val_accuracy.png`` of one run: every validated network (the
    auxiliary too when it was evaluated), one panel per metric that
    differs (top-1; mean class accuracy only where it is not equal to it),
    a chance line and the warm-up / ramp of the unsupervised loss.

    Args:
        run (RunLog): The run.
        path (str): The picture to write.
        facts (RunFacts, optional): Chance and schedule; read from the
            run's dumped config when None.
        title (str, optional): The figure's title.
    """
    facts = read_run_facts(run.config_path) if facts is None else facts
    networks = val_networks(run) or [('acc', 'primary')]
    metrics = distinct_val_metrics(run, [p for p, _ in networks])
    names = dict(VAL_METRICS)
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(metrics),
                             figsize=(5.5 * len(metrics), 4), squeeze=False)
    axes = list(axes[0])
    for ax, metric in zip(axes, metrics):
        for index, (prefix, network) in enumerate(networks):
            xs, ys = run.val_series(f'{prefix}/{metric}')
            if xs:
                ax.plot(xs, [100. * y for y in ys], marker='o',
                        markersize=3, label=network, color=f'C{index}')
        if any(ax.get_lines()):
            mark_schedule(ax, facts)
            ax.set_xlim(left=0)
        label = names[metric]
        if metric == 'top1' and len(metrics) == 1 and any(
                f'{p}/mean1' in r for r in run.val for p, _ in networks):
            label += ' = mean class accuracy'
        ax.set_xlabel('iteration')
        ax.set_ylabel(f'validation {label} (%)')
    return _finish(fig, axes, path, title)


def plot_pseudo_classes(tables: Dict[str, ClassTable], path: str,
                        class_names: Optional[Sequence[str]] = None,
                        title: Optional[str] = None) -> Optional[str]:
    """``pseudo_label_classes.png``: per class, the pseudo-labels each
    teacher gave its student and how many were right.

    Top panel: per class one bar per taught network (``auxiliary ->
    primary``, ``primary -> auxiliary``), as high as the pseudo-labels it
    accepted, solid where right, light where wrong, grey where the clip
    had no monitoring label. Bottom panel: the precision per class of each
    (with the network's overall precision dashed). Returns None (writes
    nothing) when ``tables`` is empty.

    Args:
        tables (dict[str, ClassTable]): By taught network
            (:func:`~cmpl_mm.analysis.pseudo_classes.class_tables`).
        path (str): The picture to write.
        class_names (list[str], optional): Tick labels, by class index.
        title (str, optional): The figure's title.
    """
    if not tables:
        return None
    plt = _pyplot()
    num_classes = max(len(t.accepted) for t in tables.values())
    xs = list(range(num_classes))
    width = 0.8 / len(tables)
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(max(6.5, 0.7 * num_classes + 2), 6.5), sharex=True,
        gridspec_kw=dict(height_ratios=(3, 2)))
    for index, table in enumerate(tables.values()):
        color = f'C{index}'
        pos = [x - 0.4 + width * (index + 0.5) for x in xs]
        wrong = [k - c for k, c in zip(table.known, table.correct)]
        unknown = [a - k for a, k in zip(table.accepted, table.known)]
        overall = table.overall_precision()
        name = table.label() + ('' if overall is None else
                                f' ({100. * overall:.0f}% right)')
        top.bar(pos, table.correct, width, color=color,
                label=f'{name}: right')
        top.bar(pos, wrong, width, bottom=table.correct, color=color,
                alpha=0.3, label=f'{table.label()}: wrong')
        if any(unknown):
            top.bar(pos, unknown, width, bottom=table.known, color='gray',
                    alpha=0.3, hatch='//', label=f'{table.label()}: '
                    'no monitoring label')
        precision = table.precision()
        shown = [(p, 100. * v) for p, v in zip(pos, precision)
                 if v is not None]
        if shown:
            bottom.bar([p for p, _ in shown], [v for _, v in shown], width,
                       color=color)
        if overall is not None:
            bottom.axhline(100. * overall, color=color, linestyle='--',
                           linewidth=1)
        for p, a, v in zip(pos, table.accepted, precision):
            if a:
                top.text(p, a, f'{a}' if v is None else f'{100 * v:.0f}%',
                         ha='center', va='bottom', fontsize=7)
    most = max(max(t.accepted, default=0) for t in tables.values())
    top.set_ylim(0, max(most, 1) * 1.45)  # room for the legend
    top.set_ylabel('pseudo-labels accepted')
    bottom.set_ylabel('precision per class (%)\n(dashed: all classes)')
    bottom.set_ylim(0, 105)
    names = list(class_names or [])
    ticks = [names[x] if x < len(names) else str(x) for x in xs]
    bottom.set_xticks(xs)
    bottom.set_xticklabels(ticks, rotation=30 if names else 0,
                           ha='right' if names else 'center', fontsize=8)
    bottom.set_xlabel('class (pseudo-label)')
    first = min(t.first_iter for t in tables.values())
    last = max(t.last_iter for t in tables.values())
    for ax in (top, bottom):
        ax.grid(True, axis='y', alpha=0.3)
    top.legend(fontsize=7, ncol=2 if len(tables) > 1 else 1,
               loc='upper center')
    span = (f'the interval logged at iteration {last}' if first == last
            else f'the intervals logged at iterations {first} to {last}')
    fig.suptitle((f'{title}\n' if title else '') + 'pseudo-labels per '
                 'class, teacher \u2192 student: what each network teaches\n'
                 f'({span})', fontsize=9)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_single_run(run: RunLog, out_dir: str,
                    class_names: Optional[Sequence[str]] = None
                    ) -> Dict[str, str]:
    """``val_accuracy.png``, ``train_losses.png``, ``pseudo_labels.png``
    and ``pseudo_label_classes.png`` of one run (the last two only when it
    has pseudo-label statistics, the last only from a run whose statistics
    have per-class precision, see
    :func:`~cmpl_mm.analysis.pseudo_classes.missing_reason`).

    Args:
        run (RunLog): The run.
        out_dir (str): Where the pictures go.
        class_names (list[str], optional): Class names for the per-class
            picture. Defaults to the class indices.

    Returns:
        dict: Written paths by plot name.
    """
    title = osp.basename(osp.normpath(run.work_dir))
    written = {}
    path = plot_run_accuracy(run, osp.join(out_dir, 'val_accuracy.png'),
                             title=title)
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
    path = plot_pseudo_classes(
        class_tables(run.pseudo),
        osp.join(out_dir, 'pseudo_label_classes.png'),
        class_names=class_names, title=title)
    if path:
        written['pseudo_label_classes'] = path
    return written


def comparison_plots(work_dir: str, runs, summary) -> Dict[str, str]:
    """``val_top1.png`` and ``pseudo_labels.png`` of a comparison.

    Args:
        work_dir (str): Where the plots go.
        runs: Runs with ``config``, ``ok`` and ``log`` (a :class:`RunLog`),
            e.g. :class:`cmpl_mm.analysis.comparison.Run`.
        summary (dict): Per config, an entry with ``algorithm`` and
            ``name`` (``cmpl_mm.analysis.comparison.summarize``); one curve
            per config with a finished run, averaged over its seeds.

    Returns:
        dict: Written paths by plot name (``val_top1``, and
        ``pseudo_labels`` when a run has pseudo-label statistics).
    """
    groups = OrderedDict()
    for config, entry in summary.items():
        ok = [r.log for r in runs if r.config == config and r.ok]
        if ok:
            groups[f'{entry["algorithm"]} ({entry["name"]})'] = ok
    plots = OrderedDict()
    if not groups:
        return plots
    plots['val_top1'] = plot_val_curves(
        groups, osp.join(work_dir, 'val_top1.png'),
        keys=('acc/top1', ),
        title='validation top-1: mean over seeds, shaded min-max')
    pseudo = plot_pseudo_curves(
        groups, osp.join(work_dir, 'pseudo_labels.png'),
        keys=PSEUDO_PLOT_KEYS,
        title='pseudo-labels per network: mean over seeds, shaded min-max')
    if pseudo:
        plots['pseudo_labels'] = pseudo
    return plots
