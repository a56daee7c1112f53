"""One-pass metrics as the OTB toolkit (and got10k's ExperimentOTB) computes them."""
from __future__ import annotations

import numpy as np

IOU_THRESHOLDS = np.linspace(0, 1, 21)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of x,y,w,h boxes; 0 where either box is missing (NaN) or empty."""
    a, b = np.atleast_2d(a).astype(np.float64), np.atleast_2d(b).astype(np.float64)
    x0 = np.maximum(a[:, 0], b[:, 0])
    y0 = np.maximum(a[:, 1], b[:, 1])
    x1 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y1 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / union, 0.0)
    return np.nan_to_num(out, nan=0.0)


def center_error(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ca = a[:, :2] + a[:, 2:] / 2
    cb = b[:, :2] + b[:, 2:] / 2
    return np.nan_to_num(np.linalg.norm(ca - cb, axis=1), nan=np.inf)


def success_curve(ious: np.ndarray) -> np.ndarray:
    return np.array([(ious > t).mean() for t in IOU_THRESHOLDS]) if len(ious) else np.zeros(len(IOU_THRESHOLDS))


def success_auc(boxes: np.ndarray, groundtruth: np.ndarray) -> float:
    """Mean of the success curve over 21 IoU thresholds, frame 1 included (as got10k's OTB experiment)."""
    valid = np.all(np.isfinite(groundtruth), axis=1)
    return float(success_curve(iou(boxes[valid], groundtruth[valid])).mean())


def precision_at(boxes: np.ndarray, groundtruth: np.ndarray, pixels: float = 20.0) -> float:
    valid = np.all(np.isfinite(groundtruth), axis=1)
    errors = center_error(boxes[valid], groundtruth[valid])
    return float((errors <= pixels).mean()) if len(errors) else 0.0
