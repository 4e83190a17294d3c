"""Merge the runs of several ``compare_algorithms.py`` reports into one.

Seeds of one comparison are often trained in separate invocations (another
session, another machine, a seed added later). This tool reads their
``results.json`` files and writes the table of ``compare_algorithms.py``
(mean ± std per config over all seeds found) and its paired gaps between
configs, without training anything::

    python tools/analysis/merge_comparisons.py \\
        work_dirs/compare_a/results.json work_dirs/compare_b/results.json \\
        --out work_dirs/compare_merged

Runs are matched by config name and seed. Only finished runs count. The
runs of one config must have used the same ``--cfg-options`` (their
training command minus ``--seed`` and ``--work-dir``), otherwise the files
are not comparable and the tool stops naming them
(``--allow-different-options`` merges anyway and lists the differences).
The same config and seed in two files must have the same result.
Written to ``--out``: ``results.md``, ``results.json`` and, from the curves
the reports recorded, the plots of ``compare_algorithms.py`` over all seeds
(``val_top1.png``, ``pseudo_labels.png``).
"""
import argparse
import datetime
import json
import os
import os.path as osp
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import compare_algorithms as compare  # noqa: E402
import run_logs  # noqa: E402


class RecordedRun:
    """A finished run as ``results.json`` recorded it."""

    def __init__(self, record: dict, source: str) -> None:
        self.config = record['config']
        self.name = record['name']
        self.seed = record['seed']
        self.ok = bool(record.get('ok'))
        self.final_val = record.get('final_val')
        self.command_line = record.get('command_line', '')
        self.options = training_options(record.get('command', []))
        self.source = source
        # the curves compare_algorithms recorded, for the plots
        self.log = None
        if record.get('val'):
            self.log = run_logs.RunLog.from_curves(
                record['val'], record.get('pseudo') or [], source)

    def final(self):
        return self.final_val if self.ok else None


def training_options(command) -> list:
    """The ``--cfg-options`` of a recorded ``tools/train.py`` command."""
    if '--cfg-options' not in command:
        return []
    return list(command[command.index('--cfg-options') + 1:])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Merge compare_algorithms.py reports (results.json) '
        'into one table of mean ± std and paired gaps.')
    parser.add_argument('results', nargs='+', help='results.json files')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--allow-different-options', action='store_true',
        help='merge runs of one config trained with different '
        '--cfg-options (listed in the report) instead of stopping')
    return parser.parse_args(argv)


def load_runs(paths):
    """Finished runs by (config name, seed), and each config's label."""
    runs, labels = OrderedDict(), {}
    for path in paths:
        try:
            with open(path) as f:
                results = json.load(f)
        except (OSError, ValueError) as e:
            raise SystemExit(f'{path}: not a readable results.json ({e})')
        if 'runs' not in results:
            raise SystemExit(f'{path}: no "runs" key; is it a '
                             'compare_algorithms.py results.json?')
        for entry in results.get('algorithms', []):
            labels.setdefault(entry['name'], entry.get('algorithm', '?'))
        for record in results['runs']:
            run = RecordedRun(record, path)
            if not run.ok:
                continue
            key = (run.name, run.seed)
            seen = runs.get(key)
            if seen is not None and seen.final_val != run.final_val:
                why = ('trained with different --cfg-options'
                       if seen.options != run.options else
                       'with the same options')
                raise SystemExit(
                    f'{run.name} seed {run.seed} has different results in '
                    f'{seen.source} and {path} ({why}); merge one of them')
            runs.setdefault(key, run)
    return runs, labels


def option_conflicts(runs):
    """Per config name, the distinct option lists with their sources."""
    by_config = OrderedDict()
    for run in runs.values():
        variants = by_config.setdefault(run.name, OrderedDict())
        variants.setdefault(tuple(run.options), []).append(
            f'seed {run.seed} ({run.source})')
    return {n: v for n, v in by_config.items() if len(v) > 1}


def main(argv=None):
    args = parse_args(argv)
    runs, labels = load_runs(args.results)
    if not runs:
        raise SystemExit('no finished run in ' + ', '.join(args.results))
    conflicts = option_conflicts(runs)
    if conflicts and not args.allow_different_options:
        lines = []
        for name, variants in conflicts.items():
            for options, where in variants.items():
                lines.append(f'  {name}: {" ".join(options)}\n'
                             f'    in {", ".join(where)}')
        raise SystemExit('runs of one config used different --cfg-options:'
                         '\n' + '\n'.join(lines) +
                         '\n(--allow-different-options merges anyway)')

    configs = list(OrderedDict.fromkeys(r.config for r in runs.values()))
    summary = compare.summarize(
        argparse.Namespace(configs=configs),
        sorted(runs.values(), key=lambda r: r.seed))
    for entry in summary.values():
        entry['algorithm'] = labels.get(entry['name'], entry['algorithm'])
    gaps = compare.pairwise_gaps(summary)

    os.makedirs(args.out, exist_ok=True)
    with_curves = [r for r in runs.values() if r.log is not None]
    plots = compare.make_plots(argparse.Namespace(work_dir=args.out),
                               with_curves, summary)
    md = markdown(args, runs, summary, gaps, conflicts, plots)
    with open(osp.join(args.out, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(md)
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(
            dict(
                created=datetime.datetime.now().isoformat(timespec='seconds'),
                sources=args.results,
                algorithms=list(summary.values()),
                gaps=gaps,
                plots=plots,
                runs=[
                    dict(name=r.name, seed=r.seed, config=r.config,
                         final_val=r.final_val, source=r.source,
                         command_line=r.command_line)
                    for r in runs.values()
                ]),
            f,
            indent=1)
    print(md)
    return 0


def markdown(args, runs, summary, gaps, conflicts, plots) -> str:
    lines = [
        '# Merged algorithm comparison', '',
        f'Created {datetime.datetime.now().isoformat(timespec="seconds")} '
        'by `tools/analysis/merge_comparisons.py` from: ' +
        ', '.join(f'`{p}`' for p in args.results) + '.', '',
        'Last validation of each finished run (the primary network), mean '
        '± sample std (n-1) over the seeds found.', '',
        '| algorithm | config | seeds | top-1 (mean ± std) | '
        'mean-class (mean ± std) | top-1 per seed |', '|---|---|---|---|---|---|'
    ]
    for entry in summary.values():
        per_seed = ', '.join(
            f's{s}: {compare.pct(v)}'
            for s, v in sorted(entry["acc/top1"]["per_seed"].items(),
                               key=lambda kv: int(kv[0])))
        lines.append(
            f'| {entry["algorithm"]} | `{entry["name"]}` | {entry["n"]} | '
            f'{compare.mean_pm_std(entry["acc/top1"])} | '
            f'{compare.mean_pm_std(entry["acc/mean1"])} | {per_seed} |')
    lines.append('')
    lines += compare.gap_table(gaps)
    lines += compare.plot_markdown(plots)
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


if __name__ == '__main__':
    sys.exit(main())
