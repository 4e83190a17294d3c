"""Statistics over seeds: mean ± sample std, curves averaged per
iteration, and the gap between two algorithms paired by seed.

Pure Python (no torch, no numpy), used by the analysis tools in
``tools/analysis/``.
"""
import math
import statistics
from typing import Dict, List, Mapping, Optional, Sequence, Tuple


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


def seeds_needed(gap: float, std: Optional[float]) -> Optional[int]:
    """Paired seeds that would put ``gap`` two standard errors from zero,
    ``ceil((2 * std / gap) ** 2)`` and at least 2, if ``std`` (of the
    per-seed differences) stayed as measured; None without a std or a
    gap. A planning figure, as rough as the std of a few seeds is."""
    if std is None or not gap:
        return None
    return max(2, math.ceil((2 * std / gap)**2))


def paired_gap(earlier: Mapping[str, Optional[float]],
               later: Mapping[str, Optional[float]],
               spreads: Sequence[Optional[float]]) -> dict:
    """``later`` minus ``earlier``, paired by seed.

    Args:
        earlier, later: A metric per seed (``{'0': 0.61, ...}``; None for
            a seed without a value).
        spreads: The two algorithms' own std over seeds (None: one seed).

    Returns:
        dict: ``seeds`` (ints, both have a value), ``per_seed``
        differences, their mean ``gap`` (None without a common seed) and
        sample ``std``, the larger ``spread``, ``separated`` (at least 2
        common seeds, the same sign on every seed, the gap larger than
        both spreads), ``seeds_needed`` (:func:`seeds_needed`) and the
        ``verdict`` in words.
    """
    a, b = earlier, later
    seeds = sorted((s for s in b if s in a and None not in (a[s], b[s])),
                   key=int)
    diffs = {s: b[s] - a[s] for s in seeds}
    gap, std = mean_std(list(diffs.values()))
    spread = None if None in spreads else max(spreads)
    if len(seeds) < 2 or spread is None:
        verdict = 'n/a (fewer than 2 seeds)'
    elif len({d > 0 for d in diffs.values()}) > 1 or gap == 0:
        verdict = 'no (the sign changes between seeds)'
    elif abs(gap) <= spread:
        verdict = 'no (gap within the spread)'
    else:
        verdict = 'yes'
    return dict(
        seeds=[int(s) for s in seeds],
        per_seed=diffs,
        gap=gap if seeds else None,
        std=std,
        spread=spread,
        separated=verdict == 'yes',
        seeds_needed=seeds_needed(gap, std),
        verdict=verdict)


def pairwise_gaps(summary, key='acc/top1'):
    """Every later config minus every earlier one, paired by seed.

    The issue-level question "is algorithm B above algorithm A by more than
    the spread over seeds?" answered per pair with :func:`paired_gap`: the
    mean of the per-seed differences B - A over the seeds both finished,
    their sample std, the larger of the two algorithms' own spreads,
    whether the pair is separated and how many seeds would resolve it.

    Args:
        summary (dict): Per config, in config order, an entry with
            ``name``, ``algorithm`` and per metric ``std`` and
            ``per_seed`` (``cmpl_mm.analysis.comparison.summarize``).
        key (str): The metric compared. Defaults to ``'acc/top1'``.

    Returns:
        list[dict]: One entry per pair, later config first.
    """
    entries = list(summary.values())
    algorithms = [e['algorithm'] for e in entries]

    def label(entry):
        # two configs of one algorithm (an ablation): name the configs
        if algorithms.count(entry['algorithm']) > 1:
            return entry['name']
        return entry['algorithm']

    gaps = []
    for i, earlier in enumerate(entries):
        for later in entries[i + 1:]:
            gaps.append(
                dict(
                    later=later['name'],
                    earlier=earlier['name'],
                    label=f'{label(later)} − {label(earlier)}',
                    metric=key,
                    **paired_gap(earlier[key]['per_seed'],
                                 later[key]['per_seed'],
                                 [e[key]['std'] for e in (earlier, later)])))
    return gaps
