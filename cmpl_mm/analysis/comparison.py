"""Compare algorithm configs over seeds: one ``tools/train.py`` run per
(config, seed), the options every run gets, whether a run learned (its
final top-1 against chance, 1 / the classes of its deployed network), and
the per-algorithm summary.

The machinery of ``tools/analysis/compare_algorithms.py`` (see its doc for
the layout of a comparison's folder); the summary also serves
``tools/analysis/merge_comparisons.py``.
"""
import datetime
import functools
import json
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from .run_logs import load_run
from .stats import mean_std

#: passed before the user's options so that validation scalars carry their
#: iteration (MMEngine writes the epoch, 0, otherwise)
AUTO_OPTIONS = ['default_hooks.logger.log_metric_by_epoch=False']
METRICS = (('acc/top1', 'top-1'), ('acc/mean1', 'mean-class'))
LOG_TAIL_LINES = 40
#: where a run's config gives the class count of its deployed network
NUM_CLASSES_KEY = 'model.primary.cls_head.num_classes'
#: a run whose final top-1 is below this many times chance did not learn
LEARNED_FACTOR = 2.0


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


def common_options(cfg_options, max_iters: Optional[int] = None) -> list:
    """Options for every run, before per-config filtering:
    :data:`AUTO_OPTIONS`, ``cfg_options``, then ``max_iters`` as
    ``train_cfg.max_iters``."""
    options = list(AUTO_OPTIONS) + list(cfg_options)
    if max_iters is not None:
        options.append(f'train_cfg.max_iters={max_iters}')
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


def parse_options(options) -> dict:
    """``KEY=VALUE`` options as ``tools/train.py --cfg-options`` reads them
    (mmengine's ``DictAction``: ``4`` is an int, ``[1,2]`` a list)."""
    import argparse

    from mmengine.config import DictAction
    if not options:
        return {}
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options'] + list(options)).cfg_options


@functools.lru_cache(maxsize=None)
def num_classes(config: str, options: tuple = ()) -> Optional[int]:
    """The class count of a run's deployed (primary) network.

    Args:
        config (str): The run's config file.
        options (tuple[str]): Its ``--cfg-options``, applied to the config
            as ``tools/train.py`` does.

    Returns:
        int | None: :data:`NUM_CLASSES_KEY` of the config with the options;
        None when the config cannot be read or has no such positive int.
    """
    if load_config(config) is None:
        return None
    try:
        from mmengine.config import Config
        cfg = Config.fromfile(config, import_custom_modules=False)
        cfg.merge_from_dict(parse_options(options))
        node = cfg.to_dict()
    except Exception:  # noqa: BLE001  (its run will report the error)
        return None
    for part in NUM_CLASSES_KEY.split('.'):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, bool) or not isinstance(node, int) or node < 1:
        return None
    return node


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


def options_per_config(configs, options, filter_options: bool = True):
    """``{config: (options kept, options left out)}``.

    An option whose key path runs through a None value of a config (a part
    it switches off) is left out of that config's runs; so is one whose
    path runs through a missing key while it reaches into another config
    of ``configs`` (compared alone, such an option is kept, so that a
    misspelt key still fails). ``filter_options=False`` keeps every option.
    """
    cfgs = {c: load_config(c) for c in configs}
    result = {}
    for config in configs:
        cfg = cfgs[config]
        kept, dropped = [], []
        for option in options:
            key = option.split('=', 1)[0]
            status = 'ok' if cfg is None else key_status(cfg, key)
            elsewhere = any(
                key_status(other, key) == 'ok'
                for name, other in cfgs.items()
                if name != config and other is not None)
            if filter_options and (status == 'none' or
                                        (status == 'missing' and elsewhere)):
                dropped.append(option)
            else:
                kept.append(option)
        result[config] = (kept, dropped)
    return result


def train_command(config: str, seed: int, work_dir: str, options,
                  train_script: str):
    """The ``tools/train.py`` command of one run (``train_script``)."""
    return [
        sys.executable,
        display_path(train_script), config, '--work-dir', work_dir,
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
    """One (config, seed) training run.

    Args:
        config (str): The config file.
        seed (int): The run's seed.
        options (list[str]): Its ``--cfg-options``.
        root (str): The comparison's folder; the run's work dir is
            ``ROOT/<config name>/seed<S>``.
        train_script (str): ``tools/train.py``.
    """

    def __init__(self, config: str, seed: int, options, root: str,
                 train_script: str) -> None:
        self.config = config
        self.name = config_name(config)
        self.seed = seed
        self.work_dir = osp.join(root, self.name, f'seed{seed}')
        self.options = list(options)
        self.command = train_command(config, seed, self.work_dir, options,
                                     train_script)
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
            self.log = load_run(self.work_dir)
        if self.returncode == 0 and (self.log is None
                                     or self.log.final_val() is None):
            self.error = 'finished without a validation result'

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.error is None

    def final(self):
        return self.log.final_val() if self.ok else None

    def num_classes(self) -> Optional[int]:
        """The class count of the deployed network (:func:`num_classes` of
        the run's config and options); None when unknown."""
        return num_classes(self.config, tuple(self.options))

    def chance(self) -> Optional[float]:
        """Top-1 at chance, 1 / :meth:`num_classes`; None when unknown."""
        classes = self.num_classes()
        return None if classes is None else 1 / classes

    def learned(self, factor: float = LEARNED_FACTOR) -> Optional[bool]:
        """Whether the final top-1 reaches ``factor`` x chance; None for a
        failed run, a run without top-1 or an unknown chance level."""
        final = self.final()
        top1 = None if final is None else final.get('acc/top1')
        chance = self.chance()
        if top1 is None or chance is None:
            return None
        return top1 >= factor * chance

    def status(self) -> str:
        if self.ok:
            if self.skipped:
                return 'reused'
            return 'ok (resumed)' if self.resumed else 'ok'
        if self.returncode not in (0, None):
            return f'FAILED (exit status {self.returncode})'
        return f'FAILED ({self.error})'

    def to_json(self, learned_factor: float = LEARNED_FACTOR) -> dict:
        """The run's record in ``results.json`` (``learned`` judged with
        ``learned_factor``, see :meth:`learned`)."""
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
            final_val=final,
            num_classes=self.num_classes(),
            chance_top1=self.chance(),
            learned=self.learned(learned_factor))
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


def not_learned(runs, factor: float = LEARNED_FACTOR) -> list:
    """The finished runs whose final top-1 is below ``factor`` x chance
    (:meth:`Run.learned` is False), in order."""
    return [r for r in runs if r.learned(factor) is False]


# ---------------------------------------------------------------------- #


def run_all(runs, skip_existing: bool = False, resume_runs: bool = False,
            jobs: int = 1, timeout: Optional[float] = None) -> None:
    """Train the runs (a progress bar on the console), then read their logs.

    Args:
        runs (list[Run]): In training order.
        skip_existing (bool): Reuse a run whose folder records a finished
            run of the same command.
        resume_runs (bool): Continue an unfinished run of the same command
            from its last checkpoint.
        jobs (int): Runs trained at the same time.
        timeout (float, optional): Seconds after which a run is stopped.
    """
    from tqdm import tqdm

    todo, resume = [], set()
    for run in runs:
        if skip_existing and run.finished_before():
            run.reuse()
        else:
            todo.append(run)
            if resume_runs and run.resumable():
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
        run.train(timeout, resume=id(run) in resume)
        return run

    def report(run):
        if run.returncode != 0:
            bar.write(f'{run.name} seed {run.seed}: exit status '
                      f'{run.returncode}; log {run.log_file}')
        bar.set_postfix_str(f'{run.name} seed {run.seed}: '
                            f'{"ok" if run.returncode == 0 else "FAILED"}')
        bar.update(1)

    try:
        if jobs == 1:
            for run in todo:
                bar.set_postfix_str(f'{run.name} seed {run.seed}')
                report(train(run))
        else:
            with ThreadPoolExecutor(jobs) as pool:
                for run in pool.map(train, todo):
                    report(run)
    finally:
        bar.close()
    for run in runs:
        run.collect()


def summarize(configs, runs):
    """Per-algorithm statistics, in config order.

    Args:
        configs (list[str]): The compared configs.
        runs: Runs with ``config``, ``seed``, ``ok`` and ``final()`` (the
            last validation's metrics with ``iter``): :class:`Run` or
            :class:`cmpl_mm.analysis.recorded.RecordedRun`.

    Returns:
        OrderedDict: Per config: ``name``, ``algorithm``, ``seeds``,
        ``seeds_ok``, ``n``, ``final_iter`` and per metric of
        :data:`METRICS` ``mean``, ``std`` (n-1), ``n`` and ``per_seed``.
    """
    summary = OrderedDict()
    for config in configs:
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
            mean, std = mean_std(present)
            entry[key] = dict(
                mean=mean if present else None,
                std=std,
                n=len(present),
                per_seed={str(s): v
                          for s, v in values.items()})
        summary[config] = entry
    return summary
