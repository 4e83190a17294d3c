"""Size torch threads and dataloader workers to the cores this process has.

On a small machine the defaults oversubscribe it: torch starts one
intra-op thread per core, each dataloader starts its configured decoding
workers, and all of them compete for the same cores (measured on 2 cores
under load: 6.0 s per demo iteration with the defaults, 1.5 s with one
torch thread). ``tools/train.py``, ``tools/test.py`` and
``tools/run_demo.py`` call :func:`apply_resource_plan` before the Runner
is built:

* cores: ``len(os.sched_getaffinity(0))`` (what the scheduler lets this
  process use, e.g. under ``taskset`` or a container's CPU set), else
  ``os.cpu_count()``, shared equally by the ``LOCAL_WORLD_SIZE`` processes
  of a distributed launch on this machine;
* decoding workers per dataloader: the config's ``num_workers``, at most
  ``cores - 1`` (at least 1) so that one core stays for the model; a
  ``--num-workers`` flag, or a ``num_workers`` key in ``--cfg-options``,
  is taken as written; 0 stays 0;
* torch intra-op threads: ``cores - train workers`` (at least 1); the
  ``--threads`` flag, else ``OMP_NUM_THREADS`` in the environment, is taken
  as written.
"""
import os
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

LOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def available_cores() -> int:
    """Cores this process may run on.

    Returns:
        int: ``len(os.sched_getaffinity(0))`` where the platform has it,
        else ``os.cpu_count()`` (1 when unknown).
    """
    if hasattr(os, 'sched_getaffinity'):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass
class ResourcePlan:
    """Threads and workers chosen for one run.

    Args:
        cores (int): Cores available to the process.
        threads (int): Torch intra-op threads.
        threads_source (str): Where ``threads`` came from (``'--threads'``,
            ``'OMP_NUM_THREADS'`` or ``'cores'``).
        workers (dict[str, int]): ``num_workers`` per dataloader key.
        workers_source (str): ``'--num-workers'``, ``'cfg-options'`` or
            ``'config, capped at cores - 1'``.
    """

    cores: int
    threads: int
    threads_source: str
    workers: Dict[str, int]
    workers_source: str

    def describe(self) -> str:
        """One line for the console."""
        loaders = ', '.join(f'{k.split("_")[0]} {v}'
                            for k, v in self.workers.items())
        return (f'{self.cores} cores: {self.threads} torch thread(s) '
                f'[{self.threads_source}], decoding workers per loader '
                f'{loaders or "-"} [{self.workers_source}]')


def plan_resources(cores: int,
                   config_workers: Mapping[str, int],
                   env: Mapping[str, str],
                   threads: Optional[int] = None,
                   num_workers: Optional[int] = None,
                   workers_explicit: bool = False) -> ResourcePlan:
    """Choose torch threads and dataloader workers (pure; see module doc).

    Args:
        cores (int): Cores available (:func:`available_cores`).
        config_workers (Mapping[str, int]): ``num_workers`` of each
            dataloader in the config, by key (``'train_dataloader'``, ...).
        env (Mapping[str, str]): The environment (``OMP_NUM_THREADS``).
        threads (int, optional): ``--threads``; wins over everything.
        num_workers (int, optional): ``--num-workers``; used for every
            dataloader as written.
        workers_explicit (bool): The config's values were set on the
            command line (``--cfg-options``) and are kept as written.
            Defaults to False.

    Returns:
        ResourcePlan: The choice and where each figure came from.
    """
    cores = max(1, int(cores))
    if num_workers is not None:
        if num_workers < 0:
            raise ValueError(f'--num-workers must be >= 0, got {num_workers}')
        workers = {key: num_workers for key in config_workers}
        workers_source = '--num-workers'
    elif workers_explicit:
        workers = dict(config_workers)
        workers_source = 'cfg-options'
    else:
        cap = max(1, cores - 1)
        workers = {key: min(int(n), cap) for key, n in config_workers.items()}
        workers_source = 'config, capped at cores - 1'
    if threads is not None:
        if threads < 1:
            raise ValueError(f'--threads must be >= 1, got {threads}')
        threads_source = '--threads'
    elif env.get('OMP_NUM_THREADS', '').strip():
        try:
            threads = max(1, int(env['OMP_NUM_THREADS']))
        except ValueError:
            raise ValueError('OMP_NUM_THREADS must be a positive integer, '
                             f'got {env["OMP_NUM_THREADS"]!r}') from None
        threads_source = 'OMP_NUM_THREADS'
    else:
        threads = max(1, cores - workers.get('train_dataloader', 0))
        threads_source = 'cores - train workers'
    return ResourcePlan(cores, threads, threads_source, workers,
                        workers_source)


def _cfg_options_set_workers(cfg_options: Optional[Mapping]) -> bool:
    return any(
        str(key).split('.')[-1] == 'num_workers'
        for key in (cfg_options or {}))


def apply_resource_plan(cfg,
                        threads: Optional[int] = None,
                        num_workers: Optional[int] = None,
                        cfg_options: Optional[Mapping] = None,
                        env: Optional[Mapping[str, str]] = None,
                        cores: Optional[int] = None) -> ResourcePlan:
    """Plan threads and workers for ``cfg``, write the workers into its
    dataloaders and set torch's thread count.

    Args:
        cfg (mmengine.Config): The merged config (``--cfg-options`` applied).
        threads (int, optional): ``--threads``. Defaults to None.
        num_workers (int, optional): ``--num-workers``. Defaults to None.
        cfg_options (Mapping, optional): The ``--cfg-options`` given, to see
            whether ``num_workers`` was set on the command line.
        env (Mapping[str, str], optional): Defaults to ``os.environ``.
        cores (int, optional): Defaults to :func:`available_cores`.

    Returns:
        ResourcePlan: What was applied.
    """
    import torch
    config_workers = {
        key: cfg[key].get('num_workers', 0)
        for key in LOADER_KEYS if cfg.get(key, None)
    }
    env = os.environ if env is None else env
    if cores is None:
        try:
            local_procs = max(1, int(env.get('LOCAL_WORLD_SIZE', '1')))
        except ValueError:
            local_procs = 1
        cores = max(1, available_cores() // local_procs)
    plan = plan_resources(
        cores,
        config_workers,
        env,
        threads=threads,
        num_workers=num_workers,
        workers_explicit=_cfg_options_set_workers(cfg_options))
    for key, n in plan.workers.items():
        cfg[key].num_workers = n
        if n == 0 and cfg[key].get('persistent_workers', False):
            cfg[key].persistent_workers = False
    torch.set_num_threads(plan.threads)
    return plan
