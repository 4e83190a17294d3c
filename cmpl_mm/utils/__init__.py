from .compat import apply_all as apply_compat
from .dist_utils import (exit_cpu_distributed_run, setup_cpu_distributed,
                         teardown_distributed)

__all__ = [
    'apply_compat', 'exit_cpu_distributed_run', 'setup_cpu_distributed',
    'teardown_distributed'
]
