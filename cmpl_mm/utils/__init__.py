from .compat import apply_all as apply_compat
from .dist_utils import finish_cpu_distributed_run, setup_cpu_distributed

__all__ = [
    'apply_compat', 'finish_cpu_distributed_run', 'setup_cpu_distributed'
]
