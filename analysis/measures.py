"""The measures of the toolkits, recomputed from per-frame data (numpy + shapely; no toolkit, no model).

- One-pass (OTB, as got10k's ExperimentOTB): IoU and centre error of x,y,w,h boxes, success curve over 21 IoU
  thresholds (fraction of frames with IoU > t, frame 1 included and set to the ground truth), its mean (AUC),
  precision curve over 0..50 px (fraction with error <= t), precision at 20 px; per-sequence curves averaged.
- Supervised (VOT baseline, as vot-toolkit 0.9.0): region overlap bounded to the image, accuracy (mean overlap
  outside the burn-in after each (re-)initialisation and outside failure/skip frames), failures, robustness
  exp(-S * failures / length), the expected average overlap curve and score over [low, high].
"""
from __future__ import annotations

import math

import numpy as np

IOU_THRESHOLDS = np.linspace(0, 1, 21)
CENTER_THRESHOLDS = np.arange(0, 51)

# special frame codes of a VOT trajectory (vot.tracker.Trajectory)
SKIP, INIT, FAILURE = 0, 1, 2


# ---- one-pass (got10k / OTB) ---------------------------------------------------------------------------------------
def rect_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of x,y,w,h boxes exactly as got10k.utils.metrics.rect_iou (no bound); NaN stays NaN."""
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    x0 = np.maximum(a[:, 0], b[:, 0])
    y0 = np.maximum(a[:, 1], b[:, 1])
    x1 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y1 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0)


def center_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Centre distance as got10k (centre = x + (w - 1) / 2)."""
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    ca = a[:, :2] + (a[:, 2:] - 1) / 2
    cb = b[:, :2] + (b[:, 2:] - 1) / 2
    return np.sqrt(np.sum((ca - cb) ** 2, axis=1))


def success_curve(ious: np.ndarray) -> np.ndarray:
    ious = np.asarray(ious, float)[:, None]
    with np.errstate(invalid="ignore"):
        return np.mean(ious > IOU_THRESHOLDS[None, :], axis=0) if len(ious) else np.zeros(len(IOU_THRESHOLDS))


def precision_curve(errors: np.ndarray) -> np.ndarray:
    errors = np.asarray(errors, float)[:, None]
    with np.errstate(invalid="ignore"):
        return np.mean(errors <= CENTER_THRESHOLDS[None, :], axis=0) if len(errors) else np.zeros(len(CENTER_THRESHOLDS))


def one_pass_sequence(boxes: np.ndarray, groundtruth: np.ndarray, exclude_absent: bool = True) -> dict:
    """Curves and scores of one sequence (frame 1 set to the ground truth, as got10k does).

    exclude_absent: frames where the ground truth marks the target absent (NaN or empty box) are left out of
    success and precision, as UAV123 (and got10k's UAV123 experiment) does; False counts them as failures, as
    got10k's OTB experiment does. Where nothing is absent both give the same numbers."""
    boxes = np.array(boxes, float, copy=True)
    groundtruth = np.asarray(groundtruth, float)
    boxes[0] = groundtruth[0]
    ious = rect_iou(boxes, groundtruth)
    errors = center_error(boxes, groundtruth)
    if exclude_absent:
        with np.errstate(invalid="ignore"):
            present = np.all(np.isfinite(groundtruth), axis=1) & (groundtruth[:, 2] > 0) & (groundtruth[:, 3] > 0)
        ious, errors = ious[present], errors[present]
    succ, prec = success_curve(ious), precision_curve(errors)
    return {"success_curve": succ, "precision_curve": prec, "success_score": float(succ.mean()),
            "precision_score": float(prec[20]), "success_rate": float(succ[len(IOU_THRESHOLDS) // 2]),
            "frames": int(len(ious)), "absent": int(len(groundtruth) - len(ious))}


def mean_fps(times: np.ndarray) -> float:
    """got10k's speed of one sequence: mean of 1/t over frames with t > 0; NaN when none."""
    times = np.asarray(times, float)
    times = times[np.isfinite(times) & (times > 0)]
    return float(np.mean(1.0 / times)) if len(times) else float("nan")


# ---- supervised (VOT) ----------------------------------------------------------------------------------------------
def region_polygon(region):
    """A shapely geometry of an x,y,w,h rectangle (4 values) or a polygon (2n values); None when empty/invalid."""
    import shapely

    v = np.asarray(region, float).reshape(-1)
    if not np.all(np.isfinite(v)) or v.size < 4:
        return None
    if v.size == 4:
        if v[2] <= 0 or v[3] <= 0:
            return None
        return shapely.box(v[0], v[1], v[0] + v[2], v[1] + v[3])
    geometry = shapely.Polygon(v.reshape(-1, 2))
    if not geometry.is_valid:
        geometry = geometry.buffer(0)
    return geometry if not geometry.is_empty else None


def bounded_overlap(region_a, region_b, width: float, height: float) -> float:
    """IoU of two regions clipped to the image [0, W] x [0, H] (exact geometry; vot rasterises to pixels)."""
    import shapely

    frame = shapely.box(0, 0, width, height)
    a, b = region_polygon(region_a), region_polygon(region_b)
    a = a.intersection(frame) if a is not None else None
    b = b.intersection(frame) if b is not None else None
    area_a = a.area if a is not None else 0.0
    area_b = b.area if b is not None else 0.0
    if area_a == 0 and area_b == 0:
        return 1.0 if (a is None and b is None) else 0.0
    if area_a == 0 or area_b == 0:
        return 0.0
    inter = a.intersection(b).area
    return float(inter / (area_a + area_b - inter))


def vot_accuracy(states: np.ndarray, overlaps: np.ndarray, burnin: int = 10) -> tuple[float, int]:
    """(mean overlap, frames used) of one run: burn-in frames after each init, failure and skip frames excluded."""
    states = np.asarray(states, dtype=object)
    mask = np.ones(len(states), dtype=bool)
    for i, state in enumerate(states):
        if state == "skip":
            mask[i] = False
        elif state == "init":
            mask[i: i + burnin] = False
        elif state == "failure":
            mask[i] = False
    return (float(np.mean(np.asarray(overlaps, float)[mask])), int(mask.sum())) if mask.any() else (0.0, 0)


def eao_runs(states: np.ndarray, overlaps: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """The (overlaps, reached the end) segments of one run, from each initialisation to its failure (vot 0.9.0)."""
    states = np.asarray(states, dtype=object)
    overlaps = np.asarray(overlaps, float)
    fails = [i for i, s in enumerate(states) if s == "failure"]
    inits = [i for i, s in enumerate(states) if s == "init"]
    if not fails:
        return [(overlaps, True)]
    out = [(overlaps[inits[i]: fails[i]], False) for i in range(len(fails))]
    if len(inits) > len(fails):
        out.append((overlaps[inits[-1]:], True))
    return out


def eao_curve(segments: list[tuple[np.ndarray, bool]]) -> np.ndarray:
    """Expected average overlap curve over segments, as vot.analysis.supervised.compute_eao_curve.

    A segment that ended in a failure counts with overlap 0 up to the longest segment; one that reached the end of
    its sequence counts only over its own length. Element 0 is the first frame's overlap (0: an initialisation).
    """
    if not segments:
        return np.zeros(0)
    length = max(len(o) for o, _ in segments)
    values = np.zeros((len(segments), length))
    mask = np.zeros((len(segments), length))
    for i, (o, success) in enumerate(segments):
        values[i, : len(o)] = o
        if success:
            mask[i, : len(o)] = 1
        else:
            mask[i, :] = 1
    running = values.copy()  # column 0 keeps the first overlap (0 at an initialisation frame), as vot does
    cumulative = np.cumsum(values[:, 1:], axis=1)
    running[:, 1:] = cumulative / np.arange(1, length)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(running * mask, axis=0) / np.sum(mask, axis=0)


def eao_score(curve: np.ndarray, low: int, high: int) -> float:
    part = np.asarray(curve, float)[low: high + 1]
    return float(np.mean(part)) if len(part) else float("nan")


def robustness(failures: float, length: float, sensitivity: float = 30.0) -> float:
    """VOT reliability exp(-S * F / L) (the x of the AR plot)."""
    return math.exp(-sensitivity * failures / length) if length else float("nan")


def eao_interval(lengths, vot2015: tuple[int, int] = (108, 371)) -> tuple[int, int]:
    """[low, high] of the EAO score: VOT2015's bounds when the sequences are at least that long, else the
    half-maximum interval of a Gaussian kernel density of the sequence lengths (the VOT2015 rule), clipped to the
    longest sequence (so that short custom benchmarks get a defined score)."""
    lengths = np.asarray([int(n) for n in lengths if n], float)
    if not len(lengths):
        return vot2015
    if lengths.min() >= vot2015[1]:
        return vot2015
    grid = np.arange(1, int(lengths.max()) + 1, dtype=float)
    bandwidth = max(1.06 * (lengths.std() if len(lengths) > 1 else 0.0) * len(lengths) ** (-0.2), 0.1 * lengths.mean(), 1.0)
    density = np.exp(-0.5 * ((grid[:, None] - lengths[None, :]) / bandwidth) ** 2).sum(axis=1)
    above = grid[density >= density.max() / 2]
    low, high = int(above.min()), int(above.max())
    high = min(high, int(lengths.max()) - 1)
    low = max(1, min(low, high))
    return low, high
