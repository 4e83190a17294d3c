"""Plot the curves of training runs (matplotlib, Agg backend).

matplotlib is imported when a plot is drawn, not with this module, so the
tools that only read logs or tabulate do not need it.
"""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from .run_logs import RunLog
from .stats import aggregate

#: the panels of the pseudo-label plots: mask ratio and precision always,
#: the threshold of adaptive rules (mean over classes) where a run has it
PSEUDO_PLOT_KEYS = ('mask_ratio', 'precision', 'threshold_mean')


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
