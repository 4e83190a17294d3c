"""Train several algorithm configs for several seeds and compare them.

Every (config, seed) is one ``tools/train.py`` process::

    python tools/train.py CONFIG --work-dir OUT/<config name>/seed<S> \\
        --seed S --cfg-options <the same options for every run>

so all algorithms share the data split, schedule and options given here.
Runs go seed by seed (all configs for seed 0, then seed 1, ...), so an
interrupted comparison has whole seeds. A run that fails (non-zero exit
status, or no validation result) is reported with its exit status and the
tail of its log; the others go on, and this tool exits with status 1 at the
end. Written to ``--work-dir``:

* ``results.md``: per algorithm, the last validation's top-1 and
  mean-class accuracy as mean +- sample std (n-1) over seeds, the per-seed
  values and the number of seeds; for every pair of configs the top-1 gap
  paired by seed and whether it exceeds both spreads (same sign on every
  seed, gap > std of either); failed runs; the exact command lines;
* ``results.json``: the same, plus every run's command, exit status,
  duration and validation curve;
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
import datetime
import functools
import json
import math
import os
import os.path as osp
import platform
import shlex
import shutil
import subprocess
import sys
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

import run_logs  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN_SCRIPT = osp.join(REPO_ROOT, 'tools', 'train.py')
DEFAULT_CONFIGS = [
    'configs/supervised_r3d18q_synthetic.py',
    'configs/fixmatch_r3d18q_synthetic.py',
    'configs/cmpl_r3d18q_synthetic.py',
]
AUTO_OPTIONS = ['default_hooks.logger.log_metric_by_epoch=False']
METRICS = (('acc/top1', 'top-1'), ('acc/mean1', 'mean-class'))
LOG_TAIL_LINES = 40


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
    args = parser.parse_args(argv)
    for option in args.cfg_options:
        if '=' not in option:
            parser.error(f'--cfg-options expects KEY=VALUE, got {option!r}')
    if args.max_iters is not None and args.max_iters < 1:
        parser.error('--max-iters must be >= 1')
    if args.jobs < 1:
        parser.error('--jobs must be >= 1')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error('--seeds has duplicates')
    if args.resume:
        args.skip_existing = True
    if args.prepare_demo_data is None:
        args.prepare_demo_data = args.configs is None
    if args.configs is None:
        args.configs = [
            display_path(osp.join(REPO_ROOT, c)) for c in DEFAULT_CONFIGS
        ]
    names = [config_name(c) for c in args.configs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        parser.error(f'config names must differ (output folders): '
                     f'{duplicates}')
    return args


# ---------------------------------------------------------------------- #
def config_name(config: str) -> str:
    return osp.splitext(osp.basename(config))[0]


def algorithm_label(config: str) -> str:
    """``CMPL`` / ``FixMatch`` / ... from the config's ``model.type``."""
    cfg = load_config(config)
    if cfg is None:
        return '?'  # broken config: its run says why
    model_type = (cfg.get('model') or {}).get('type', '?')
    suffix = 'Recognizer'  # FixMatchRecognizer -> FixMatch
    if model_type.endswith(suffix) and model_type != suffix:
        return model_type[:-len(suffix)]
    return model_type


def display_path(path: str) -> str:
    """``path`` relative to the current folder when inside it."""
    rel = osp.relpath(path)
    return path if rel.startswith('..') else rel


def common_options(args):
    """Options for every run, before per-config filtering."""
    options = list(AUTO_OPTIONS) + list(args.cfg_options)
    if args.max_iters is not None:
        options.append(f'train_cfg.max_iters={args.max_iters}')
    return options


@functools.lru_cache(maxsize=None)
def load_config(config: str):
    """The config as a plain dict (do not modify), or None when it cannot
    be read."""
    try:
        from mmengine.config import Config
        return Config.fromfile(config, import_custom_modules=False).to_dict()
    except Exception:  # noqa: BLE001  (its run will report the error)
        return None


def key_status(cfg: dict, key: str) -> str:
    """Whether ``key`` (``a.b.0.c``) reaches into ``cfg``.

    Returns:
        str: ``'ok'`` when every part but the last exists and is a dict or
        list, ``'none'`` when the path runs through a None value,
        ``'missing'`` when it runs through a missing key.
    """
    node = cfg
    for part in key.split('.')[:-1]:
        if isinstance(node, (list, tuple)) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else KeyError
        elif isinstance(node, dict):
            node = node.get(part, KeyError)
        else:
            return 'missing'
        if node is KeyError:
            return 'missing'
        if node is None:
            return 'none'
    return 'ok' if isinstance(node, (dict, list, tuple)) else 'missing'


def options_per_config(args):
    """``{config: (options kept, options left out)}`` (see the doc)."""
    options = common_options(args)
    cfgs = {c: load_config(c) for c in args.configs}
    result = {}
    for config in args.configs:
        cfg = cfgs[config]
        kept, dropped = [], []
        for option in options:
            key = option.split('=', 1)[0]
            status = 'ok' if cfg is None else key_status(cfg, key)
            elsewhere = any(
                key_status(other, key) == 'ok'
                for name, other in cfgs.items()
                if name != config and other is not None)
            if args.filter_options and (status == 'none' or
                                        (status == 'missing' and elsewhere)):
                dropped.append(option)
            else:
                kept.append(option)
        result[config] = (kept, dropped)
    return result


def train_command(config: str, seed: int, work_dir: str, options):
    return [
        sys.executable,
        display_path(TRAIN_SCRIPT), config, '--work-dir', work_dir,
        '--seed',
        str(seed), '--cfg-options'
    ] + list(options)


def shell_join(command) -> str:
    shown = ['python' if i == 0 else part for i, part in enumerate(command)]
    return ' '.join(shlex.quote(p) for p in shown)


def tail(path: str, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''


class Run:
    """One (config, seed) training run."""

    def __init__(self, args, config: str, seed: int, options) -> None:
        self.config = config
        self.name = config_name(config)
        self.seed = seed
        self.work_dir = osp.join(args.work_dir, self.name, f'seed{seed}')
        self.options = list(options)
        self.command = train_command(config, seed, self.work_dir, options)
        self.log_file = osp.join(self.work_dir, 'train.log')
        self.info_file = osp.join(self.work_dir, 'run_info.json')
        self.returncode = None
        self.duration = None
        self.skipped = False
        self.resumed = False
        self.error = None
        self.log = None

    def identity(self) -> dict:
        """What makes two runs the same, independent of the current
        folder and the Python executable."""
        return dict(
            config=osp.abspath(self.config),
            seed=self.seed,
            work_dir=osp.abspath(self.work_dir),
            cfg_options=self.options)

    def recorded(self) -> Optional[dict]:
        """The folder's ``run_info.json`` if it records this command."""
        try:
            with open(self.info_file) as f:
                info = json.load(f)
        except (OSError, ValueError):
            return None
        return info if info.get('identity') == self.identity() else None

    def finished_before(self) -> bool:
        """A finished run with the same command line is in the folder."""
        info = self.recorded()
        return info is not None and info.get('returncode') == 0

    def resumable(self) -> bool:
        """An unfinished run of this command left a checkpoint."""
        info = self.recorded()
        return (info is not None and info.get('returncode') != 0
                and osp.isfile(osp.join(self.work_dir, 'last_checkpoint')))

    def reuse(self) -> None:
        with open(self.info_file) as f:
            info = json.load(f)
        self.returncode = 0
        self.duration = info.get('duration_s')
        self.skipped = True

    def train(self, timeout=None, resume: bool = False) -> None:
        """Train (or, with ``resume``, continue) the run; its start and
        its end are recorded in ``run_info.json``."""
        self.resumed = resume
        command = self.command + ['--resume'] if resume else self.command
        if not resume:
            if osp.isdir(self.work_dir):
                shutil.rmtree(self.work_dir)
            os.makedirs(self.work_dir)
        self.write_info(command, returncode=None, duration=None)
        start = time.time()
        with open(self.log_file, 'a' if resume else 'w') as log:
            log.write(f'$ {shell_join(command)}\n')
            log.flush()
            try:
                proc = subprocess.run(
                    command, stdout=log, stderr=subprocess.STDOUT,
                    timeout=timeout)
                self.returncode = proc.returncode
            except subprocess.TimeoutExpired:
                self.returncode = -9
                self.error = f'stopped after the --timeout of {timeout} s'
                log.write(f'\n[compare_algorithms] {self.error}\n')
        self.duration = time.time() - start
        self.write_info(command, self.returncode, self.duration)

    def write_info(self, command, returncode, duration) -> None:
        """Record the run in its folder (``returncode`` None: started)."""
        with open(self.info_file, 'w') as f:
            json.dump(
                dict(
                    config=self.config,
                    seed=self.seed,
                    command=command,
                    identity=self.identity(),
                    returncode=returncode,
                    duration_s=duration,
                    resumed=self.resumed,
                    updated=datetime.datetime.now().isoformat(
                        timespec='seconds')),
                f,
                indent=2)

    def collect(self) -> None:
        """Read the run's logs; a run without validation result fails."""
        if osp.isdir(self.work_dir):
            self.log = run_logs.load_run(self.work_dir)
        if self.returncode == 0 and (self.log is None
                                     or self.log.final_val() is None):
            self.error = 'finished without a validation result'

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.error is None

    def final(self):
        return self.log.final_val() if self.ok else None

    def status(self) -> str:
        if self.ok:
            if self.skipped:
                return 'reused'
            return 'ok (resumed)' if self.resumed else 'ok'
        if self.returncode not in (0, None):
            return f'FAILED (exit status {self.returncode})'
        return f'FAILED ({self.error})'

    def to_json(self) -> dict:
        final = self.final()
        record = dict(
            config=self.config,
            name=self.name,
            seed=self.seed,
            work_dir=self.work_dir,
            command=self.command,
            command_line=shell_join(self.command),
            returncode=self.returncode,
            ok=self.ok,
            error=self.error,
            reused=self.skipped,
            resumed=self.resumed,
            duration_s=self.duration,
            final_val=final)
        if self.log is not None:
            record['val_iter_source'] = self.log.val_iter_source
            record['val'] = self.log.val
            record['pseudo'] = [{
                k: v
                for k, v in r.items() if k == 'iter' or k == 'agreement_rate'
                or isinstance(v, dict)
            } for r in self.log.pseudo]
        if not self.ok:
            record['log_tail'] = tail(self.log_file)
        return record


# ---------------------------------------------------------------------- #
def run_all(args, runs):
    from tqdm import tqdm

    todo, resume = [], set()
    for run in runs:
        if args.skip_existing and run.finished_before():
            run.reuse()
        else:
            todo.append(run)
            if args.resume and run.resumable():
                resume.add(id(run))
    bar = tqdm(total=len(runs), desc='runs', unit='run', dynamic_ncols=True)
    bar.update(len(runs) - len(todo))
    if len(todo) < len(runs):
        bar.write(f'reusing {len(runs) - len(todo)} finished run(s) '
                  '(--skip-existing)')
    if resume:
        bar.write(f'resuming {len(resume)} unfinished run(s) from their '
                  'last checkpoint (--resume)')

    def train(run):
        run.train(args.timeout, resume=id(run) in resume)
        return run

    def report(run):
        if run.returncode != 0:
            bar.write(f'{run.name} seed {run.seed}: exit status '
                      f'{run.returncode}; log {run.log_file}')
        bar.set_postfix_str(f'{run.name} seed {run.seed}: '
                            f'{"ok" if run.returncode == 0 else "FAILED"}')
        bar.update(1)

    try:
        if args.jobs == 1:
            for run in todo:
                bar.set_postfix_str(f'{run.name} seed {run.seed}')
                report(train(run))
        else:
            with ThreadPoolExecutor(args.jobs) as pool:
                for run in pool.map(train, todo):
                    report(run)
    finally:
        bar.close()
    for run in runs:
        run.collect()


def summarize(args, runs):
    """Per-algorithm statistics, in config order."""
    summary = OrderedDict()
    for config in args.configs:
        mine = [r for r in runs if r.config == config]
        ok = [r for r in mine if r.ok]
        entry = dict(
            config=config,
            name=config_name(config),
            algorithm=algorithm_label(config),
            seeds=[r.seed for r in mine],
            seeds_ok=[r.seed for r in ok],
            n=len(ok),
            final_iter=sorted({r.final()['iter']
                               for r in ok}))
        for key, _ in METRICS:
            values = {r.seed: r.final().get(key) for r in ok}
            present = [v for v in values.values() if v is not None]
            mean, std = run_logs.mean_std(present)
            entry[key] = dict(
                mean=mean if present else None,
                std=std,
                n=len(present),
                per_seed={str(s): v
                          for s, v in values.items()})
        summary[config] = entry
    return summary


def pairwise_gaps(summary, key='acc/top1'):
    """Every later config minus every earlier one, paired by seed.

    The issue-level question "is algorithm B above algorithm A by more than
    the spread over seeds?" answered per pair: the mean of the per-seed
    differences B - A over the seeds both finished, their sample std, the
    larger of the two algorithms' own spreads, and whether the pair is
    separated: at least 2 common seeds, the same sign on every seed, and
    the gap larger than both spreads. ``seeds_needed`` estimates how many
    paired seeds would put the gap two standard errors from zero,
    ``ceil((2 * std / gap) ** 2)``: a planning figure, as rough as the std
    of a few seeds is.

    Args:
        summary (dict): From :func:`summarize`, in config order.
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
            a, b = earlier[key]['per_seed'], later[key]['per_seed']
            seeds = sorted((s for s in b if s in a
                            and None not in (a[s], b[s])), key=int)
            diffs = {s: b[s] - a[s] for s in seeds}
            gap, std = run_logs.mean_std(list(diffs.values()))
            spreads = [e[key]['std'] for e in (earlier, later)]
            spread = None if None in spreads else max(spreads)
            if len(seeds) < 2 or spread is None:
                verdict = 'n/a (fewer than 2 seeds)'
            elif len({d > 0 for d in diffs.values()}) > 1 or gap == 0:
                verdict = 'no (the sign changes between seeds)'
            elif abs(gap) <= spread:
                verdict = 'no (gap within the spread)'
            else:
                verdict = 'yes'
            needed = None
            if std is not None and gap:
                needed = max(2, math.ceil((2 * std / gap)**2))
            gaps.append(
                dict(
                    later=later['name'],
                    earlier=earlier['name'],
                    label=f'{label(later)} − {label(earlier)}',
                    metric=key,
                    seeds=[int(s) for s in seeds],
                    per_seed=diffs,
                    gap=gap if seeds else None,
                    std=std,
                    spread=spread,
                    separated=verdict == 'yes',
                    seeds_needed=needed,
                    verdict=verdict))
    return gaps


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


def plot_markdown(plots) -> list:
    """A ``## Plots`` section linking the PNGs (beside the report)."""
    if not plots:
        return []
    return ['## Plots', ''] + [
        f'![{name}]({osp.basename(path)})' for name, path in plots.items()
    ] + ['']


def write_markdown(path, args, runs, summary, gaps, plots, command_line,
                   options):
    lines = ['# Algorithm comparison', '']
    lines += [
        f'Created {datetime.datetime.now().isoformat(timespec="seconds")} '
        f'on {platform.node() or "?"} (Python {platform.python_version()}'
        f'{torch_version()}).', '',
        'Accuracies (%) are those of the **last validation** of each run '
        '(the primary network), as mean ± sample standard deviation (n-1) '
        'over the seeds that finished.', ''
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
                f's{s}: {pct(v)}'
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
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))


def torch_version() -> str:
    try:
        import torch
        return f', torch {torch.__version__}'
    except ImportError:
        return ''


def make_plots(args, runs, summary):
    groups = OrderedDict()
    for config, entry in summary.items():
        ok = [r.log for r in runs if r.config == config and r.ok]
        if ok:
            groups[f'{entry["algorithm"]} ({entry["name"]})'] = ok
    plots = OrderedDict()
    if not groups:
        return plots
    plots['val_top1'] = run_logs.plot_val_curves(
        groups, osp.join(args.work_dir, 'val_top1.png'),
        keys=('acc/top1', ),
        title='validation top-1: mean over seeds, shaded min-max')
    pseudo = run_logs.plot_pseudo_curves(
        groups, osp.join(args.work_dir, 'pseudo_labels.png'),
        keys=run_logs.PSEUDO_PLOT_KEYS,
        title='pseudo-labels per network: mean over seeds, shaded min-max')
    if pseudo:
        plots['pseudo_labels'] = pseudo
    return plots


def main(argv=None):
    args = parse_args(argv)
    command_line = shell_join([sys.executable, display_path(__file__)] +
                              list(sys.argv[1:] if argv is None else argv))
    missing = [c for c in args.configs if not osp.isfile(c)]
    if missing:
        # reported per run (train.py fails on it) rather than stopping all
        print(f'warning: config file(s) not found: {missing}',
              file=sys.stderr)
    os.makedirs(args.work_dir, exist_ok=True)
    if args.prepare_demo_data:
        sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
        from run_demo import prepare_demo_data
        prepare_demo_data(args.demo_data_root)

    options = options_per_config(args)
    for config, (_, dropped) in options.items():
        if dropped:
            print(f'left out for {config} (it has no such part): '
                  f'{" ".join(dropped)}')
    runs = [
        Run(args, c, s, options[c][0]) for s in args.seeds
        for c in args.configs
    ]
    print(f'{len(runs)} runs: {len(args.configs)} configs x seeds '
          f'{args.seeds} -> {args.work_dir}')
    run_all(args, runs)

    summary = summarize(args, runs)
    plots = make_plots(args, runs, summary)
    md_path = osp.join(args.work_dir, 'results.md')
    gaps = pairwise_gaps(summary)
    write_markdown(md_path, args, runs, summary, gaps, plots, command_line,
                   options)
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(
            dict(
                command_line=command_line,
                cwd=os.getcwd(),
                created=datetime.datetime.now().isoformat(timespec='seconds'),
                configs=args.configs,
                seeds=args.seeds,
                cfg_options=common_options(args),
                cfg_options_left_out={
                    c: dropped
                    for c, (_, dropped) in options.items() if dropped
                },
                algorithms=list(summary.values()),
                gaps=gaps,
                runs=[r.to_json() for r in runs],
                plots={k: osp.basename(v)
                       for k, v in plots.items()}),
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
    print(f'wrote {md_path}, results.json and {len(plots)} plot(s)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
