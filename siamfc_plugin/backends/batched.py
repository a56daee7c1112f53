"""Batched evaluation: track many sequences at once, one network batch per frame step across sequences.

Each sequence keeps its own SiamFCTracker (its own state and exemplar features); at every step the search crops of
all active sequences (k scales each) go through the network in one forward, scored against the stacked exemplar
features (backend.score_batch: crop j against target j // k), and each tracker moves with its own slice. A pool of
`batch_size` slots is refilled as sequences end (continuous batching), so sequences of any lengths mix.

Results are those of sequential tracking: on the CPU the torch backend gives the same bits (the embedding of a
crop does not depend on the batch it is in, and each target is correlated as in score()); tests check it. On CUDA,
cuDNN may choose other algorithms for other batch sizes, so maps can differ in the last bits there. Backends
without score_batch (onnx, int8) are scored one sequence at a time inside the step: same results, no batching gain.

Per-frame times: the wall time of a step divided by the number of sequences in it (decoding excluded), so that
got10k's fps of a batched run is the throughput per sequence.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence as Seq

import numpy as np

from ..common.errors import ConfigError
from ..data.images import read_frame, to_rgb_uint8


@dataclass
class BatchedResult:
    name: str
    boxes: np.ndarray  # (N, 4) x, y, w, h; row 0 is the initial box
    times: np.ndarray  # (N,) seconds per frame (a step's time shared among its sequences), decoding excluded
    confidences: np.ndarray  # (N,)


@dataclass(eq=False)
class _Slot:
    index: int
    name: str
    frames: Seq  # paths or arrays
    init_box: np.ndarray
    tracker: Any
    n: int
    boxes: np.ndarray
    times: np.ndarray
    confidences: np.ndarray
    t: int = 0


def shared_factory(tracker) -> Callable[[], Any]:
    """A tracker_factory making fresh trackers that share `tracker`'s backend (network) and config."""
    from ..core.tracker import SiamFCTracker

    return lambda: SiamFCTracker(tracker.backend, tracker.config, tracker.geometry)


def _normalise(sequences) -> list[tuple[str, Seq, np.ndarray]]:
    """Sequence objects, (frames, init_box) or (name, frames, init_box) -> (name, frames, init_box)."""
    out = []
    for i, seq in enumerate(sequences):
        if hasattr(seq, "frames") and hasattr(seq, "boxes"):
            out.append((seq.name, seq.frames, np.asarray(seq.boxes[0], dtype=np.float64)))
        elif len(seq) == 2:
            frames, box = seq
            out.append((f"seq{i:04d}", frames, np.asarray(box, dtype=np.float64).reshape(-1)[:4]))
        else:
            name, frames, box = seq
            out.append((name, frames, np.asarray(box, dtype=np.float64).reshape(-1)[:4]))
    return out


def _load(frame) -> np.ndarray:
    return read_frame(frame) if isinstance(frame, (str, os.PathLike)) else to_rgb_uint8(frame)


def run_batched(tracker_factory: Callable[[], Any], sequences, batch_size: int | None = None,
                max_frames: int | None = None, decode_threads: int = 4, exact: bool = True,
                progress: Callable[[str], None] | None = None) -> list[BatchedResult]:
    """Track every sequence (initialised on its first box) with up to `batch_size` of them per network batch.

    tracker_factory() -> a SiamFCTracker; it is called once per sequence. All trackers must hold the same network:
    the backend of the first one scores every batch (the others' backends are replaced by it, so a factory that
    builds a new backend each time costs memory, not correctness; prefer one that shares a backend).
    sequences: datasets.Sequence objects, (frames, init_box) or (name, frames, init_box); frames are file paths or
    arrays. Returns one BatchedResult per sequence, in the input order.
    """
    items = _normalise(sequences)
    if not items:
        return []
    batch_size = max(1, int(batch_size or len(items)))
    queue = list(range(len(items)))
    results: list[BatchedResult | None] = [None] * len(items)
    backend = None
    slots: list[_Slot] = []
    pool = ThreadPoolExecutor(max(1, decode_threads)) if decode_threads > 1 else None
    batch_buffer = None
    try:
        while queue or slots:
            while queue and len(slots) < batch_size:  # refill the pool
                index = queue.pop(0)
                name, frames, box = items[index]
                n = len(frames) if max_frames is None else min(len(frames), max_frames)
                if n == 0:
                    results[index] = BatchedResult(name, np.zeros((0, 4)), np.zeros(0), np.zeros(0))
                    continue
                tracker = tracker_factory()
                if tracker.config.template_lr > 0 or tracker.config.distractor_weight > 0:
                    # the batch loop scores and steps; it does not update kernels between frames
                    raise ConfigError("batched evaluation runs fixed-kernel trackers only: template_lr and "
                                      "distractor_weight must be 0 (run these presets without --batch)")
                if backend is None:
                    backend = tracker.backend
                tracker.backend = backend
                slots.append(_Slot(index, name, frames, box, tracker, n, np.zeros((n, 4)), np.zeros(n), np.zeros(n)))
            if not slots:
                break
            images = list(pool.map(lambda s: _load(s.frames[s.t]), slots)) if pool else \
                [_load(s.frames[s.t]) for s in slots]
            start = time.perf_counter()
            starting = [(s, im) for s, im in zip(slots, images) if s.t == 0]
            running = [(s, im) for s, im in zip(slots, images) if s.t > 0]
            for slot, image in starting:
                slot.tracker.init(image, slot.init_box)
                slot.boxes[0] = slot.init_box
                slot.confidences[0] = slot.tracker.confidence
            if running:
                frames = [to_rgb_uint8(im) for _, im in running]
                crops = [s.tracker.search_crops(f) for (s, _), f in zip(running, frames)]
                k = crops[0].shape[0]
                if any(c.shape != crops[0].shape for c in crops):
                    raise ValueError("batched sequences must share the tracker config (scales, crop size)")
                if hasattr(backend, "score_batch"):
                    shape = (len(crops) * k,) + crops[0].shape[1:]
                    if batch_buffer is None or batch_buffer.shape[0] < shape[0]:
                        batch_buffer = np.empty((batch_size * k,) + crops[0].shape[1:], dtype=np.uint8)
                    batch = batch_buffer[: shape[0]]
                    for i, c in enumerate(crops):
                        batch[i * k:(i + 1) * k] = c
                    stacked = backend.stack_features([s.tracker.kernel for s, _ in running])
                    scores = backend.score_batch(stacked, batch, exact=exact)
                    responses = [scores[i * k:(i + 1) * k] for i in range(len(crops))]
                else:
                    responses = [backend.score(s.tracker.kernel, c) for (s, _), c in zip(running, crops)]
                for (slot, _), frame, response in zip(running, frames, responses):
                    slot.boxes[slot.t] = slot.tracker.step(response, frame.shape)
                    slot.confidences[slot.t] = slot.tracker.confidence
            share = (time.perf_counter() - start) / len(slots)
            finished = []
            for slot in slots:
                slot.times[slot.t] = share
                slot.t += 1
                if slot.t >= slot.n:
                    finished.append(slot)
                    results[slot.index] = BatchedResult(slot.name, slot.boxes, slot.times, slot.confidences)
                    if progress:
                        progress(f"{slot.name}: {slot.n} frames")
            slots = [s for s in slots if s not in finished]
    finally:
        if pool:
            pool.shutdown(wait=True)
    return results  # type: ignore[return-value]


def step_together(trackers: list, image) -> list[np.ndarray]:
    """One frame for several targets of one network (several objects in one video): the search crops of every
    tracker go through the network in one batch, each scored against its own kernel (score_batch), and each tracker
    moves with its own maps. Returns each tracker's x,y,w,h. The trackers must share their backend, scale count and
    crop size, and keep fixed kernels (no template update or distractor memory: update() would be needed)."""
    frame = to_rgb_uint8(image)
    backend = trackers[0].backend
    crops = [t.search_crops(frame) for t in trackers]  # each tracker fills its own buffer
    k = crops[0].shape[0]
    if any(c.shape != crops[0].shape for c in crops) or any(t.backend is not backend for t in trackers):
        raise ValueError("trackers stepped together must share their network, scales and crop size")
    stacked = backend.stack_features([t.kernel for t in trackers])
    scores = backend.score_batch(stacked, np.concatenate(crops, 0))
    return [t.step(scores[i * k:(i + 1) * k], frame.shape) for i, t in enumerate(trackers)]
