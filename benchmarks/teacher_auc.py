"""The teacher's own one-pass AUC: NanoTrack v2 (training/teacher.py) on the sequences `siamfc select` scores.

    SIAMFC_SOURCES=/work/sources SIAMFC_SHARED_DATA=../shared/data \\
    python benchmarks/teacher_auc.py --teacher /work/teacher --curate-config configs/curate_public.toml \\
        --json runs/teacher-auc.json

Sequences and scoring are `siamfc select`'s (training/selection.py): the eight development sequences plus the
curation config's validation videos, each tracked once from its first box to its end with no restarts, scored by
one-pass success AUC (frames decoded once per sequence where they fit in memory). Prints the mean over the
validation videos, over the development sequences and over all, then each sequence; --json writes them.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.common.atomic import write_text  # noqa: E402
from siamfc_plugin.common.paths import check_writable  # noqa: E402
from siamfc_plugin.core.frame_loop import run_sequence  # noqa: E402
from siamfc_plugin.data.images import read_frame  # noqa: E402
from siamfc_plugin.training.selection import (FRAME_CACHE_BYTES, development_sequences,  # noqa: E402
                                              selection_sequences)
from siamfc_plugin.training.teacher import (LICENCE, SNAPSHOT, NanoTrackNet, NanoTrackParams,  # noqa: E402
                                            NanoTrackTracker)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", default=os.environ.get("SIAMFC_TEACHER", ""),
                        help="folder with the snapshot's two ONNX files (default $SIAMFC_TEACHER)")
    parser.add_argument("--shared", default=os.environ.get("SIAMFC_SHARED_DATA", "../shared/data"))
    parser.add_argument("--curate-config", default="configs/curate_public.toml",
                        help="curation config whose [validation] videos join the sequences")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime threads (default: its choice)")
    parser.add_argument("--sequences", nargs="+", metavar="NAME", help="only these (e.g. otb/Crossing): a quick check")
    parser.add_argument("--json", help="write the per-sequence AUCs and the means here")
    args = parser.parse_args()
    os.environ.setdefault("SIAMFC_SHARED_DATA", args.shared)  # what curation configs name the shared folder by
    try:  # bad inputs: a one-line usage error (exit 2) before any tracking
        if args.json:
            check_writable(args.json, "--json")
        tracker = NanoTrackTracker(NanoTrackNet(args.teacher, threads=args.threads or None))
        sequences = selection_sequences(args.shared, args.curate_config or None)
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    if args.sequences:
        unknown = sorted(set(args.sequences) - {s.name for s in sequences})
        if unknown:
            parser.error(f"--sequences: {unknown} are not among {[s.name for s in sequences]}")
        sequences = [s for s in sequences if s.name in args.sequences]
    development = {seq.name for seq in development_sequences(args.shared)}
    auc: dict[str, float] = {}
    seconds = 0.0
    for seq in tqdm(sequences, desc="teacher", unit="seq"):
        first = read_frame(seq.frames[0])
        frames = ([first] + [read_frame(f) for f in seq.frames[1:]]
                  if first.nbytes * len(seq) <= FRAME_CACHE_BYTES else None)
        started = time.perf_counter()
        auc[seq.name] = round(float(run_sequence(tracker, seq, frames=frames).auc), 4)
        seconds += time.perf_counter() - started
    groups = {"validation": [n for n in auc if n not in development], "development": sorted(development & set(auc)),
              "all": list(auc)}
    means = {group: round(float(np.mean([auc[n] for n in names])), 4) if names else None
             for group, names in groups.items()}
    counts = {group: len(names) for group, names in groups.items()}
    print("NanoTrack v2 one-pass AUC: " + "  ".join(f"{g} {m:.3f} ({counts[g]} seq)" for g, m in means.items()
                                                    if m is not None))
    for name, value in auc.items():
        print(f"  {name:32s} {value:.3f}")
    if args.json:
        write_text(args.json, json.dumps({
            "tracker": f"NanoTrack v2, {SNAPSHOT} ({LICENCE})", "params": NanoTrackParams().__dict__,
            "curate_config": args.curate_config, "sequences": [s.name for s in sequences], "auc": auc,
            "mean": means, "count": counts, "tracking_seconds": round(seconds, 1)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
