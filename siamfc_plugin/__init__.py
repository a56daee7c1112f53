"""siamfc-plugin: a trainable SiamFC tracker for the VOT toolkit and got10k."""
from .core.config import PRESETS, TrackerConfig, preset
from .common.errors import (CheckpointError, ConfigError, FrameReadError, InvalidBoxError, InvalidImageError,
                     SiamFCError, TrackerStateError)
from .common import __version__

__all__ = ["PRESETS", "TrackerConfig", "preset", "CheckpointError", "ConfigError", "FrameReadError",
           "InvalidBoxError", "InvalidImageError", "SiamFCError", "TrackerStateError", "__version__"]
