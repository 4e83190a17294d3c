from .bad_video_hook import BadVideoHook
from .console_progress_hook import ConsoleProgressHook
from .pseudo_label_stats_hook import PseudoLabelStatsHook

__all__ = ['PseudoLabelStatsHook', 'BadVideoHook', 'ConsoleProgressHook']
