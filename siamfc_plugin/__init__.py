"""siamfc-plugin: a trainable SiamFC tracker for the VOT toolkit and got10k.

The names below load on first use: importing a sub-package (analysis/ imports siamfc_plugin.formats, the ground
floor) loads nothing of the tracker."""
from .common import __version__

_EXPORTS = {"PRESETS": "core.config", "TrackerConfig": "core.config", "preset": "core.config",
            "CheckpointError": "common.errors", "ConfigError": "common.errors", "FrameReadError": "common.errors",
            "InvalidBoxError": "common.errors", "InvalidImageError": "common.errors",
            "SiamFCError": "common.errors", "TrackerStateError": "common.errors"}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'siamfc_plugin' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
