"""The selection rule of issue 12: one-pass AUC of checkpoints on the eight dev sequences (OTB-5 and VOT-3), whole.

    python benchmarks/dev_auc.py CHECKPOINT... [--preset siamfc-3s] [--shared ../shared/data] [--json OUT.json]

Each sequence is initialised on its first ground-truth box and tracked to its end with no restarts (the OTB
protocol), frames decoded once and shared by all checkpoints. Prints one row per checkpoint: the mean over OTB-5,
over VOT-3 and over all eight, then each sequence.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.backends.build import build_tracker  # noqa: E402
from siamfc_plugin.core.frame_loop import run_sequence  # noqa: E402
from siamfc_plugin.data.images import read_frame  # noqa: E402
from siamfc_plugin.data.readers import read_sequences  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--preset", default="siamfc-3s")
    parser.add_argument("--shared", default=os.environ.get("SIAMFC_SHARED_DATA", "../shared/data"))
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", help="append one JSON line per checkpoint here")
    args = parser.parse_args()
    groups = {"otb": read_sequences(os.path.join(args.shared, "eval", "otb")),
              "vot": read_sequences(os.path.join(args.shared, "eval", "vot"))}
    frames = {seq.name: [read_frame(f) for f in seq.frames] for seq in groups["otb"] + groups["vot"]}
    for path in args.checkpoints:
        tracker = build_tracker(path, preset=args.preset, threads=args.threads or None, backend="torch").tracker
        row = {"checkpoint": path, "preset": args.preset, "auc": {}}
        for group, sequences in groups.items():
            for seq in tqdm(sequences, desc=os.path.basename(path), leave=False):
                row["auc"][seq.name] = round(run_sequence(tracker, seq, frames=frames[seq.name]).auc, 4)
        otb = [row["auc"][s.name] for s in groups["otb"]]
        vot = [row["auc"][s.name] for s in groups["vot"]]
        row.update(otb5=round(float(np.mean(otb)), 4), vot3=round(float(np.mean(vot)), 4),
                   dev8=round(float(np.mean(otb + vot)), 4))
        print(f"{os.path.basename(path):28s} dev8 {row['dev8']:.3f}  otb5 {row['otb5']:.3f}  vot3 {row['vot3']:.3f}  "
              + " ".join(f"{k} {v:.3f}" for k, v in row["auc"].items()), flush=True)
        if args.json:
            with open(args.json, "a") as handle:
                handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
