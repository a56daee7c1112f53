"""Exception types of the plugin: each names the input it rejects."""


class SiamFCError(Exception):
    """Base class of every error the plugin raises on purpose."""


class InvalidBoxError(SiamFCError, ValueError):
    """A bounding box is not finite, has no area, or lies wholly outside the frame."""


class InvalidImageError(SiamFCError, ValueError):
    """A frame has a shape or dtype the tracker cannot use."""


class FrameReadError(SiamFCError, OSError):
    """A frame file is missing or cannot be decoded."""


class CheckpointError(SiamFCError):
    """A checkpoint file is missing, truncated, of another format or of another architecture."""


class ConfigError(SiamFCError, ValueError):
    """A configuration has unknown fields or out-of-range values."""


class TrackerStateError(SiamFCError, RuntimeError):
    """update() was called before init()."""


class AnnotationError(SiamFCError, ValueError):
    """A ground-truth (or label) line is neither a box nor an absence the layout documents: names file and line."""


class FramePairingError(SiamFCError, ValueError):
    """Frames and ground-truth lines do not pair under the layout's rule (counts, numbering): names both."""


class MissingFrameError(FramePairingError):
    """A ground-truth line has no frame file (frames are matched to lines by their number, never by position)."""


class UsageError(SiamFCError, ValueError):
    """An option or argument given on the command line cannot be used (the message names the option)."""


class InputError(SiamFCError, ValueError):
    """An input file or folder is malformed or does not fit the command (the message names the file and, where
    there is one, its line, frame or sequence)."""


class InputNotFoundError(SiamFCError, FileNotFoundError):
    """A file or folder the command needs does not exist (the message names it and what it should hold)."""


class OutputError(SiamFCError, OSError):
    """An output file or folder cannot be written (the message names it and the reason)."""


class ToolkitError(SiamFCError, RuntimeError):
    """A toolkit run (got10k, vot-toolkit, a child `siamfc` process) failed for a reason it reported; the message
    names the command and carries its reason or the end of its output."""
