"""One-pass runs of the tracking core over Sequences, with no toolkit: used by validation, bench and tests."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..data.readers import Sequence
from ..data.images import read_frame
from .metrics import precision_at, success_auc


@dataclass
class RunResult:
    name: str
    boxes: np.ndarray
    confidences: np.ndarray
    seconds: np.ndarray  # per-frame tracker time, decoding excluded
    auc: float
    precision: float


def run_sequence(tracker, seq: Sequence, max_frames: int | None = None, frames: list | None = None) -> RunResult:
    """Initialise on the first frame's ground truth and track to the end (or max_frames)."""
    n = len(seq) if max_frames is None else min(len(seq), max_frames)
    boxes = np.zeros((n, 4))
    confidences = np.zeros(n)
    seconds = np.zeros(n)
    for k in range(n):
        image = frames[k] if frames is not None else read_frame(seq.frames[k])
        start = time.perf_counter()
        if k == 0:
            tracker.init(image, seq.boxes[0])
            boxes[0] = seq.boxes[0]
        else:
            boxes[k] = tracker.update(image)
        seconds[k] = time.perf_counter() - start
        confidences[k] = tracker.confidence
    gt = seq.boxes[:n]
    return RunResult(seq.name, boxes, confidences, seconds, success_auc(boxes, gt), precision_at(boxes, gt))
