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

The reading, statistics, report and plots are :mod:`cmpl_mm.analysis`
(``recorded``, ``comparison``, ``stats``, ``report``, ``plots``).
"""
import argparse
import json
import os
import os.path as osp
import sys
from collections import OrderedDict

from cmpl_mm.analysis.comparison import summarize
from cmpl_mm.analysis.plots import comparison_plots
from cmpl_mm.analysis.recorded import (ResultsError, load_runs,
                                       option_conflicts)
from cmpl_mm.analysis.report import merged_json, merged_markdown
from cmpl_mm.analysis.stats import pairwise_gaps


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


def main(argv=None):
    args = parse_args(argv)
    try:
        runs, labels = load_runs(args.results)
    except ResultsError as e:
        raise SystemExit(str(e))
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
    summary = summarize(configs, sorted(runs.values(), key=lambda r: r.seed))
    for entry in summary.values():
        entry['algorithm'] = labels.get(entry['name'], entry['algorithm'])
    gaps = pairwise_gaps(summary)

    os.makedirs(args.out, exist_ok=True)
    with_curves = [r for r in runs.values() if r.log is not None]
    plots = comparison_plots(args.out, with_curves, summary)
    md = merged_markdown(args.results, runs, summary, gaps, conflicts, plots)
    with open(osp.join(args.out, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(md)
    with open(osp.join(args.out, 'results.json'), 'w') as f:
        json.dump(merged_json(args.results, runs, summary, gaps, plots), f,
                  indent=1)
    print(md)
    return 0


if __name__ == '__main__':
    sys.exit(main())
