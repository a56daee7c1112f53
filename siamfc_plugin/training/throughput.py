"""Training throughput benchmark: pairs/s end to end, and how a step splits into data loading and compute."""
from __future__ import annotations

import time
from typing import Any

import torch

from .trainer import TrainConfig, Trainer


def measure(config_path: str, overrides: dict[str, Any] | None = None, steps: int = 20) -> dict[str, Any]:
    overrides = dict(overrides or {})
    overrides.setdefault("out_dir", "runs/bench-train")
    config = TrainConfig.from_file(config_path, overrides)
    trainer = Trainer(config)
    sampler = trainer.build_sampler()
    loader = iter(trainer.loader(sampler))
    trainer.net.train()
    data_s = compute_s = 0.0
    next(loader)  # warm-up: worker start, first allocations
    for _ in range(steps):
        t0 = time.perf_counter()
        batch = next(loader)
        t1 = time.perf_counter()
        trainer.train_step(*batch[:4])
        if trainer.device.type == "cuda":
            torch.cuda.synchronize()
        t2 = time.perf_counter()
        data_s += t1 - t0
        compute_s += t2 - t1
    pairs = steps * config.batch_size
    return {
        "arch": config.arch, "device": str(trainer.device), "batch_size": config.batch_size,
        "workers": config.workers, "threads": torch.get_num_threads(), "steps": steps,
        "pairs_per_s": pairs / (data_s + compute_s),
        "data_ms_per_pair": 1000 * data_s / pairs, "compute_ms_per_pair": 1000 * compute_s / pairs,
        "data_fraction": data_s / (data_s + compute_s),
    }
