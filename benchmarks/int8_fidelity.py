"""How far int8 free runs stray from the eager fp32 reference, per sequence, for several quantisation variants.

    python benchmarks/int8_fidelity.py --root ../shared/data/eval/otb --root ../shared/data/eval/vot \
        --calibration ../shared/data/train/got10k/train --variant minmax --variant percentile \
        --variant minmax:x_conv0

A variant is METHOD[:NODE+NODE...]: the calibration method and the search-graph nodes kept in fp32. Prints one JSON
line per variant: per sequence (mean IoU of the boxes with the reference's, AUC minus the reference's AUC), and
the means. A free run that leaves the target once never meets the reference again, so the IoU reads low on
sequences where the reference itself fails; the AUC difference is the accuracy cost.
"""
from __future__ import annotations

import argparse
import json

import numpy as np

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.backends.torch_backend import make_backend
from siamfc_plugin.core.checkpoint import load_model, resolve_checkpoint
from siamfc_plugin.core.config import preset
from siamfc_plugin.data.readers import read_sequences
from siamfc_plugin.core.frame_loop import run_sequence
from siamfc_plugin.data.images import read_frame
from siamfc_plugin.core.metrics import iou
from siamfc_plugin.backends.onnx_backend import int8_backend
from siamfc_plugin.core.tracker import SiamFCTracker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", help="default: the shipped model")
    parser.add_argument("--root", action="append", required=True, help="dataset root (repeatable)")
    parser.add_argument("--skip", default="FaceOcc1", help="comma-separated sequences to leave out (long ones)")
    parser.add_argument("--sequences", help="comma-separated sequences to keep (default: all but --skip)")
    parser.add_argument("--calibration", help="calibration sequence folder or dataset root")
    parser.add_argument("--crops", type=int, default=96, help="calibration crops")
    parser.add_argument("--variant", action="append", default=None, help="METHOD[:NODE+NODE...] (repeatable)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    model = load_model(resolve_checkpoint(args.checkpoint, None))[0]
    skip = set(args.skip.split(",")) if args.skip else set()
    keep = set(args.sequences.split(",")) if args.sequences else None
    sequences = [s for root in args.root for s in read_sequences(root)
                 if s.name not in skip and (keep is None or s.name in keep)]
    frames = {s.name: [read_frame(f) for f in s.frames] for s in sequences}
    config = preset("siamfc-3s")
    reference = SiamFCTracker(make_backend("torch", model, threads=args.threads), config, model.geometry)
    ref_runs = {s.name: run_sequence(reference, s, frames=frames[s.name]) for s in sequences}
    print(json.dumps({"reference_auc": {name: round(r.auc, 4) for name, r in ref_runs.items()}}), flush=True)
    for variant in args.variant or ["minmax"]:
        method, _, nodes = variant.partition(":")
        backend = int8_backend(model, threads=args.threads, calibration=args.calibration,
                               calibration_crops=args.crops, exclude=tuple(n for n in nodes.split("+") if n),
                               method=method)
        tracker = SiamFCTracker(backend, config, model.geometry)
        rows = {}
        for s in sequences:
            run, ref = run_sequence(tracker, s, frames=frames[s.name]), ref_runs[s.name]
            rows[s.name] = {"iou": round(float(iou(run.boxes, ref.boxes).mean()), 4),
                            "auc_delta": round(run.auc - ref.auc, 4)}
        print(json.dumps({"variant": variant, "mean_iou": round(float(np.mean([r["iou"] for r in rows.values()])), 4),
                          "mean_auc_delta": round(float(np.mean([r["auc_delta"] for r in rows.values()])), 4),
                          "sequences": rows}), flush=True)


if __name__ == "__main__":
    main()
