"""Train several algorithm configs for several seeds and compare them.

Every (config, seed) is one ``tools/train.py`` process::

    python tools/train.py CONFIG --work-dir OUT/<config name>/seed<S> \\
        --seed S --cfg-options <the same options for every run>

so all algorithms share the data split, schedule and options given here.
Runs go seed by seed (all configs for seed 0, then seed 1, ...), so an
interrupted comparison has whole seeds. A run that fails (non-zero exit
status, or no validation result) is reported with its exit status and the
tail of its log; the others go on, and this tool exits with status 1 at the
end.

A finished run whose deployed network ended near chance **did not learn**:
its last validation's top-1 is below ``--learned-factor`` (default 2) times
chance, 1 / ``model.primary.cls_head.num_classes`` of its config with its
``--cfg-options``. Each such run gets a one-line warning on stderr and the
tool exits with status 1 at the end, as for a failed run, unless
``--allow-chance`` is given (the warnings and the report stay). A run whose
config has no such key is not judged. Written to ``--work-dir``:

* ``results.md``: per algorithm, the last validation's top-1 and
  mean-class accuracy as mean +- sample std (n-1) over seeds, the per-seed
  values (a run that did not learn marked ``(did not learn)``) and the
  number of seeds; for every pair of configs the top-1 gap
  paired by seed and whether it exceeds both spreads (same sign on every
  seed, gap > std of either); failed runs; the runs that did not learn
  (config, seed, final top-1, chance, classes); the exact command lines;
* ``results.json``: the same, plus every run's command, exit status,
  duration, validation curve, ``num_classes``, ``chance_top1`` and
  ``learned`` (true / false; null for a failed or unjudged run), and the
  ``learned_factor``;
* ``val_top1.png``: validation top-1 vs iteration per algorithm (mean over
  seeds, shaded min-max);
* ``pseudo_labels.png``: mask ratio, pseudo-label precision and (for adaptive
  rules) the mean threshold over classes vs iteration
  for every network of the algorithms that make pseudo-labels (FixMatch,
  CMPL), from ``pseudo_label_stats.jsonl``.

Each run's output goes to ``OUT/<config name>/seed<S>/`` (its console
output to ``train.log`` there, its status to ``run_info.json``). A run
folder that exists is replaced, unless ``--skip-existing`` finds in it a
finished run with the same command line. ``run_info.json`` is written
when a run starts too, so ``--resume`` can tell an interrupted run of the
same command and continue it from its last checkpoint
(``tools/train.py --resume``, appending to ``train.log``).

**Options that address a part a config does not have.** The configs of
different algorithms differ in a few keys: the supervised configs set
``train_dataloader.dataset.unlabeled=None`` and only CMPL has
``model.auxiliary``. An option whose key path runs through a None value in a config (a part
it switches off, e.g. ``train_dataloader.dataset.unlabeled.ann_file`` for
the supervised baseline) is left out of that config's runs; so is one
whose path runs through a missing key before its last part while it
reaches into another compared config (e.g.
``model.auxiliary.cls_head.num_classes`` for FixMatch; compared alone,
such an option is passed on, so that a misspelt key still fails). One
option list thus points every algorithm at the same data.
What was left out is printed and listed in ``results.md``; the command
lines there are the exact ones run. ``--no-filter-options`` passes every
option to every run.

``default_hooks.logger.log_metric_by_epoch=False`` is passed before the
user's ``--cfg-options`` so that validation scalars carry their iteration
(MMEngine writes the epoch, 0, otherwise); it changes nothing else.

The runs, the statistics, the report and the plots are
:mod:`cmpl_mm.analysis` (``comparison``, ``stats``, ``report``, ``plots``).

Examples::

    # the three demo configs (supervised, FixMatch, CMPL), seeds 0 1 2
    python tools/analysis/compare_algorithms.py --work-dir work_dirs/compare

    # any configs, a short schedule, two seeds
    python tools/analysis/compare_algorithms.py \\
        --configs configs/fixmatch_r3d18q_synthetic.py \\
                  configs/cmpl_r3d18q_synthetic.py \\
        --seeds 0 1 --max-iters 200 --work-dir work_dirs/compare_short \\
        --cfg-options train_dataloader.num_workers=1
"""
import argparse
import json
import os
import os.path as osp
import sys

from cmpl_mm.analysis import comparison
from cmpl_mm.analysis.plots import comparison_plots
from cmpl_mm.analysis.report import (comparison_json, comparison_markdown,
                                     mean_pm_std, pct)
from cmpl_mm.analysis.stats import pairwise_gaps

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN_SCRIPT = osp.join(REPO_ROOT, 'tools', 'train.py')
DEFAULT_CONFIGS = [
    'configs/supervised_r3d18q_synthetic.py',
    'configs/fixmatch_r3d18q_synthetic.py',
    'configs/cmpl_r3d18q_synthetic.py',
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train algorithm configs on the same split and schedule '
        'for several seeds; tabulate and plot the results.')
    parser.add_argument(
        '--configs', nargs='+', default=None,
        help='config files (default: the supervised, FixMatch and CMPL demo '
        'configs, configs/*_r3d18q_synthetic.py)')
    parser.add_argument(
        '--seeds', nargs='+', type=int, default=[0, 1, 2],
        help='seeds, one run per config and seed (default: 0 1 2)')
    parser.add_argument(
        '--work-dir', default='work_dirs/compare_algorithms',
        help='output folder (default: work_dirs/compare_algorithms)')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='passed to every run (tools/train.py --cfg-options), except '
        'that an option addressing a part a config does not have is left '
        'out of that config\'s runs (see --no-filter-options)')
    parser.add_argument(
        '--max-iters', type=int,
        help='shortcut for train_cfg.max_iters=N (only that key: the '
        'learning-rate schedule and validation interval of the config are '
        'kept; the last iteration is always validated)')
    demo = parser.add_mutually_exclusive_group()
    demo.add_argument(
        '--prepare-demo-data', dest='prepare_demo_data', action='store_true',
        default=None,
        help='generate the demo videos and split into --demo-data-root if '
        'absent (default: on with the default configs, off otherwise)')
    demo.add_argument(
        '--no-prepare-demo-data', dest='prepare_demo_data',
        action='store_false')
    parser.add_argument(
        '--demo-data-root', default='data/synthetic',
        help='where the demo configs read the demo data (default: '
        'data/synthetic, relative to the current folder like the configs)')
    parser.add_argument(
        '--skip-existing', action='store_true',
        help='reuse a run whose folder records a successful finish with the '
        'same command line (e.g. after an interruption)')
    parser.add_argument(
        '--resume', action='store_true',
        help='as --skip-existing, and continue an unfinished run whose '
        'folder records the same command line from its last checkpoint '
        '(tools/train.py --resume) instead of training it from scratch')
    parser.add_argument(
        '--no-filter-options', dest='filter_options', action='store_false',
        help='pass every --cfg-options entry to every config, even one '
        'addressing a part the config does not have (see the doc)')
    parser.add_argument(
        '--jobs', type=int, default=1,
        help='runs trained at the same time (default: 1; each run uses '
        'all cores unless OMP_NUM_THREADS is set)')
    parser.add_argument(
        '--timeout', type=float,
        help='seconds after which a run is stopped and counted as failed')
    parser.add_argument(
        '--learned-factor', type=float, default=comparison.LEARNED_FACTOR,
        help='a finished run whose final top-1 is below this many times '
        'chance (1 / model.primary.cls_head.num_classes) did not learn: '
        'warned about, listed in results.md and the exit status is 1 '
        '(default: %(default)s)')
    parser.add_argument(
        '--allow-chance', action='store_true',
        help='exit with status 0 even if runs did not learn (they are still '
        'warned about and listed)')
    args = parser.parse_args(argv)
    for option in args.cfg_options:
        if '=' not in option:
            parser.error(f'--cfg-options expects KEY=VALUE, got {option!r}')
    if args.max_iters is not None and args.max_iters < 1:
        parser.error('--max-iters must be >= 1')
    if args.jobs < 1:
        parser.error('--jobs must be >= 1')
    if args.learned_factor < 0:
        parser.error('--learned-factor must be >= 0')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error('--seeds has duplicates')
    if args.resume:
        args.skip_existing = True
    if args.prepare_demo_data is None:
        args.prepare_demo_data = args.configs is None
    if args.configs is None:
        args.configs = [
            comparison.display_path(osp.join(REPO_ROOT, c))
            for c in DEFAULT_CONFIGS
        ]
    names = [comparison.config_name(c) for c in args.configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        parser.error(f'config names must differ (output folders): '
                     f'{duplicates}')
    return args


def main(argv=None):
    args = parse_args(argv)
    command_line = comparison.shell_join(
        [sys.executable, comparison.display_path(__file__)] +
        list(sys.argv[1:] if argv is None else argv))
    missing = [c for c in args.configs if not osp.isfile(c)]
    if missing:
        # reported per run (train.py fails on it) rather than stopping all
        print(f'warning: config file(s) not found: {missing}',
              file=sys.stderr)
    os.makedirs(args.work_dir, exist_ok=True)
    if args.prepare_demo_data:
        from cmpl_mm.demo import prepare_demo_data
        prepare_demo_data(args.demo_data_root)

    common = comparison.common_options(args.cfg_options, args.max_iters)
    options = comparison.options_per_config(args.configs, common,
                                            args.filter_options)
    for config, (_, dropped) in options.items():
        if dropped:
            print(f'left out for {config} (it has no such part): '
                  f'{" ".join(dropped)}')
    runs = [
        comparison.Run(c, s, options[c][0], args.work_dir, TRAIN_SCRIPT)
        for s in args.seeds for c in args.configs
    ]
    print(f'{len(runs)} runs: {len(args.configs)} configs x seeds '
          f'{args.seeds} -> {args.work_dir}')
    comparison.run_all(runs, args.skip_existing, args.resume, args.jobs,
                       args.timeout)

    summary = comparison.summarize(args.configs, runs)
    plots = comparison_plots(args.work_dir, runs, summary)
    md_path = osp.join(args.work_dir, 'results.md')
    gaps = pairwise_gaps(summary)
    with open(md_path, 'w', encoding='utf-8') as f:
        f.write(
            comparison_markdown(runs, summary, gaps, plots, command_line,
                                options, args.learned_factor))
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(
            comparison_json(command_line, args.configs, args.seeds, common,
                            options, summary, gaps, runs, plots,
                            args.learned_factor),
            f,
            indent=1)

    print()
    for entry in summary.values():
        print(f'{entry["algorithm"]:<11} {entry["name"]:<34} seeds '
              f'{entry["n"]}/{len(entry["seeds"])}  top-1 '
              f'{mean_pm_std(entry["acc/top1"])}  mean-class '
              f'{mean_pm_std(entry["acc/mean1"])}')
    for g in gaps:
        if g['gap'] is not None:
            print(f'{g["label"]:<24} top-1 gap {100 * g["gap"]:+.2f} over '
                  f'{len(g["seeds"])} seed(s)  separated: {g["verdict"]}')
    failed = [r for r in runs if not r.ok]
    for run in failed:
        print(f'FAILED: {run.name} seed {run.seed}: {run.status()} '
              f'(log {run.log_file})', file=sys.stderr)
    chance_runs = comparison.not_learned(runs, args.learned_factor)
    warn_not_learned(chance_runs, args.learned_factor)
    print(f'wrote {md_path}, results.json and {len(plots)} plot(s)')
    return 1 if failed or (chance_runs and not args.allow_chance) else 0


def warn_not_learned(runs, factor):
    """One stderr line per run that did not learn.

    Args:
        runs (list[Run]): :func:`cmpl_mm.analysis.comparison.not_learned`.
        factor (float): The ``--learned-factor`` they were judged with.
    """
    for run in runs:
        print(f'warning: {run.name} seed {run.seed} did not learn: final '
              f'top-1 {pct(run.final()["acc/top1"])}% < {factor:g} x chance '
              f'({pct(run.chance())}%, {run.num_classes()} classes); log '
              f'{run.log_file}', file=sys.stderr)


if __name__ == '__main__':
    sys.exit(main())
