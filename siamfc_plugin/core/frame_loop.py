"""The per-frame loop: initialise on the first frame's box, update on every later frame, time the tracker alone.

Everything that runs a tracker over frames goes through track_frames: validation and tests (run_sequence), the
got10k adapter's track(), `siamfc track`, bench. It knows no toolkit; frames are arrays or image paths (decoded
here, outside the timing).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from ..data.images import read_frame
from ..data.readers import Sequence
from .metrics import precision_at, success_auc


@dataclass
class FrameResult:
    index: int
    image: np.ndarray  # the decoded frame (RGB or as given)
    box: np.ndarray  # x,y,w,h: the initial box on frame 0, the tracker's after
    confidence: float
    seconds: float  # tracker time for this frame, decoding excluded


def track_frames(tracker, frames: Iterable, first_box) -> Iterator[FrameResult]:
    """Run `tracker` (init(image, box), update(image) -> x,y,w,h, .confidence) over `frames`, one result per frame."""
    for index, frame in enumerate(frames):
        image = read_frame(frame) if isinstance(frame, (str, os.PathLike)) else frame
        start = time.perf_counter()
        if index == 0:
            tracker.init(image, first_box)
            box = np.asarray(first_box, dtype=np.float64)
        else:
            box = np.asarray(tracker.update(image), dtype=np.float64)
        seconds = time.perf_counter() - start
        yield FrameResult(index, image, box, float(tracker.confidence), seconds)


@dataclass
class Trajectory:
    boxes: np.ndarray  # (n, 4)
    confidences: np.ndarray  # (n,)
    seconds: np.ndarray  # (n,) per-frame tracker time, decoding excluded


def run_frames(tracker, frames: Iterable, first_box) -> Trajectory:
    """track_frames, collected."""
    results = [(r.box, r.confidence, r.seconds) for r in track_frames(tracker, frames, first_box)]
    boxes, confidences, seconds = zip(*results) if results else ((), (), ())
    return Trajectory(np.reshape(np.asarray(boxes, dtype=np.float64), (-1, 4)), np.asarray(confidences, float),
                      np.asarray(seconds, float))


@dataclass
class RunResult:
    name: str
    boxes: np.ndarray
    confidences: np.ndarray
    seconds: np.ndarray  # per-frame tracker time, decoding excluded
    auc: float
    precision: float


def run_sequence(tracker, seq: Sequence, max_frames: int | None = None, frames: list | None = None) -> RunResult:
    """One-pass run over a ground-truth sequence (or its first max_frames), scored against its ground truth."""
    n = len(seq) if max_frames is None else min(len(seq), max_frames)
    run = run_frames(tracker, (frames if frames is not None else seq.frames)[:n], seq.boxes[0])
    gt = seq.boxes[:n]
    return RunResult(seq.name, run.boxes, run.confidences, run.seconds, success_auc(run.boxes, gt),
                     precision_at(run.boxes, gt))
