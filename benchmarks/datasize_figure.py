"""The data-size curve (issue 12) as a figure, in the spirit of the paper's Table 2: dev AUC after the same number of
training pairs with 25 %, 50 % and 100 % of the curated objects, beside the paper's EAO against its share of
ImageNet VID.

    python benchmarks/datasize_figure.py DEV_AUC.jsonl CURATION.json --out docs/figures/datasize.png \
        [--json benchmarks/2026-11-30-datasize-curve.json]

DEV_AUC.jsonl: lines written by benchmarks/dev_auc.py for checkpoints named datasize-<percent>.pth;
CURATION.json: the curated folder's curation.json (for the object counts).
"""
from __future__ import annotations

import argparse
import json
import os
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Table 2 of the paper (../shared/docs/published.md): share of ImageNet VID, objects, VOT2015 EAO
PAPER_TABLE2 = [(5, 32_000, 0.144), (10, 95_000, 0.188), (50, 430_000, 0.210), (100, 843_000, 0.244)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev_auc")
    parser.add_argument("curation")
    parser.add_argument("--out", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()
    with open(args.curation) as handle:
        objects = json.load(handle)["tracks"]
    points = {}
    with open(args.dev_auc) as handle:
        for line in handle:
            row = json.loads(line)
            match = re.fullmatch(r"datasize-(\d+)\.pth", os.path.basename(row["checkpoint"]))
            if match:
                share = int(match.group(1))
                points[share] = {"share_percent": share, "tracks": round(objects * share / 100),
                                 "dev8_auc": row["dev8"], "otb5_auc": row["otb5"], "vot3_auc": row["vot3"]}
    if not points:
        raise SystemExit(f"{args.dev_auc}: no datasize-<percent>.pth rows")
    curve = [points[k] for k in sorted(points)]
    fig, (ours, paper) = plt.subplots(1, 2, figsize=(9, 3.4))
    for key, label in (("dev8_auc", "dev-8"), ("otb5_auc", "OTB-5"), ("vot3_auc", "VOT-3")):
        ours.plot([p["tracks"] for p in curve], [p[key] for p in curve], "o-", label=label)
    ours.set_xscale("log")
    ours.set_xlabel("curated tracks (objects) in training")
    ours.set_ylabel("one-pass AUC")
    ours.set_title("this package: slim net, 20,000 pairs each", fontsize=9)
    ours.legend(fontsize=8)
    ours.grid(alpha=0.3)
    paper.plot([o for _, o, _ in PAPER_TABLE2], [e for _, _, e in PAPER_TABLE2], "s-", color="grey")
    for share, obj, eao in PAPER_TABLE2:
        paper.annotate(f"{share} %", (obj, eao), textcoords="offset points", xytext=(4, -10), fontsize=8)
    paper.set_xscale("log")
    paper.set_xlabel("ImageNet VID object frames")
    paper.set_ylabel("VOT2015 EAO")
    paper.set_title("published: SiamFC Table 2 (AlexNet)", fontsize=9)
    paper.grid(alpha=0.3)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=120)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"pairs_per_point": 20_000, "arch": "alexnet-slim", "curve": curve,
                       "paper_table2": [{"share_percent": s, "objects": o, "eao": e} for s, o, e in PAPER_TABLE2]},
                      handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
