"""Ground truth of the benchmark layouts, read from the files alone (numpy; nothing of the model or the plugin).

Boxes are x,y,w,h in 0-based pixels, as the trackers and got10k's results use them. OTB-layout files
(groundtruth_rect.txt, also DTB70) come from MATLAB (top-left pixel (1, 1)) and are shifted by one on reading, as
the plugin's got10k experiments do; UAV123 annotations and GOT-10k groundtruth.txt are used as written.

A row of NaN (or w, h <= 0) means the target is absent in that frame (UAV123's convention; GOT-10k marks it in
absence.label / cover.label as well).
"""
from __future__ import annotations

import glob
import os
import re

import numpy as np

OTB_ORIGIN = 1.0


def read_regions(path: str) -> list[np.ndarray]:
    """The regions of a ground-truth file, one array per line: x,y,w,h (4 values) or a polygon (2n values); any of
    , \t or space between values; a line that is not numbers gives a NaN rectangle (frame numbering stays)."""
    regions = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                regions.append(np.array([float(t) for t in re.split(r"[,\s]+", line) if t]))
            except ValueError:
                regions.append(np.full(4, np.nan))
    return regions


def bounding_box(values) -> np.ndarray:
    """x,y,w,h of a rectangle (as it is) or of a polygon's bounding box; NaN for anything else."""
    v = np.asarray(values, float).reshape(-1)
    if v.size == 4:
        return v.copy()
    if v.size >= 6 and v.size % 2 == 0 and np.all(np.isfinite(v)):
        xs, ys = v[0::2], v[1::2]
        return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])
    return np.full(4, np.nan)


def read_box_file(path: str) -> np.ndarray:
    """(N, 4) boxes of a ground-truth file (polygons as their bounding boxes)."""
    return np.array([bounding_box(r) for r in read_regions(path)], dtype=np.float64).reshape(-1, 4)


def absent(boxes: np.ndarray) -> np.ndarray:
    """Frames where the ground truth marks the target absent: NaN values or an empty box."""
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    with np.errstate(invalid="ignore"):
        return ~np.all(np.isfinite(boxes), axis=1) | (boxes[:, 2] <= 0) | (boxes[:, 3] <= 0)


def read_one_pass_groundtruth(root: str) -> dict[str, np.ndarray]:
    """{sequence: boxes} of an OTB-layout folder (<seq>/groundtruth_rect.txt, DTB70 alike) or a UAV123 folder
    (anno/UAV123/<seq>.txt)."""
    uav = os.path.join(root, "anno", "UAV123")
    if os.path.isdir(uav):
        return {os.path.basename(p)[:-4]: read_box_file(p) for p in sorted(glob.glob(os.path.join(uav, "*.txt")))}
    out = {}
    for path in sorted(glob.glob(os.path.join(root, "*", "groundtruth_rect.txt"))):
        boxes = read_box_file(path)
        boxes[:, :2] -= OTB_ORIGIN
        out[os.path.basename(os.path.dirname(path))] = boxes
    if not out:
        raise FileNotFoundError(f"{root}: no <sequence>/groundtruth_rect.txt (OTB layout) or anno/UAV123 here")
    return out
