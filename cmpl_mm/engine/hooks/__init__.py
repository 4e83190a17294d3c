from .bad_video_hook import BadVideoHook
from .console_progress_hook import ConsoleProgressHook
from .ema_teacher_hook import EMATeacherHook
from .pseudo_label_memory_hook import PseudoLabelMemoryHook
from .pseudo_label_stats_hook import PseudoLabelStatsHook
from .random_state_hook import RandomStateHook
from .sync_live_buffers_hook import SyncLiveBuffersHook

__all__ = [
    'PseudoLabelStatsHook', 'BadVideoHook', 'EMATeacherHook',
    'RandomStateHook', 'SyncLiveBuffersHook', 'PseudoLabelMemoryHook',
    'ConsoleProgressHook'
]
