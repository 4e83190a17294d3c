from .multi_view import MultiView
from .video_randaugment import VideoRandAugment

__all__ = ['MultiView', 'VideoRandAugment']
