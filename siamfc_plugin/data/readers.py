"""Readers for single-target sequence folders in the layouts of the public benchmarks.

A Sequence is a list of frame paths and one x,y,w,h box per frame (NaN rows where the target is absent or the
annotation line is broken). Used by the training sources, the got10k experiment runner and the VOT workspace filler.
"""
from __future__ import annotations

import glob
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import InputError, SiamFCError, UsageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass
class Sequence:
    name: str
    frames: list[str]
    boxes: np.ndarray  # (N, 4) x, y, w, h; NaN where unknown
    visible: np.ndarray = field(default=None)  # (N,) bool
    attributes: dict[str, np.ndarray] = field(default_factory=dict)  # per-frame VOT tags etc.
    skipped_lines: int = 0  # annotation lines that could not be parsed
    object_class: str = ""  # what the target is (GOT-10k meta_info.ini, COCO category), where known
    group: str = ""  # the video or image the target comes from: a negative pair must come from another one
    dropped_frames: list = field(default_factory=list)  # frame numbers left out (no frame file; missing='drop')
    layout: str = ""  # the layout the folder was read as (otb, vot, vot-legacy, got10k)

    def __post_init__(self) -> None:
        if self.visible is None:
            self.visible = valid_boxes(self.boxes)
        if len(self.frames) != len(self.boxes):
            n = min(len(self.frames), len(self.boxes))
            warnings.warn(f"{self.name}: {len(self.frames)} frames but {len(self.boxes)} boxes; using {n}")
            self.frames, self.boxes, self.visible = self.frames[:n], self.boxes[:n], self.visible[:n]

    def __len__(self) -> int:
        return len(self.frames)


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    return np.all(np.isfinite(boxes), axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def polygon_to_box(values, mode: str = "aabb") -> np.ndarray:
    """x,y,w,h from a rectangle (4 values) or polygon (2n values).

    mode 'aabb': the axis-aligned bounding box. mode 'area': same centre and aspect as the bounding box, scaled to
    the polygon's area (the SiamFC reference code's fit for rotated VOT boxes: less background in the exemplar).
    mode 'matconvnet': bertinetto/siamese-fc's get_axis_aligned_BB.m to the digit: centre the mean of the vertices,
    area |p1 - p2| |p2 - p3| (a rectangle's sides), and w = s (x2 - x1) + 1, h = s (y2 - y1) + 1.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 4:
        return v.copy()
    if v.size < 6 or v.size % 2:
        raise InputError(f"a region needs 4 rectangle values or an even number >= 6 of polygon values, got {v.size}")
    xs, ys = v[0::2], v[1::2]
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    w, h = x1 - x0, y1 - y0
    if mode == "aabb" or w <= 0 or h <= 0:
        return np.array([x0, y0, w, h])
    if mode == "matconvnet" and v.size == 8:
        cx, cy = xs.mean(), ys.mean()
        sides = np.hypot(v[0] - v[2], v[1] - v[3]) * np.hypot(v[2] - v[4], v[3] - v[5])
        s = np.sqrt(sides / (w * h))
        bw, bh = s * w + 1, s * h + 1
        return np.array([cx - bw / 2, cy - bh / 2, bw, bh])
    area = 0.5 * abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1)))
    s = np.sqrt(max(area, 1e-12) / (w * h))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([cx - s * w / 2, cy - s * h / 2, s * w, s * h])


def read_boxes(path: str, polygon_mode: str = "aabb") -> tuple[np.ndarray, int]:
    """(boxes (N, 4), number of broken lines) from a text file of rectangles or polygons, any of , \\t or space.

    A broken line (wrong count, not numbers) becomes a NaN row so that frame numbering stays right.
    """
    rows, broken = [], 0
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                values = [float(t) for t in re.split(r"[,\s]+", line) if t]
                rows.append(polygon_to_box(values, polygon_mode))
            except ValueError:
                rows.append(np.full(4, np.nan))
                broken += 1
    return (np.array(rows, dtype=np.float64).reshape(-1, 4), broken)


def list_images(folder: str) -> list[str]:
    return sorted(p for p in glob.glob(os.path.join(folder, "*")) if p.lower().endswith(IMAGE_EXTENSIONS))


class MissingFrameError(SiamFCError, ValueError):
    """A ground-truth line has no frame file (frames are matched to lines by their number, never by position)."""


MISSING_FRAMES = ("error", "drop")
_NUMBER = re.compile(r"(\d+)$")


def frame_numbers(frames: list[str]) -> list[int] | None:
    """The number in each frame file's name (0001.jpg -> 1), or None when a name has no number."""
    numbers = []
    for path in frames:
        match = _NUMBER.search(os.path.splitext(os.path.basename(path))[0])
        if match is None:
            return None
        numbers.append(int(match.group(1)))
    return numbers


def match_frames(name: str, frames: list[str], lines: int, missing: str = "error"
                 ) -> tuple[list[str], np.ndarray]:
    """(frame file per kept line, indices of the kept lines): ground-truth line k (0-based) belongs to the frame
    numbered first + k, first being 1 (0 when a frame 0 exists). Frames are never paired by position, so a deleted
    frame cannot shift the ground truth. A line without its frame is a MissingFrameError naming the sequence and
    the frame, or, with missing='drop', that line is dropped (the frame is not scored). Frames beyond the last
    line are ignored (OTB folders hold some). Names without a number are paired in order, as listed."""
    if missing not in MISSING_FRAMES:
        raise UsageError(f"missing frames: {missing!r} is not one of {MISSING_FRAMES}")
    numbers = frame_numbers(frames)
    if numbers is None or not frames:
        n = min(len(frames), lines)
        if len(frames) < lines and frames and missing == "error":
            raise MissingFrameError(f"{name}: {lines} ground-truth lines but {len(frames)} frames; frames from "
                                    f"{len(frames) + 1} on are missing")
        return list(frames[:n]), np.arange(n)
    by_number = dict(zip(numbers, frames))
    first = 0 if 0 in by_number else 1
    kept = [k for k in range(lines) if first + k in by_number]
    absent = [first + k for k in range(lines) if first + k not in by_number]
    if absent and missing == "error":
        folder = os.path.dirname(frames[0])
        width = len(os.path.splitext(os.path.basename(frames[0]))[0])
        ext = os.path.splitext(frames[0])[1]
        shown = ", ".join(str(f) for f in absent[:5]) + (f" and {len(absent) - 5} more" if len(absent) > 5 else "")
        raise MissingFrameError(
            f"{name}: frame {shown} missing ({os.path.join(folder, f'{absent[0]:0{width}d}{ext}')} does not exist) "
            f"but the ground truth has a line for it; frames are matched to ground-truth lines by number: restore "
            f"the frame, or drop such frames from scoring with --missing-frames drop")
    return [by_number[first + k] for k in kept], np.asarray(kept, dtype=int)


# OTB-layout ground truth comes from MATLAB: the top-left pixel is (1, 1). Everything inside the plugin (trackers,
# results files, the other layouts) uses 0-based pixel coordinates, so OTB boxes are shifted on reading. IoU-based
# scores do not change; the tracker's first crop does (one pixel), and so, on hard sequences, does the whole run.
OTB_ORIGIN = 1.0


def otb_groundtruth_text(boxes) -> str:
    """0-based boxes as the lines of an OTB groundtruth_rect.txt (1-based), the inverse of read_otb_sequence."""
    shifted = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) + [OTB_ORIGIN, OTB_ORIGIN, 0.0, 0.0]
    return "\n".join(",".join(f"{v:.2f}" for v in box) for box in shifted) + "\n"


def _dropped(frames: list[str], kept: np.ndarray, lines: int) -> list[int]:
    """Frame numbers of the lines match_frames left out."""
    if len(kept) == lines:
        return []
    numbers = frame_numbers(frames) or []
    first = 0 if 0 in numbers else 1
    return sorted(set(range(first, first + lines)) - {first + int(k) for k in kept})


def read_otb_sequence(folder: str, name: str | None = None, missing_frames: str = "error") -> list[Sequence]:
    """One OTB folder: img/ + groundtruth_rect.txt, or several groundtruth_rect.<k>.txt (one target each).

    Boxes are returned 0-based (the file's 1-based x, y minus OTB_ORIGIN). Frames are matched to lines by number
    (match_frames)."""
    name = name or os.path.basename(os.path.normpath(folder))
    frames = list_images(os.path.join(folder, "img"))
    files = sorted(glob.glob(os.path.join(folder, "groundtruth_rect*.txt")))
    out = []
    for path in files:
        boxes, broken = read_boxes(path)
        boxes[:, :2] -= OTB_ORIGIN
        suffix = re.findall(r"groundtruth_rect\.(\d+)\.txt$", path)
        seq_name = f"{name}-{suffix[0]}" if suffix and len(files) > 1 else name
        matched, kept = match_frames(seq_name, frames, len(boxes), missing_frames)
        out.append(Sequence(seq_name, matched, boxes[kept], skipped_lines=broken,
                            dropped_frames=_dropped(frames, kept, len(boxes)), layout="otb"))
    return out


def read_vot_sequence(folder: str, polygon_mode: str = "aabb", missing_frames: str = "error") -> Sequence:
    """One vot-toolkit sequence folder: color/ (or the folder itself) + groundtruth.txt + optional *.tag files.
    Frames are matched to lines by number (match_frames); per-frame tags follow the kept frames."""
    name = os.path.basename(os.path.normpath(folder))
    color = os.path.join(folder, "color")
    frames = list_images(color if os.path.isdir(color) else folder)
    boxes, broken = read_boxes(os.path.join(folder, "groundtruth.txt"), polygon_mode)
    attributes = {}
    for tag in glob.glob(os.path.join(folder, "*.tag")) + glob.glob(os.path.join(folder, "*.label")):
        key = os.path.splitext(os.path.basename(tag))[0]
        try:
            values = np.loadtxt(tag, dtype=np.float64, ndmin=1)
        except ValueError:
            continue
        attributes[key] = values
    listed = frames
    frames, kept = match_frames(name, frames, len(boxes), missing_frames)
    if len(kept) < len(boxes):
        attributes = {k: (v[kept[kept < len(v)]] if v.ndim == 1 else v) for k, v in attributes.items()}
    return Sequence(name, frames, boxes[kept], attributes=attributes, skipped_lines=broken,
                    dropped_frames=_dropped(listed, kept, len(boxes)), layout="vot")


def read_got10k_sequence(folder: str, missing_frames: str = "error") -> Sequence:
    """One GOT-10k folder: %08d.jpg + groundtruth.txt; absence.label marks frames without the target."""
    seq = read_vot_sequence(folder, missing_frames=missing_frames)
    seq.layout = "got10k"
    absence = seq.attributes.get("absence")
    if absence is not None and len(absence) >= len(seq):
        seq.visible = seq.visible & (absence[: len(seq)] == 0)
    cover = seq.attributes.get("cover")
    if cover is not None and len(cover) >= len(seq):
        seq.visible = seq.visible & (cover[: len(seq)] > 0)
    return seq


GOT10K_FILES = ("meta_info.ini", "absence.label", "cover.label", "cut_by_image.label")
SEQUENCE_LAYOUTS = ("otb", "vot", "vot-legacy", "got10k")


def detect_sequence_layout(folder: str) -> str | None:
    """The layout of one sequence folder, or None when it is not a sequence:

    'otb' (img/ + groundtruth_rect*.txt), 'vot' (a vot-toolkit `sequence` file or color/), 'got10k' (frames beside
    groundtruth.txt with any of GOT-10k's meta_info.ini / absence / cover / cut_by_image labels), 'vot-legacy' (the
    VOT2013-2016 and VOT-TIR layout: frames beside groundtruth.txt, other *.label files or polygon lines). Frames
    beside a plain groundtruth.txt of boxes, with nothing else, are read as GOT-10k."""
    if glob.glob(os.path.join(folder, "groundtruth_rect*.txt")):
        return "otb"
    if os.path.isfile(os.path.join(folder, "sequence")) or os.path.isdir(os.path.join(folder, "color")):
        return "vot"
    gt = os.path.join(folder, "groundtruth.txt")
    if not os.path.isfile(gt):
        return None
    if any(os.path.isfile(os.path.join(folder, name)) for name in GOT10K_FILES):
        return "got10k"
    if glob.glob(os.path.join(folder, "*.label")) or glob.glob(os.path.join(folder, "*.tag")):
        return "vot-legacy"
    with open(gt) as handle:
        first = next((line for line in handle if line.strip()), "")
    return "vot-legacy" if len([t for t in re.split(r"[,\s]+", first.strip()) if t]) > 4 else "got10k"


def detect_layout(root: str) -> str:
    """'otb', 'vot', 'vot-legacy', 'got10k' or 'uav123' for a dataset root, from the files in it; 'mixed' when its
    sequence folders have different layouts (read_sequences then detects each one)."""
    if os.path.isdir(os.path.join(root, "data_seq")) and os.path.isdir(os.path.join(root, "anno")):
        return "uav123"
    found = {detect_sequence_layout(os.path.join(root, entry)) for entry in sorted(os.listdir(root))
             if os.path.isdir(os.path.join(root, entry))} - {None}
    if len(found) == 1:
        return found.pop()
    if found:
        return "mixed"
    subsets = [name for name in ("train", "val", "test") if os.path.isdir(os.path.join(root, name))]
    hint = f" (a GOT-10k root? name one of its subsets: {os.path.join(root, subsets[0])})" if subsets else ""
    raise InputError(f"cannot tell the layout of {root}: no OTB, VOT or GOT-10k sequence folder inside{hint}")


def read_sequences(root: str, layout: str | None = None, names: list[str] | None = None,
                   missing_frames: str = "error") -> list[Sequence]:
    """Every sequence under a dataset root (in list.txt order where there is one). missing_frames: what a
    ground-truth line without its frame file does ('error': MissingFrameError; 'drop': the line is left out)."""
    layout = layout or detect_layout(root)
    listed = os.path.join(root, "list.txt")
    if names is None and os.path.isfile(listed):
        with open(listed) as handle:
            names = [line.strip() for line in handle if line.strip()]
    if names is None:
        names = sorted(e for e in os.listdir(root) if os.path.isdir(os.path.join(root, e)))
    out: list[Sequence] = []
    for name in names:
        folder = os.path.join(root, name)
        kind = layout
        if layout == "mixed":
            kind = detect_sequence_layout(folder)
            if kind is None:
                raise InputError(f"{folder}: not a sequence folder of any known layout (OTB, VOT, GOT-10k)")
        elif layout in ("vot", "got10k") and detect_sequence_layout(folder) == "vot-legacy":
            kind = "vot-legacy"  # frames at the root and VOT labels: its polygons and labels are kept
        if kind == "vot-legacy":
            seq = read_vot_sequence(folder, missing_frames=missing_frames)
            seq.layout = "vot-legacy"
            out.append(seq)
            continue
        layout_of = kind
        if layout_of == "otb":
            out += read_otb_sequence(folder, missing_frames=missing_frames)
        elif layout_of == "vot":
            out.append(read_vot_sequence(folder, missing_frames=missing_frames))
        elif layout_of == "got10k":
            out.append(read_got10k_sequence(folder, missing_frames))
        else:
            raise UsageError(f"unknown layout {layout!r}")
    return out
