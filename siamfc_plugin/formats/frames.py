"""Frame files by number, and the one rule that pairs them with ground-truth lines.

Line k (1-based) belongs to the frame numbered start + k - 1, never to the k-th file of a listing: a deleted frame
cannot shift the boxes after it. `start` comes from the layout (VOT: 1, as vot-toolkit's channels; an OTB-2013/
OTB-100 name: its official range, formats/otb.py; UAV123: uav123.json) or, for the others, from the folder: 0 when
a frame 0 exists, else 1 when a frame 1 exists, else the lowest number, but only when the frames are exactly one per
line with no gap (a folder numbered from 0247 like OTB-100's BlurCar1): otherwise nobody can tell which frame line 1
is, and the folder is refused.

Every frame file must have a line (except the unannotated frames an official folder holds: David's 0001-0299) and
every line a frame file; a line without its frame is a MissingFrameError naming the frame and the file, or, with
missing='drop', that line is dropped and every other frame keeps its own box.
"""
from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import FramePairingError, InputError, MissingFrameError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")
MISSING_FRAMES = ("error", "drop")
_DIGITS = re.compile(r"(\d+)(?!.*\d)")


def list_images(folder: str) -> list[str]:
    """The image files of a folder, sorted by name."""
    return sorted(p for p in glob.glob(os.path.join(glob.escape(folder), "*")) if p.lower().endswith(IMAGE_EXTENSIONS))


def frame_number(path: str) -> int | None:
    """The last run of digits in a frame file's name (0001.jpg -> 1, img000012.jpg -> 12), or None."""
    match = _DIGITS.search(os.path.splitext(os.path.basename(path))[0])
    return int(match.group(1)) if match else None


def numbered_frames(files: list[str], where: str) -> dict[int, str]:
    """{frame number: file}. A file without a number, or two files with one number, is a FramePairingError."""
    out: dict[int, str] = {}
    for path in files:
        number = frame_number(path)
        if number is None:
            raise FramePairingError(f"{where}: frame file {path} has no number in its name (frames are paired with "
                                    "ground-truth lines by their number)")
        if number in out:
            raise FramePairingError(f"{where}: frame files {out[number]} and {path} both carry number {number}")
        out[number] = path
    return out


def folder_frames(folder: str, where: str) -> dict[int, str]:
    """{frame number: file} of the images in a folder."""
    return numbered_frames(list_images(folder), where)


def pattern_frames(folder: str, pattern: str, where: str) -> dict[int, str]:
    """{frame number: file} of the files a vot-toolkit channel pattern (color/%08d.jpg) names in a sequence folder:
    files in the pattern's folder with its extension whose names are the pattern with a number."""
    directory, name = os.path.split(pattern)
    match = re.fullmatch(r"(.*)%(0?)(\d*)d(.*)", name)
    if not match:
        raise FramePairingError(f"{where}: channel pattern {pattern!r} has no %d")
    prefix, _, _, suffix = match.groups()
    regex = re.compile(re.escape(prefix) + r"(\d+)" + re.escape(suffix) + "$")
    base = os.path.join(folder, directory)
    out = {}
    for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        found = regex.match(entry)
        if found and int(found.group(1)) not in out:
            out[int(found.group(1))] = os.path.join(base, entry)
    return out


@dataclass
class Pairing:
    """Frames paired with ground-truth lines: frames[i] is the file of line lines[i] (0-based), numbers[i] its
    number; dropped: frame numbers whose line was left out (no frame file, missing='drop'); ignored: frame files
    outside the annotated range that the official folder holds (David's 0001-0299)."""

    frames: list[str]
    lines: np.ndarray
    numbers: list[int]
    start: int
    dropped: list[int] = field(default_factory=list)
    ignored: list[int] = field(default_factory=list)


def _shown(numbers: list[int], limit: int = 5) -> str:
    text = ", ".join(str(n) for n in numbers[:limit])
    return text + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _file_of(frames: dict[int, str], number: int) -> str:
    """The file a frame of this number would have, named like the folder's other frames."""
    model = next(iter(frames.values()))
    stem, ext = os.path.splitext(os.path.basename(model))
    match = _DIGITS.search(stem)
    width = len(match.group(1))
    name = stem[:match.start(1)] + f"{number:0{width}d}" + stem[match.end(1):] + ext
    return os.path.join(os.path.dirname(model), name)


def inferred_start(where: str, frames: dict[int, str], lines: int) -> int:
    """The folder's own start (module docstring): 0, 1, or the lowest number of a complete start-numbered folder."""
    lowest = min(frames)
    if lowest in (0, 1):
        return lowest
    if len(frames) == lines and max(frames) - lowest + 1 == lines:
        return lowest
    raise FramePairingError(
        f"{where}: the frames are numbered from {lowest} ({len(frames)} frame files) and the ground truth has "
        f"{lines} lines: line 1 belongs to the lowest-numbered frame only when there is one frame per line and no "
        "gap, so it cannot be told which frame each line belongs to (a frame missing? frames renumbered?)")


def pair_frames(where: str, frames: dict[int, str], lines: int, start: int | None = None, missing: str = "error",
                outside: tuple[tuple[int, int], ...] = (), rule: str = "") -> Pairing:
    """Pair `lines` ground-truth lines with numbered frame files (module docstring).

    start: the number of line 1's frame, or None to infer it from the folder. outside: (first, last) ranges of
    frame numbers the folder may hold without a line (an official folder's unannotated frames). rule: the pairing
    rule in words, for messages. A frame file without a line, outside those ranges, is a FramePairingError naming
    both counts."""
    if missing not in MISSING_FRAMES:
        raise InputError(f"missing frames: {missing!r} is not one of {MISSING_FRAMES}")
    if not frames:
        raise FramePairingError(f"{where}: no frame files{' (' + rule + ')' if rule else ''}")
    if start is None:
        start = inferred_start(where, frames, lines)
    annotated = range(start, start + lines)
    expected = set(annotated)
    ignored = sorted(n for n in frames if n not in expected and any(a <= n <= b for a, b in outside))
    extra = sorted(set(frames) - expected - set(ignored))
    rule_text = f" ({rule})" if rule else f" (line 1 is frame {start}, line k frame {start} + k - 1)"
    if extra:
        raise FramePairingError(
            f"{where}: {len(frames)} frame files for {lines} ground-truth lines: frame{'s' if len(extra) > 1 else ''} "
            f"{_shown(extra)} ({frames[extra[0]]}) ha{'ve' if len(extra) > 1 else 's'} no ground-truth line"
            f"{rule_text}")
    absent = [n for n in annotated if n not in frames]
    if absent and missing == "error":
        raise MissingFrameError(
            f"{where}: frame {_shown(absent)} missing ({_file_of(frames, absent[0])} does not exist) but the ground "
            f"truth has a line for it{rule_text}; frames are matched to ground-truth lines by number: restore the "
            "frame (`siamfc vot prepare --missing-frames drop` can leave such frames out)")
    kept = [k for k in range(lines) if start + k in frames]
    if not kept:
        raise MissingFrameError(f"{where}: none of the {lines} ground-truth lines has its frame{rule_text}")
    return Pairing([frames[start + k] for k in kept], np.asarray(kept, dtype=int), [start + k for k in kept],
                   start, absent, ignored)
