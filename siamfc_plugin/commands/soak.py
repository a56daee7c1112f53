"""`siamfc soak`: a long run (10,000 frames by default) on synthetic frames, reporting resident memory as it goes,
to show that memory stays flat (no per-frame growth in the tracker, the backend or the crops)."""
from __future__ import annotations

import json
import resource
import time

import numpy as np
from tqdm import tqdm


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2 ** 20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def soak(tracker, frames: int = 10_000, checkpoints=(1_000, 10_000), loop: int = 200, seed: int = 0) -> dict:
    """Track `frames` frames: a synthetic clip of `loop` frames played forwards and backwards (continuous motion)."""
    from ..data.synthetic import SyntheticConfig, make_sequence

    clip, boxes = make_sequence(np.random.default_rng(seed), SyntheticConfig(frames=loop, occlusion=False))
    order = list(range(loop)) + list(range(loop - 2, 0, -1))
    tracker.init(clip[0], boxes[0])
    report = {"frames": frames, "rss_mb": {}, "peak_rss_mb": {}}
    start = time.perf_counter()
    for k in tqdm(range(1, frames + 1), desc="soak", mininterval=2):
        tracker.update(clip[order[k % len(order)]])
        if k in checkpoints or k == frames:
            report["rss_mb"][k] = round(current_rss_mb(), 1)
            report["peak_rss_mb"][k] = round(peak_rss_mb(), 1)
    report["fps"] = frames / (time.perf_counter() - start)
    return report


def cmd_soak(args) -> int:
    from ..backends.build import announce_backend, build_tracker
    from ..backends.spec import TrackerSpec

    built = build_tracker(TrackerSpec.from_args(args))
    announce_backend(built)
    report = soak(built.tracker, args.frames)
    print(json.dumps(report))
    return 0


def register(subparsers, common) -> None:
    p = subparsers.add_parser("soak", parents=[common], help="a long synthetic run reporting memory (RSS) over time")
    p.add_argument("--frames", type=int, default=10_000, help="frames to track (default 10000)")
    p.set_defaults(func=cmd_soak)
