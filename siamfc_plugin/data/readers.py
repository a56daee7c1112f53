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
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 4:
        return v.copy()
    if v.size < 6 or v.size % 2:
        raise ValueError(f"a region needs 4 rectangle values or an even number >= 6 of polygon values, got {v.size}")
    xs, ys = v[0::2], v[1::2]
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    w, h = x1 - x0, y1 - y0
    if mode == "aabb" or w <= 0 or h <= 0:
        return np.array([x0, y0, w, h])
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


# OTB-layout ground truth comes from MATLAB: the top-left pixel is (1, 1). Everything inside the plugin (trackers,
# results files, the other layouts) uses 0-based pixel coordinates, so OTB boxes are shifted on reading. IoU-based
# scores do not change; the tracker's first crop does (one pixel), and so, on hard sequences, does the whole run.
OTB_ORIGIN = 1.0


def otb_groundtruth_text(boxes) -> str:
    """0-based boxes as the lines of an OTB groundtruth_rect.txt (1-based), the inverse of read_otb_sequence."""
    shifted = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) + [OTB_ORIGIN, OTB_ORIGIN, 0.0, 0.0]
    return "\n".join(",".join(f"{v:.2f}" for v in box) for box in shifted) + "\n"


def read_otb_sequence(folder: str, name: str | None = None) -> list[Sequence]:
    """One OTB folder: img/ + groundtruth_rect.txt, or several groundtruth_rect.<k>.txt (one target each).

    Boxes are returned 0-based (the file's 1-based x, y minus OTB_ORIGIN)."""
    name = name or os.path.basename(os.path.normpath(folder))
    frames = list_images(os.path.join(folder, "img"))
    files = sorted(glob.glob(os.path.join(folder, "groundtruth_rect*.txt")))
    out = []
    for path in files:
        boxes, broken = read_boxes(path)
        boxes[:, :2] -= OTB_ORIGIN
        suffix = re.findall(r"groundtruth_rect\.(\d+)\.txt$", path)
        seq_name = f"{name}-{suffix[0]}" if suffix and len(files) > 1 else name
        out.append(Sequence(seq_name, frames[: len(boxes)], boxes[: len(frames)], skipped_lines=broken))
    return out


def read_vot_sequence(folder: str, polygon_mode: str = "aabb") -> Sequence:
    """One vot-toolkit sequence folder: color/ (or the folder itself) + groundtruth.txt + optional *.tag files."""
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
    return Sequence(name, frames, boxes, attributes=attributes, skipped_lines=broken)


def read_got10k_sequence(folder: str) -> Sequence:
    """One GOT-10k folder: %08d.jpg + groundtruth.txt; absence.label marks frames without the target."""
    seq = read_vot_sequence(folder)
    absence = seq.attributes.get("absence")
    if absence is not None and len(absence) >= len(seq):
        seq.visible = seq.visible & (absence[: len(seq)] == 0)
    cover = seq.attributes.get("cover")
    if cover is not None and len(cover) >= len(seq):
        seq.visible = seq.visible & (cover[: len(seq)] > 0)
    return seq


def detect_layout(root: str) -> str:
    """'otb', 'vot', 'got10k' or 'uav123' for a dataset root, from the files in it."""
    if os.path.isdir(os.path.join(root, "data_seq")) and os.path.isdir(os.path.join(root, "anno")):
        return "uav123"
    for entry in sorted(os.listdir(root)):
        sub = os.path.join(root, entry)
        if not os.path.isdir(sub):
            continue
        if glob.glob(os.path.join(sub, "groundtruth_rect*.txt")):
            return "otb"
        if os.path.isfile(os.path.join(sub, "sequence")) or os.path.isdir(os.path.join(sub, "color")):
            return "vot"
        if os.path.isfile(os.path.join(sub, "groundtruth.txt")):
            return "got10k"
    subsets = [name for name in ("train", "val", "test") if os.path.isdir(os.path.join(root, name))]
    hint = f" (a GOT-10k root? name one of its subsets: {os.path.join(root, subsets[0])})" if subsets else ""
    raise ValueError(f"cannot tell the layout of {root}: no OTB, VOT or GOT-10k sequence folder inside{hint}")


def read_sequences(root: str, layout: str | None = None, names: list[str] | None = None) -> list[Sequence]:
    """Every sequence under a dataset root (in list.txt order where there is one)."""
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
        if layout == "otb":
            out += read_otb_sequence(folder)
        elif layout == "vot":
            out.append(read_vot_sequence(folder))
        elif layout == "got10k":
            out.append(read_got10k_sequence(folder))
        else:
            raise ValueError(f"unknown layout {layout!r}")
    return out
