"""Benchmark readers, as the plugin's data layer uses them: the layout readers live on the ground floor
(siamfc_plugin/formats: one strict reader shared with analysis/); here are the plugin-side helpers on top of them
(the region-to-box fits the trackers use, the OTB ground-truth writer).

A Sequence is a list of frame paths and one x,y,w,h box per frame (NaN rows where the target is absent). Used by the
training sources, the got10k experiment runner and the VOT workspace filler.
"""
from __future__ import annotations

import numpy as np

from ..common.errors import InputError, MissingFrameError  # noqa: F401  (re-exported: callers catch it from here)
from ..formats.frames import IMAGE_EXTENSIONS, MISSING_FRAMES, list_images  # noqa: F401
from ..formats.lines import region_box
from ..formats.sequences import (LAYOUTS, OTB_ORIGIN, Sequence, detect_layout,  # noqa: F401
                                 detect_sequence_layout, groundtruth_counts, read_got10k_sequence,
                                 read_otb_sequence, read_sequences, read_vot_sequence, valid_boxes)


def polygon_to_box(values, mode: str = "aabb") -> np.ndarray:
    """x,y,w,h from a rectangle (4 values) or polygon (2n values), for a tracker to start from.

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
    x0, y0, w, h = region_box(v)
    if mode == "aabb" or w <= 0 or h <= 0:
        return np.array([x0, y0, w, h])
    xs, ys = v[0::2], v[1::2]
    if mode == "matconvnet" and v.size == 8:
        cx, cy = xs.mean(), ys.mean()
        sides = np.hypot(v[0] - v[2], v[1] - v[3]) * np.hypot(v[2] - v[4], v[3] - v[5])
        s = np.sqrt(sides / (w * h))
        bw, bh = s * w + 1, s * h + 1
        return np.array([cx - bw / 2, cy - bh / 2, bw, bh])
    area = 0.5 * abs(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1)))
    s = np.sqrt(max(area, 1e-12) / (w * h))
    cx, cy = x0 + w / 2, y0 + h / 2
    return np.array([cx - s * w / 2, cy - s * h / 2, s * w, s * h])


def otb_groundtruth_text(boxes) -> str:
    """0-based boxes as the lines of an OTB groundtruth_rect.txt (1-based), the inverse of read_otb_sequence; a NaN
    row (absent target) stays NaN."""
    shifted = np.asarray(boxes, dtype=np.float64).reshape(-1, 4) + [OTB_ORIGIN, OTB_ORIGIN, 0.0, 0.0]
    return "\n".join(",".join(f"{v:.2f}" for v in box) for box in shifted) + "\n"
