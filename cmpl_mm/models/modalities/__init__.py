"""What a network sees of a clip: its modality, derived from the decoded
clip on the model's device (no second decode)."""
from .modality import (FLOW_CHANNELS, MODALITIES, MODALITY_CHANNELS,
                       RGB_CHANNELS, split_rgb_flow, to_modality)
from .temporal_gradient import temporal_gradient

__all__ = [
    'MODALITIES', 'MODALITY_CHANNELS', 'RGB_CHANNELS', 'FLOW_CHANNELS',
    'split_rgb_flow', 'temporal_gradient', 'to_modality'
]
