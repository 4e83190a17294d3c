"""Distributed training on CPU with mmengine's ``pytorch`` launcher.

mmengine 0.10.7 calls ``torch.cuda.set_device`` in its ``pytorch`` launcher
and wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; both fail without
CUDA. :func:`setup_cpu_distributed` initialises a gloo process group before
the Runner is built (the Runner then skips its own ``init_dist``) and asks for
DDP without ``device_ids``.
"""
import logging
import os
import sys

import torch
import torch.distributed as dist


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Prepare ``cfg`` and the process group for a CPU distributed run.

    Args:
        cfg (mmengine.Config): The training or test config (modified in place).
        launcher (str): The ``--launcher`` value.

    Returns:
        bool: True when a gloo process group was set up for CPU.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        _slurm_env_to_torch_env()
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    return True


def teardown_distributed(wait: bool = False) -> None:
    """Destroy the process group, if any, before the interpreter exits.

    Without this a gloo run can abort at exit ("terminate called without an
    active exception", SIGABRT) after training finished, which a launcher
    reports as a failed run (3 of 5 two-process CPU test runs here).

    Args:
        wait (bool): Wait for every rank first (only when all ranks got
            here without an error, or it would hang). Defaults to False.
    """
    if dist.is_available() and dist.is_initialized():
        if wait:
            dist.barrier()
        dist.destroy_process_group()


def exit_cpu_distributed_run() -> None:
    """End a finished CPU distributed run without C++ teardown at exit.

    Even after :func:`teardown_distributed`, a gloo rank still aborted at
    interpreter exit in about 1 of 8 two-process CPU runs here (SIGABRT
    from a joinable ``std::thread`` destroyed by static destructors), and
    the launcher then reports the finished run as failed. Call this last,
    after the run's files are written: it flushes logs and streams and
    leaves with status 0 through ``os._exit``. Does nothing unless the run
    was distributed on CPU.
    """
    if not os.environ.get('WORLD_SIZE') or torch.cuda.is_available():
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _slurm_env_to_torch_env() -> None:
    """Translate SLURM's variables into the ``env://`` ones torch reads."""
    os.environ.setdefault('RANK', os.environ.get('SLURM_PROCID', '0'))
    os.environ.setdefault('WORLD_SIZE', os.environ.get('SLURM_NTASKS', '1'))
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ.get('SLURM_NODELIST', '127.0.0.1')
        os.environ['MASTER_ADDR'] = nodes.split(',')[0].split('[')[0]
