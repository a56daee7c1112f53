"""Where the running package lives, worked out once. In a checkout that is the repository root (beside trackers.ini
and workspace/); in an installed copy it is site-packages, which holds neither, and callers fall back accordingly."""
from __future__ import annotations

import os

from .errors import UsageError

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check_writable(path: str, option: str, folder: bool = False, create: bool = False) -> None:
    """ValueError (one line naming `option` and the path) unless an output can be written at `path`: a file in an
    existing folder, or (folder=True) a folder that exists or (create=True) can be created under its nearest
    existing parent. Checked by writing a probe file, so that a read-only disk or a folder of another user is
    refused before any work, not with a traceback after it."""
    import tempfile

    target = os.path.abspath(path) if folder else os.path.dirname(os.path.abspath(path))
    probe = target
    if create:
        while not os.path.exists(probe) and os.path.dirname(probe) != probe:
            probe = os.path.dirname(probe)
    if not os.path.exists(probe):
        raise UsageError(f"{option} {path}: folder {probe} does not exist")
    if not os.path.isdir(probe):
        raise UsageError(f"{option} {path}: {probe} is a file, not a folder")
    if not folder and os.path.isdir(os.path.abspath(path)):
        raise UsageError(f"{option} {path} is a folder; give a file name")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write in {probe} ({exc.strerror or exc})") from None
