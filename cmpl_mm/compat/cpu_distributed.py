"""Distributed training on CPU with mmengine's ``pytorch`` launcher.

mmengine 0.10.7 calls ``torch.cuda.set_device`` in its ``pytorch`` launcher
and wraps the model in DDP with ``device_ids=[LOCAL_RANK]``; both fail without
CUDA. :func:`setup_cpu_distributed` initialises a gloo process group before
the Runner is built (the Runner then skips its own ``init_dist``) and asks for
DDP without ``device_ids``.
"""
import gc
import os

import torch
import torch.distributed as dist

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmengine=('0.10.0', '0.11.0'))


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
    warn_if_untested(
        'CPU distributed', TESTED_WITH,
        "that the Runner still skips init_dist when a process group exists "
        "and builds model_wrapper_cfg with device_ids=None "
        '(tests/test_distributed.py).')
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    # as mmengine's GPU default: no broadcast of every buffer (EMA copies,
    # pseudo-labeling state) from rank 0 at each forward
    wrapper.setdefault('broadcast_buffers', False)
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    return True


def finish_cpu_distributed_run() -> None:
    """End a finished CPU distributed run: sync, then tear the group down.

    Call it on every rank that finished without an error (the barrier would
    hang otherwise), after the Runner is released: the DDP wrapper holds
    the process group, and while it lives ``destroy_process_group`` leaves
    gloo's worker threads running. Those threads then freed their last
    work objects (tensors owned by Python) during interpreter shutdown,
    could not take the GIL and aborted the rank ("terminate called without
    an active exception", SIGABRT; 1 in 3 two-process runs here, seen in a
    core dump). With the Runner gone, collecting it here lets
    ``destroy_process_group`` join those threads while Python is alive.
    """
    gc.collect()  # the Runner sits in reference cycles (hooks, loops)
    dist.barrier()
    dist.destroy_process_group()


def _slurm_env_to_torch_env() -> None:
    """Translate SLURM's variables into the ``env://`` ones torch reads."""
    os.environ.setdefault('RANK', os.environ.get('SLURM_PROCID', '0'))
    os.environ.setdefault('WORLD_SIZE', os.environ.get('SLURM_NTASKS', '1'))
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ.get('SLURM_NODELIST', '127.0.0.1')
        os.environ['MASTER_ADDR'] = nodes.split(',')[0].split('[')[0]
