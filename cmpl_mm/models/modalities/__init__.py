"""What a network sees of a clip: its modality, derived from the decoded
RGB clip on the model's device (no second decode)."""
from .temporal_gradient import MODALITIES, temporal_gradient, to_modality

__all__ = ['MODALITIES', 'temporal_gradient', 'to_modality']
