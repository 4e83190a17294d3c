from .bad_video_hook import BadVideoHook
from .pseudo_label_stats_hook import PseudoLabelStatsHook

__all__ = ['PseudoLabelStatsHook', 'BadVideoHook']
