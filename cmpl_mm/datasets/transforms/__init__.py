from .flow_frames import LoadFlowForFrames, RGBFlowFlip
from .multi_view import MultiView
from .temporal_augment import FrameDropRepeat, SpeedJitter, TemporalWarp
from .video_randaugment import VideoRandAugment

__all__ = [
    'MultiView', 'VideoRandAugment', 'TemporalWarp', 'SpeedJitter',
    'FrameDropRepeat', 'LoadFlowForFrames', 'RGBFlowFlip'
]
