"""Training throughput benchmark: pairs/s end to end, and how a step splits into data loading and compute."""
from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import torch

from .trainer import TrainConfig, Trainer


def measure(config_path: str, overrides: dict[str, Any] | None = None, steps: int = 20) -> dict[str, Any]:
    overrides = dict(overrides or {})
    overrides.setdefault("out_dir", "runs/bench-train")
    return measure_config(TrainConfig.from_file(config_path, overrides), steps)


def measure_config(config: TrainConfig, steps: int = 20) -> dict[str, Any]:
    config = dataclasses.replace(config, init_checkpoint="", pairs_per_epoch=max(config.pairs_per_epoch,
                                                                                 (steps + 2) * config.batch_size))
    trainer = Trainer(config)
    sampler = trainer.build_sampler()
    loader = iter(trainer.loader(sampler))
    trainer.net.train()
    data_s = 0.0
    for _ in range(min(3, steps)):  # warm-up: worker start, first allocations, cuDNN's kernel choice
        trainer.train_step(*next(loader)[:4])
    _synchronize(trainer.device)
    started = time.perf_counter()
    for _ in range(steps):  # as in training: no wait for the GPU inside the loop
        t0 = time.perf_counter()
        batch = next(loader)
        data_s += time.perf_counter() - t0
        trainer.train_step(*batch[:4])
    _synchronize(trainer.device)
    compute_s = time.perf_counter() - started - data_s
    pairs = steps * config.batch_size
    return {
        "arch": config.arch, "device": str(trainer.device), "batch_size": config.batch_size,
        "precision": str(trainer.amp_dtype or torch.float32).replace("torch.", ""), "cpu": cpu_name(),
        "workers": config.workers, "threads": torch.get_num_threads(), "steps": steps,
        "pairs_per_s": pairs / (data_s + compute_s),
        "data_ms_per_pair": 1000 * data_s / pairs, "compute_ms_per_pair": 1000 * compute_s / pairs,
        "data_fraction": data_s / (data_s + compute_s),
    }


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def cpu_name() -> str:
    from ..common.machine import cpu_model

    return cpu_model()


def fit_to_budget(config: TrainConfig, seconds: float, steps: int = 30) -> tuple[TrainConfig, dict[str, Any]]:
    """The config with pairs_per_epoch set so that all epochs take about `seconds` at the measured rate (the data
    loading included): a run sized for the machine at hand, with the full learning-rate schedule."""
    rate = measure_config(config, steps)
    batch = config.batch_size * int(os.environ.get("WORLD_SIZE", 1))
    per_epoch = int(rate["pairs_per_s"] * seconds / config.epochs) // batch * batch
    return dataclasses.replace(config, pairs_per_epoch=max(per_epoch, batch)), rate
