"""The data-size curve of issue 12 (dev-8 AUC after 20,000 pairs with 25 %, 50 % and 100 % of the curated objects)
as the leaderboard's data-size curve file, and its figure beside the paper's Table 2.

    python benchmarks/datasize_curve.py DEV_AUC.jsonl CURATION.json --json docs/figures/datasize_curve.json \
        --png docs/figures/datasize.png

DEV_AUC.jsonl: lines of benchmarks/dev_auc.py for checkpoints named datasize-<percent>.pth; CURATION.json: the
curated folder's curation.json (object counts). The JSON is what `python -m analysis report --datasize-curve` reads.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from analysis import figures, tables


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev_auc")
    parser.add_argument("curation")
    parser.add_argument("--json", required=True)
    parser.add_argument("--png", required=True)
    args = parser.parse_args()
    with open(args.curation) as handle:
        tracks = json.load(handle)["tracks"]
    points = {}
    with open(args.dev_auc) as handle:
        for line in handle:
            row = json.loads(line)
            match = re.fullmatch(r"datasize-(\d+)\.pth", os.path.basename(row["checkpoint"]))
            if match:
                share = int(match.group(1)) / 100
                points[share] = {"fraction": share, "auc": row["dev8"], "objects": round(tracks * share),
                                 "otb5_auc": row["otb5"], "vot3_auc": row["vot3"]}
    if not points:
        raise SystemExit(f"{args.dev_auc}: no rows for datasize-<percent>.pth checkpoints")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as handle:
        json.dump({"label": "slim net, 20,000 pairs each (dev-8 one-pass AUC)",
                   "points": [points[k] for k in sorted(points)]}, handle, indent=1)
    figures.datasize_plot(tables.published_datasize(), args.png, tables.read_datasize_curve(args.json))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
