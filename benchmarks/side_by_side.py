"""Tracking speed side by side with huanglianghua/siamfc-pytorch: the same preloaded frames, the same threads, runs
interleaved so that a change of machine load hits every tracker alike.

    python benchmarks/side_by_side.py --reference /tmp/siamfc-pytorch-ref \\
        --mirror /work/.mirror/huanglianghua+siamfc-pytorch/repo/.git \\
        --root ../shared/data/eval/otb/Crossing --frames 60 --runs 3 --threads 2 --json OUT.json

Rows: siamfc-pytorch's TrackerSiamFC (the final AlexNet net; init + update per frame, as got10k times it) and ours
on the final net for each --backends, with the same weights (our seeded `alexnet` exported to siamfc-pytorch's
layout and loaded by both), then the shipped slim model for each backend. fps is frames / (init + updates), the
median of --runs passes; "ratio" is fps / siamfc-pytorch's fps from the same pass. Without --reference only our
rows are measured (no ratio). siamfc-pytorch's code is read from a folder outside this repository and never
committed (--mirror fills it with `git archive` from a fetched mirror). The CPU, its flags and the load average
are printed with the table.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks.reference_equivalence import ours_exported, prepare_reference  # noqa: E402
from siamfc_plugin.backends.build import build_tracker  # noqa: E402
from siamfc_plugin.commands.bench import load_sequence, machine_info, track_timed  # noqa: E402
from siamfc_plugin.common.atomic import write_text  # noqa: E402
from siamfc_plugin.common.paths import check_writable  # noqa: E402
from siamfc_plugin.data.images import to_rgb_uint8  # noqa: E402


def reference_seconds(tracker, frames, first_box) -> float:
    """siamfc-pytorch's own loop (its track(): init, then update per frame), timed the same way as ours."""
    start = time.perf_counter()
    tracker.init(frames[0], first_box)
    for frame in frames[1:]:
        tracker.update(frame)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", help="folder with siamfc-pytorch's siamfc/ (outside the repo)")
    parser.add_argument("--mirror", help="git directory of huanglianghua/siamfc-pytorch to fill --reference from")
    parser.add_argument("--root", default=None, help="OTB-layout sequence folder (default: the synthetic sequence)")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", default="torch,torch-bf16,onnx,int8",
                        help="comma-separated; `auto` adds the backend --backend auto takes here (named in the row)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the measurements here")
    args = parser.parse_args(argv)
    if args.json:
        try:
            check_writable(args.json, "--json", create=True)  # before minutes of tracking
        except ValueError as exc:
            parser.error(str(exc))

    torch.set_num_threads(args.threads)
    name, frames, boxes, _ = load_sequence(args.root, None, args.frames)
    frames = [to_rgb_uint8(f) for f in frames]
    first_box = np.asarray(boxes[0], dtype=float)
    backends = [b for b in args.backends.split(",") if b]

    with tempfile.TemporaryDirectory() as work:
        weights = os.path.join(work, "alexnet-seeded-siamfc-pytorch.pth")
        ours_exported(weights, args.seed)
        trackers = {}
        if args.reference:
            prepare_reference(args.reference, args.mirror)
            from siamfc.siamfc import TrackerSiamFC

            trackers["siamfc-pytorch (alexnet)"] = ("reference", TrackerSiamFC(net_path=weights))
        for label, checkpoint in (("alexnet", weights), ("alexnet-slim (shipped)", None)):
            for backend in backends:
                built = build_tracker(checkpoint, backend=backend, threads=args.threads)
                # `auto`: the row names the backend it took on this machine for these weights
                shown = f"auto ({built.backend})" if backend == "auto" else backend
                trackers[f"ours {label} {shown}"] = ("ours", built.tracker)

        info = machine_info()
        seconds: dict[str, list[float]] = {label: [] for label in trackers}
        for _ in range(args.runs + 1):  # the first pass warms every tracker up and is not counted
            for label, (kind, tracker) in trackers.items():
                if kind == "reference":
                    seconds[label].append(reference_seconds(tracker, frames, first_box))
                else:
                    seconds[label].append(track_timed(tracker, frames, first_box)[1])
    reference_label = "siamfc-pytorch (alexnet)" if args.reference else None
    rows = []
    for label, times in seconds.items():
        counted = times[1:]
        fps = [len(frames) / t for t in counted]
        row = {"tracker": label, "fps": statistics.median(fps), "fps_runs": fps}
        if reference_label:
            ratios = [len(frames) / t / (len(frames) / r) for t, r in zip(counted, seconds[reference_label][1:])]
            row["ratio"] = statistics.median(ratios)
        rows.append(row)

    print(f"{info['cpu']} ({', '.join(info['cpu_flags'])}), {args.threads} threads; sequence {name}: {len(frames)} "
          f"frames; {args.runs} runs (median); load average {info.get('load_average_1_5_15')}")
    print("| tracker | fps | x siamfc-pytorch |\n| --- | --- | --- |")
    for row in rows:
        ratio = f"{row['ratio']:.2f}" if "ratio" in row else "-"
        print(f"| {row['tracker']} | {row['fps']:.1f} | {ratio} |")
    report = {"machine": info, "sequence": name, "frames": len(frames), "threads": args.threads, "runs": args.runs,
              "weights": f"seeded alexnet (seed {args.seed}) exported to siamfc-pytorch's layout; slim: shipped",
              "rows": rows}
    if args.json:
        write_text(args.json, json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
