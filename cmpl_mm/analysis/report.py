"""The markdown reports of the comparison tools: mean ± std tables, the
paired gaps between algorithms, failed runs, runs that did not learn,
plots and commands."""
import datetime
import os
import os.path as osp
import platform
import sys

from .comparison import (LEARNED_FACTOR, METRICS, NUM_CLASSES_KEY,
                         config_name, not_learned, shell_join, tail)

#: after a per-seed top-1 in the per-algorithm table: the run did not learn
NOT_LEARNED_MARK = '(did not learn)'


def pct(value) -> str:
    return '–' if value is None else f'{100 * value:.2f}'


def mean_pm_std(stat: dict) -> str:
    if not stat['n']:
        return '–'
    std = 'n/a (1 seed)' if stat['std'] is None else pct(stat['std'])
    return f'{pct(stat["mean"])} ± {std}'


def gap_table(gaps) -> list:
    """Markdown lines of :func:`pairwise_gaps` (none without a pair)."""
    if not gaps:
        return []
    lines = [
        '## Gaps between algorithms (top-1)', '',
        'Paired by seed: later config minus earlier one, in points, over '
        'the seeds both finished. *Separated* means at least 2 such seeds, '
        'the same sign on each, and a gap larger than the spread (std over '
        'seeds) of either algorithm. *Seeds for 2 SE*: how many paired '
        'seeds would put the gap two standard errors of the mean '
        'difference from zero, if the std stayed as measured.', '',
        '| pair | configs | seeds | gap | per seed | std of the differences '
        '| larger spread | separated | seeds for 2 SE |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for g in gaps:
        per_seed = ', '.join(f's{s}: {100 * d:+.2f}'
                             for s, d in g['per_seed'].items()) or '–'
        gap = '–' if g['gap'] is None else f'{100 * g["gap"]:+.2f}'
        lines.append(f'| {g["label"]} | `{g["later"]}` − `{g["earlier"]}` | '
                     f'{len(g["seeds"])} | {gap} | {per_seed} | '
                     f'{pct(g["std"])} | {pct(g["spread"])} | '
                     f'{g["verdict"]} | {g["seeds_needed"] or "–"} |')
    return lines + ['']


def not_learned_markdown(runs, factor: float = LEARNED_FACTOR) -> list:
    """A section listing the finished runs whose final top-1 is below
    ``factor`` x chance (:func:`cmpl_mm.analysis.comparison.not_learned`),
    and those whose chance level is unknown; one line when every finished
    run learned."""
    flagged = not_learned(runs, factor)
    unknown = [r for r in runs if r.ok and r.chance() is None]
    judged = sum(r.learned(factor) is not None for r in runs)
    lines = []
    if flagged:
        lines += [
            f'## Runs that did not learn: final top-1 below {factor:g} × '
            f'chance ({len(flagged)} of {judged})', '',
            'Chance = 1 / the classes of the deployed network (`' +
            NUM_CLASSES_KEY + '` with the run\'s options). These networks '
            'ended at or near chance: their numbers in the tables above '
            'measure a failed training, not the algorithm.', '',
            '| config | seed | final top-1 | chance | classes |',
            '|---|---|---|---|---|'
        ]
        for run in flagged:
            lines.append(f'| `{run.name}` | {run.seed} | '
                         f'{pct(run.final()["acc/top1"])} | '
                         f'{pct(run.chance())} | {run.num_classes()} |')
        lines.append('')
    elif judged:
        lines += [f'All {judged} finished runs learned (final top-1 ≥ '
                  f'{factor:g} × chance).', '']
    if unknown:
        lines += [
            'Chance level unknown (no `' + NUM_CLASSES_KEY + '` in the '
            'config), not judged: ' + ', '.join(
                f'`{r.name}` seed {r.seed}' for r in unknown) + '.', ''
        ]
    return lines


def plot_markdown(plots) -> list:
    """A ``## Plots`` section linking the PNGs (beside the report)."""
    if not plots:
        return []
    return ['## Plots', ''] + [
        f'![{name}]({osp.basename(path)})' for name, path in plots.items()
    ] + ['']


def comparison_markdown(runs, summary, gaps, plots, command_line, options,
                        learned_factor: float = LEARNED_FACTOR) -> str:
    """``results.md`` of ``tools/analysis/compare_algorithms.py``.

    Args:
        runs (list[Run]): Every run, in training order.
        summary (dict): :func:`cmpl_mm.analysis.comparison.summarize`.
        gaps (list[dict]): :func:`cmpl_mm.analysis.stats.pairwise_gaps`.
        plots (dict): Plot paths by name (linked beside the report).
        command_line (str): The comparison's command.
        options (dict): ``{config: (kept, left out)}``
            (:func:`cmpl_mm.analysis.comparison.options_per_config`).
        learned_factor (float): A finished run whose final top-1 is below
            this many times chance did not learn: marked in the table and
            listed (:func:`not_learned_markdown`).
    """
    flagged = {(r.config, str(r.seed)) for r in not_learned(runs,
                                                            learned_factor)}
    lines = ['# Algorithm comparison', '']
    lines += [
        f'Created {datetime.datetime.now().isoformat(timespec="seconds")} '
        f'on {platform.node() or "?"} (Python {platform.python_version()}'
        f'{torch_version()}).', '',
        'Accuracies (%) are those of the **last validation** of each run '
        '(the primary network), as mean ± sample standard deviation (n-1) '
        'over the seeds that finished. A per-seed top-1 marked '
        f'*{NOT_LEARNED_MARK}* is below {learned_factor:g} × chance.', ''
    ]
    lines += [
        '| algorithm | config | seeds | top-1 (mean ± std) | '
        'mean-class (mean ± std) | top-1 per seed | mean-class per seed | '
        'last val. iteration |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for entry in summary.values():
        per_seed = {}
        for key, _ in METRICS:
            per_seed[key] = ', '.join(
                f's{s}: {pct(v)}' +
                (f' {NOT_LEARNED_MARK}' if key == 'acc/top1' and
                 (entry['config'], s) in flagged else '')
                for s, v in entry[key]['per_seed'].items()) or '–'
        seeds = f'{entry["n"]}/{len(entry["seeds"])}'
        iters = ', '.join(str(i) for i in entry['final_iter']) or '–'
        lines.append(
            f'| {entry["algorithm"]} | `{entry["name"]}` | {seeds} | '
            f'{mean_pm_std(entry["acc/top1"])} | '
            f'{mean_pm_std(entry["acc/mean1"])} | {per_seed["acc/top1"]} | '
            f'{per_seed["acc/mean1"]} | {iters} |')
    lines.append('')
    lines += gap_table(gaps)

    failed = [r for r in runs if not r.ok]
    if failed:
        lines += [f'## Failed runs ({len(failed)} of {len(runs)})', '']
        for run in failed:
            lines += [
                f'### `{run.name}` seed {run.seed}: {run.status()}', '',
                f'Log: `{run.log_file}`. Last lines:', '', '```',
                tail(run.log_file).rstrip('\n') or '(empty log)', '```', ''
            ]
    else:
        lines += [f'All {len(runs)} runs finished.', '']
    lines += not_learned_markdown(runs, learned_factor)

    lines += plot_markdown(plots)
    if 'pseudo_labels' not in plots:
        lines += [
            'No pseudo-label statistics were logged (no FixMatch / CMPL '
            'run finished with `PseudoLabelStatsHook`).', ''
        ]

    lines += [
        '## Commands', '', f'Run in `{os.getcwd()}`; `python` is '
        f'`{sys.executable}`. This comparison:', '', '```', command_line,
        '```', ''
    ]
    dropped = {c: d for c, (_, d) in options.items() if d}
    if dropped:
        lines += [
            'Options left out of a config that has no such part (see '
            '`compare_algorithms.py --help`):', ''
        ]
        lines += [
            f'- `{config_name(c)}`: ' + ' '.join(f'`{o}`' for o in d)
            for c, d in dropped.items()
        ]
        lines.append('')
    lines += [
        'Runs, in this order (per config, `--seed` and `--work-dir` '
        'differ and the `--cfg-options` are the same):', '',
        '| config | seed | status | time (s) | command |',
        '|---|---|---|---|---|'
    ]
    for run in runs:
        duration = '–' if run.duration is None else f'{run.duration:.0f}'
        lines.append(f'| `{run.name}` | {run.seed} | {run.status()} | '
                     f'{duration} | `{shell_join(run.command)}` |')
    lines.append('')
    return '\n'.join(lines)


def torch_version() -> str:
    try:
        import torch
        return f', torch {torch.__version__}'
    except ImportError:
        return ''


def merged_markdown(sources, runs, summary, gaps, conflicts, plots) -> str:
    """``results.md`` of ``tools/analysis/merge_comparisons.py``.

    Args:
        sources (list[str]): The merged ``results.json`` files.
        runs (dict): :class:`cmpl_mm.analysis.recorded.RecordedRun` by
            (config name, seed).
        summary, gaps, plots: As :func:`comparison_markdown`'s.
        conflicts (dict): :func:`cmpl_mm.analysis.recorded.option_conflicts`.
    """
    lines = [
        '# Merged algorithm comparison', '',
        f'Created {datetime.datetime.now().isoformat(timespec="seconds")} '
        'by `tools/analysis/merge_comparisons.py` from: ' +
        ', '.join(f'`{p}`' for p in sources) + '.', '',
        'Last validation of each finished run (the primary network), mean '
        '± sample std (n-1) over the seeds found.', '',
        '| algorithm | config | seeds | top-1 (mean ± std) | '
        'mean-class (mean ± std) | top-1 per seed |', '|---|---|---|---|---|---|'
    ]
    for entry in summary.values():
        per_seed = ', '.join(
            f's{s}: {pct(v)}'
            for s, v in sorted(entry["acc/top1"]["per_seed"].items(),
                               key=lambda kv: int(kv[0])))
        lines.append(
            f'| {entry["algorithm"]} | `{entry["name"]}` | {entry["n"]} | '
            f'{mean_pm_std(entry["acc/top1"])} | '
            f'{mean_pm_std(entry["acc/mean1"])} | {per_seed} |')
    lines.append('')
    lines += gap_table(gaps)
    lines += plot_markdown(plots)
    if conflicts:
        lines += ['## Runs of one config with different options', '']
        for name, variants in conflicts.items():
            for options, where in variants.items():
                lines.append(f'- `{name}`: `{" ".join(options)}` in '
                             f'{", ".join(where)}')
        lines.append('')
    lines += ['## Runs', '', '| config | seed | source | command |',
              '|---|---|---|---|']
    for run in runs.values():
        lines.append(f'| `{run.name}` | {run.seed} | `{run.source}` | '
                     f'`{run.command_line}` |')
    lines.append('')
    return '\n'.join(lines)


def comparison_json(command_line, configs, seeds, cfg_options, options,
                    summary, gaps, runs, plots,
                    learned_factor: float = LEARNED_FACTOR) -> dict:
    """``results.json`` of ``tools/analysis/compare_algorithms.py``:
    the arguments of :func:`comparison_markdown`, the configs, seeds and
    options common to every run, and every run's record
    (:meth:`cmpl_mm.analysis.comparison.Run.to_json`, with its
    ``num_classes``, ``chance_top1`` and ``learned``)."""
    return dict(
        command_line=command_line,
        cwd=os.getcwd(),
        created=datetime.datetime.now().isoformat(timespec='seconds'),
        configs=configs,
        seeds=seeds,
        cfg_options=cfg_options,
        cfg_options_left_out={
            c: dropped
            for c, (_, dropped) in options.items() if dropped
        },
        algorithms=list(summary.values()),
        gaps=gaps,
        learned_factor=learned_factor,
        runs=[r.to_json(learned_factor) for r in runs],
        plots={k: osp.basename(v)
               for k, v in plots.items()})


def merged_json(sources, runs, summary, gaps, plots) -> dict:
    """``results.json`` of ``tools/analysis/merge_comparisons.py``."""
    return dict(
        created=datetime.datetime.now().isoformat(timespec='seconds'),
        sources=sources,
        algorithms=list(summary.values()),
        gaps=gaps,
        plots=plots,
        runs=[
            dict(name=r.name, seed=r.seed, config=r.config,
                 final_val=r.final_val, source=r.source,
                 command_line=r.command_line)
            for r in runs.values()
        ])
