"""Training pairs/s, side by side: raw frames vs the curated folder, fp32 vs bf16, and huanglianghua/siamfc-pytorch's
training step on the same network and batch.

    python benchmarks/train_speed.py [--siamfc-pytorch DIR] [--steps 20] [--workers 0] [--json OUT.json]

Rows: `compute` is the SGD step alone on one fixed batch (network, loss, backward, update); `raw` and `curated` are
end to end (pair sampling from JPEG files, augmentation, the step). Raw frames: ../shared/data/train
(configs/train_shared_slim_long.toml); curated: .cache/curated-public (configs/train_public_*.toml). siamfc-pytorch
(a scratch export of its repository, never committed) is the final (AlexNet) network at batch 8 in fp32, fed by its
own Pair/SiamFCTransforms loader over the same GOT-10k folder. Every row names the CPU.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.training.throughput import cpu_name, measure_config  # noqa: E402
from siamfc_plugin.training.trainer import TrainConfig, Trainer  # noqa: E402

CONFIGS = {"raw": "configs/train_shared_slim_long.toml", "curated-alexnet-slim": "configs/train_public_slim.toml",
           "curated-alexnet": "configs/train_public_alexnet.toml"}


def ours(arch: str, precision: str, data: str, steps: int, workers: int, batch: int, shared: str) -> dict:
    path = CONFIGS["raw"] if data in ("raw", "compute") else CONFIGS[f"curated-{arch}"]
    overrides = {"arch": arch, "precision": precision, "workers": workers, "batch_size": batch, "init_checkpoint": "",
                 "val_root": "", "out_dir": "runs/train-speed", "threads": torch.get_num_threads()}
    config = TrainConfig.from_file(path, overrides)
    if data in ("raw", "compute"):  # the raw config's roots are relative to the repo; point them at --shared
        config = dataclasses.replace(config, sources=[dict(s, root=os.path.join(shared, "train", os.path.basename(
            os.path.normpath(s["root"])))) for s in config.sources])
    if data != "compute":
        return measure_config(config, steps)
    trainer = Trainer(config)
    batch_data = next(iter(trainer.loader(trainer.build_sampler())))[:4]
    trainer.net.train()
    for _ in range(3):
        trainer.train_step(*batch_data)
    started = time.perf_counter()
    for _ in range(steps):
        loss = trainer.train_step(*batch_data)
    float(loss)
    seconds = time.perf_counter() - started
    return {"pairs_per_s": steps * batch / seconds, "precision": str(trainer.amp_dtype or torch.float32)}


def theirs(root: str, data: str, steps: int, workers: int, batch: int, shared: str) -> dict:
    sys.path.insert(0, root)
    from got10k.datasets import GOT10k
    from siamfc.datasets import Pair
    from siamfc.siamfc import TrackerSiamFC
    from siamfc.transforms import SiamFCTransforms

    tracker = TrackerSiamFC()
    tracker.cfg = tracker.cfg._replace(batch_size=batch, num_workers=workers)
    seqs = GOT10k(os.path.join(shared, "train", "got10k"), subset="train")
    transforms = SiamFCTransforms(exemplar_sz=127, instance_sz=255, context=0.5)
    loader = torch.utils.data.DataLoader(Pair(seqs=seqs, transforms=transforms), batch_size=batch, shuffle=True,
                                         num_workers=workers, drop_last=True)
    def endless():  # its Pair dataset holds one pair per sequence per pass: 21 here, fewer than the steps
        while True:
            yield from loader

    batches = endless()
    fixed = next(batches)
    for _ in range(3):
        tracker.train_step(fixed)
    started = time.perf_counter()
    for _ in range(steps):
        tracker.train_step(fixed if data == "compute" else next(batches))
    return {"pairs_per_s": steps * batch / (time.perf_counter() - started), "precision": "float32"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--siamfc-pytorch", help="a scratch export of huanglianghua/siamfc-pytorch")
    parser.add_argument("--shared", default=os.environ.get("SIAMFC_SHARED_DATA", "../shared/data"))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = []
    for arch in ("alexnet-slim", "alexnet"):
        for data in ("compute", "raw", "curated"):
            for precision in ("fp32", "bf16"):
                if data == "curated" and not os.path.isdir(".cache/curated-public"):
                    continue
                result = ours(arch, precision, data, args.steps, args.workers, args.batch, args.shared)
                rows.append({"who": "siamfc-plugin", "arch": arch, "data": data, "precision": precision,
                             "pairs_per_s": round(result["pairs_per_s"], 2)})
                print(json.dumps(rows[-1]), flush=True)
    if args.siamfc_pytorch:
        for data in ("compute", "raw"):
            result = theirs(args.siamfc_pytorch, data, args.steps, args.workers, args.batch, args.shared)
            rows.append({"who": "siamfc-pytorch", "arch": "alexnet", "data": data, "precision": "fp32",
                         "pairs_per_s": round(result["pairs_per_s"], 2)})
            print(json.dumps(rows[-1]), flush=True)
    report = {"cpu": cpu_name(), "threads": torch.get_num_threads(), "batch": args.batch, "workers": args.workers,
              "rows": rows}
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
