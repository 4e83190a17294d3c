from .compat import apply_all as apply_compat
from .dist_utils import setup_cpu_distributed

__all__ = ['apply_compat', 'setup_cpu_distributed']
