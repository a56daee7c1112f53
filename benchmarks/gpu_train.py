"""One prepared training run for a GPU machine (issue 12): the data-size curve and the two long runs, each sized to a
wall-clock budget, with per-epoch snapshots copied out as they finish.

    python benchmarks/gpu_train.py --out OUT [--slim-seconds 150] [--alexnet-seconds 190] [--quick]

Run from the repository root, with the curated folder at .cache/curated-public (`siamfc curate --config
configs/curate_public.toml --out .cache/curated-public`). Needs torch, numpy, opencv and tqdm only (no toolkits), so
it runs on a bare GPU image with this repository on PYTHONPATH. `--quick` is a CPU smoke test of the whole script.

Phases (each one's failure is logged and the next still runs):
1. data size: slim net, 20,000 pairs each, with 25 %, 50 % and 100 % of the objects (tracks drawn with a fixed seed,
   each subset inside the next) -> OUT/datasize.tar; the same with no semantic negatives and with no negatives at
   all -> OUT/ablation.tar
2. slim net, the paper's 50-epoch schedule, pairs_per_epoch sized so that the run takes --slim-seconds
   -> OUT/slim.tar (the last four snapshots)
3. final (AlexNet) net, likewise -> OUT/alexnet-<epoch>.pth (the last two snapshots, one file each: the tool's
   16 MiB per-file limit)
OUT/train.json collects the measured throughput, the pairs per epoch and each run's history.
"""
from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import shutil
import sys
import tarfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.training.throughput import fit_to_budget  # noqa: E402
from siamfc_plugin.training.trainer import TrainConfig, train  # noqa: E402


def with_fraction(config: TrainConfig, fraction: float) -> TrainConfig:
    sources = [dict(source, fraction=fraction) for source in config.sources]
    return dataclasses.replace(config, sources=sources)


def phase(name: str, report: dict, function) -> None:
    started = time.time()
    print(f"== {name}", flush=True)
    try:
        report[name] = function()
    except Exception as exc:  # keep going: later phases are worth having on their own
        traceback.print_exc()
        report[name] = {"error": f"{type(exc).__name__}: {exc}"}
    report[name] = dict(report[name], seconds=round(time.time() - started, 1))
    print(f"== {name} done in {time.time() - started:.0f} s", flush=True)


def snapshots(out_dir: str) -> list[str]:
    return sorted(glob.glob(os.path.join(out_dir, "epoch-*.pth")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--slim-seconds", type=float, default=150)
    parser.add_argument("--alexnet-seconds", type=float, default=190)
    parser.add_argument("--datasize-pairs", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    parser.add_argument("--quick", action="store_true", help="CPU smoke test: tiny runs")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    report: dict = {}
    common = {"workers": args.workers, "val_root": "", "log_every": 50}
    if args.quick:
        common.update(epochs=2, batch_size=4, workers=min(args.workers, 2))

    def short_runs(name: str, variants: list[tuple[str, float, dict]]):
        """Slim runs of --datasize-pairs pairs each (5 epochs of the paper's schedule, compressed)."""
        rows = []
        base = TrainConfig.from_file("configs/train_public_slim.toml", common)
        epochs = 2 if args.quick else 5
        pairs = 16 if args.quick else args.datasize_pairs
        for label, fraction, pair_overrides in variants:
            out_dir = f"runs/{name}-{label}"
            config = dataclasses.replace(with_fraction(base, fraction), epochs=epochs, out_dir=out_dir,
                                         pairs_per_epoch=pairs // epochs, snapshot_every=epochs,
                                         pairs=dict(base.pairs, **pair_overrides))
            summary = train(config)
            rows.append({"label": label, "fraction": fraction, "pairs_overrides": pair_overrides,
                         "pairs": summary["pairs_seen"], "wall_seconds": summary["wall_seconds"],
                         "history": summary["history"]})
        with tarfile.open(os.path.join(args.out, f"{name}.tar"), "w") as tar:
            for row in rows:
                tar.add(f"runs/{name}-{row['label']}/epoch-{epochs:03d}.pth", arcname=f"{name}-{row['label']}.pth")
        return {"runs": rows}

    def datasize():  # the share of the objects (the paper's Table 2, in small)
        return short_runs("datasize", [("25", 0.25, {}), ("50", 0.5, {}), ("100", 1.0, {})])

    def ablation():  # what the negatives bring, at the same 20,000 pairs and all objects
        return short_runs("ablation", [("no-semantic", 1.0, {"semantic_negatives": 0.0}),
                                       ("no-negatives", 1.0, {"negative_prob": 0.0})])

    def long_run(config_path: str, seconds: float, keep: int):
        config = TrainConfig.from_file(config_path, dict(common, snapshot_every=1 if args.quick else 5))
        config, rate = fit_to_budget(config, seconds, steps=5 if args.quick else 40)
        print(json.dumps({"measured": rate, "pairs_per_epoch": config.pairs_per_epoch}), flush=True)
        summary = train(config)
        kept = snapshots(config.out_dir)[-keep:]
        return {"measured": rate, "pairs_per_epoch": config.pairs_per_epoch, "summary": summary,
                "snapshots": [os.path.basename(p) for p in kept], "out_dir": config.out_dir}

    def slim():
        result = long_run("configs/train_public_slim.toml", 30 if args.quick else args.slim_seconds, keep=4)
        with tarfile.open(os.path.join(args.out, "slim.tar"), "w") as tar:
            for name in result["snapshots"]:
                tar.add(os.path.join(result["out_dir"], name), arcname=f"slim-{name}")
        return result

    def alexnet():
        result = long_run("configs/train_public_alexnet.toml", 30 if args.quick else args.alexnet_seconds, keep=2)
        for name in result["snapshots"]:
            shutil.copy(os.path.join(result["out_dir"], name), os.path.join(args.out, f"alexnet-{name}"))
        return result

    for name, function in (("datasize", datasize), ("ablation", ablation), ("slim", slim), ("alexnet", alexnet)):
        phase(name, report, function)
        with open(os.path.join(args.out, "train.json"), "w") as handle:
            json.dump(report, handle, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
