"""One-pass AUC of the OpenCV peers on `siamfc select`'s sequences (the 8 development sequences plus the curation
config's validation videos), with the same scorer and the same first-box initialisation, so that the model card's
CSRT row sits beside the SiamFC rows on the very sequences they were compared on.

    python benchmarks/peer_selection_auc.py --peer CSRT --curate-config configs/curate_public.toml --json OUT.json

KCF and CSRT need opencv-contrib-python (see .ci/run for the side environment that has it).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.core.frame_loop import run_sequence  # noqa: E402
from siamfc_plugin.core.peers import make_peer, peer_unavailable_reason  # noqa: E402
from siamfc_plugin.training.selection import selection_sequences  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", action="append", default=[], help="peer name (repeatable; default CSRT)")
    parser.add_argument("--shared", default=os.environ.get("SIAMFC_SHARED_DATA", "../shared/data"))
    parser.add_argument("--curate-config", help="curation config whose [validation] videos join the sequences")
    parser.add_argument("--json", help="write {peer: {sequence: AUC}} here")
    args = parser.parse_args()
    peers = args.peer or ["CSRT"]
    for name in peers:
        reason = peer_unavailable_reason(name)
        if reason:
            print(f"{name}: {reason}", file=sys.stderr)
            return 2
    os.environ.setdefault("SIAMFC_SHARED_DATA", args.shared)
    sequences = selection_sequences(args.shared, args.curate_config)
    scores = {name: {} for name in peers}
    for seq in tqdm(sequences, desc="peers", unit="seq"):
        for name in peers:
            scores[name][seq.name] = float(run_sequence(make_peer(name), seq).auc)
    for name, per in scores.items():
        dev = [v for k, v in per.items() if k.startswith(("otb/", "vot/"))]
        val = [v for k, v in per.items() if not k.startswith(("otb/", "vot/"))]
        print(f"{name}: mean AUC {np.mean(list(per.values())):.3f} over {len(per)} sequences; "
              f"{len(dev)} development {np.mean(dev):.3f}, {len(val)} validation {np.mean(val) if val else float('nan'):.3f}")
        for seq, auc in per.items():
            print(f"  {seq:28s} {auc:.3f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"sequences": [s.name for s in sequences], "auc": scores}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
