"""The SiamFC trainer: balanced logistic loss, SGD with a geometric learning-rate decay, per-epoch validation with
the real tracker, atomic checkpoints every epoch, exact resume. Runs on CPU, CUDA (mixed precision) and under
torchrun (DistributedDataParallel).
"""
from __future__ import annotations

import csv
import dataclasses
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..backends.torch_backend import TorchBackend
from ..common.errors import FrameReadError
from ..core.checkpoint import read_checkpoint, save_checkpoint
from ..core.config import ConfigError, dataclass_from_dict, preset
from ..core.geometry import Geometry
from ..data.readers import read_sequences
from ..core.frame_loop import run_sequence
from ..core.network import SiamFC, arch_spec
from ..core.tracker import SiamFCTracker
from .pairs import PairConfig, PairSampler, RunPairs, response_offsets
from .sources import SourceSpec, load_source
from .teacher import TeacherCollate, TeacherSpec, teacher_files

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    arch: str = "alexnet-slim"
    sources: list[dict[str, Any]] = field(default_factory=list)  # SourceSpec fields: kind, root, weight, ...
    pairs: dict[str, Any] = field(default_factory=dict)  # PairConfig overrides
    teacher: dict[str, Any] = field(default_factory=dict)  # TeacherSpec: soft targets from NanoTrack v2 (off: {})
    epochs: int = 50
    pairs_per_epoch: int = 50_000
    batch_size: int = 8
    lr_start: float = 1e-2
    lr_end: float = 1e-5
    momentum: float = 0.9
    weight_decay: float = 5e-4
    seed: int = 0
    workers: int = 0
    device: str = "auto"  # auto: CUDA when present
    amp: bool = True  # False: fp32 everywhere, whatever `precision` says (configs from before `precision`)
    precision: str = "auto"  # auto | fp32 | bf16 | fp16; auto: bf16 on CUDA and on CPUs with AVX-512 BF16 or AMX
    threads: int = 0  # torch CPU threads, 0 = torch's default
    val_root: str = ""  # OTB/VOT/GOT-10k folder for one-pass validation AUC every epoch
    val_max_frames: int = 0  # 0 = whole sequences
    val_every: int = 1
    val_preset: str = "siamfc-3s"
    out_dir: str = "runs/train"
    init_checkpoint: str = ""  # start from these weights (fine-tuning); the optimiser and schedule start fresh
    log_every: int = 10
    snapshot_every: int = 0  # also keep the weights of every N-th epoch as epoch-NNN.pth (0: only last and best)
    max_unreadable_fraction: float = 0.05  # of an epoch's pairs; more unreadable frames than that stops training

    def __post_init__(self) -> None:
        arch_spec(self.arch)
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            raise ConfigError(f"train config: precision must be auto, fp32, bf16 or fp16, got {self.precision!r}")
        if self.snapshot_every < 0:
            raise ConfigError(f"train config: snapshot_every must be >= 0, got {self.snapshot_every}")
        positive = ("epochs", "pairs_per_epoch", "batch_size", "val_every", "log_every")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"train config: {name} must be >= 1, got {getattr(self, name)}")
        if not (0 < self.lr_end <= self.lr_start):
            raise ConfigError(f"train config: need 0 < lr_end <= lr_start, got {self.lr_start}, {self.lr_end}")
        if not self.sources:
            raise ConfigError("train config: no data sources (add [[sources]] kind/root/weight entries)")
        for spec in self.sources:
            dataclass_from_dict(SourceSpec, spec, "source")
        self.pair_config()
        self.teacher_spec()

    def pair_config(self) -> PairConfig:
        return dataclass_from_dict(PairConfig, self.pairs, "pairs")

    def teacher_spec(self) -> TeacherSpec:
        return dataclass_from_dict(TeacherSpec, self.teacher, "teacher")

    @classmethod
    def from_file(cls, path: str, overrides: dict[str, Any] | None = None) -> "TrainConfig":
        """TOML or JSON file, then overrides like {'epochs': 2, 'pairs.negative_prob': 0.1}."""
        with open(path, "rb") as handle:
            if path.endswith(".json"):
                values = json.load(handle)
            else:
                values = _toml().load(handle)
        return cls.from_dict(values, overrides)

    @classmethod
    def from_dict(cls, values: dict[str, Any], overrides: dict[str, Any] | None = None) -> "TrainConfig":
        values = {k: (dict(v) if isinstance(v, dict) else v) for k, v in values.items()}
        for key, value in (overrides or {}).items():
            table, dot, name = key.partition(".")
            if dot and table in ("pairs", "teacher"):
                values.setdefault(table, {})[name] = value
            else:
                values[key] = value
        return dataclass_from_dict(cls, values, "train config")


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


def cpu_has_fast_bf16() -> bool:
    """AVX-512 BF16 or AMX. Measured on a 2-core AMD EPYC (Zen 4, AVX-512 BF16, no AMX), unloaded, batch 8: bf16
    training steps 1.4x (slim net) and 1.7x (final net) faster than fp32 (benchmarks/train_speed.py; the same
    measurement under a load average of 15 had said the opposite for the slim net)."""
    from ..common.machine import has_fast_bf16

    return has_fast_bf16()


def autocast_dtype(config: TrainConfig, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for the convolutions (None: fp32). BatchNorm and the loss always run in fp32."""
    wanted = config.precision if config.amp else "fp32"
    if wanted == "auto":
        if device.type == "cuda":
            wanted = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        else:
            wanted = "bf16" if device.type == "cpu" and cpu_has_fast_bf16() else "fp32"
    if wanted == "fp16" and device.type != "cuda":
        raise ConfigError("train config: precision fp16 needs CUDA (use bf16 on a CPU)")
    return {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[wanted]


def lr_at(step: int, total: int, start: float, end: float) -> float:
    """Geometric decay from start (first step) to end (last step)."""
    return start * (end / start) ** (step / max(total - 1, 1))


def balanced_logistic_loss(scores: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """sum over the map of w * log(1 + exp(-y v)), averaged over the batch (weights sum to 1 per map).

    Labels between -1 and +1 are soft targets (the teacher's, training/teacher.py): with p = (y + 1) / 2 the term is
    the cross-entropy p log(1 + exp(-v)) + (1 - p) log(1 + exp(v)), which for y = +-1 is the paper's term to the
    last bit (p is exactly 1 or 0)."""
    scores = scores.float()
    target = (labels + 1) / 2
    per_position = target * F.softplus(-scores) + (1 - target) * F.softplus(scores)
    return (weights * per_position).sum() / scores.shape[0]


class Trainer:
    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.rank = int(os.environ.get("RANK", 0))
        self.world = int(os.environ.get("WORLD_SIZE", 1))
        self.device = self._device()
        if self.world > 1 and not torch.distributed.is_initialized():
            torch.distributed.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.model = SiamFC(config.arch, Geometry.of(config.pair_config()))
        self.model.initialise()
        if config.init_checkpoint:
            init = read_checkpoint(config.init_checkpoint)
            if init["arch"] != config.arch:
                raise ConfigError(f"init_checkpoint {config.init_checkpoint} is {init['arch']!r}, not {config.arch!r}")
            self.model.load_state_dict(init["state_dict"])
        self.model.to(self.device)
        # channels-last on the CPU: oneDNN's convolutions (forward and backward) run about 1.25x faster on NHWC
        # (AMD EPYC, AVX512-BF16: slim and final net, fp32 and bf16); the weights and checkpoints are the same numbers
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        self.teacher = config.teacher_spec()
        if self.teacher.weight > 0:
            teacher_files(self.teacher.folder)  # missing or other files: a clear error before any work
        self.model.to(memory_format=self.memory_format)
        self.net = self.model
        if self.world > 1:
            self.net = torch.nn.parallel.DistributedDataParallel(self.model)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=config.lr_start, momentum=config.momentum,
                                         weight_decay=config.weight_decay)
        self.amp_dtype = autocast_dtype(config, self.device)
        # fp16 needs loss scaling; bf16 has fp32's exponent range and does not
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.amp_dtype == torch.float16)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed input sizes: let cuDNN pick the fastest kernels once
        self.epoch = 0
        self.step = 0
        self.best_auc = -1.0
        self.history: list[dict[str, Any]] = []
        self.wall_seconds = 0.0
        os.makedirs(config.out_dir, exist_ok=True)
        self.last_path = os.path.join(config.out_dir, "last.pth")
        self.best_path = os.path.join(config.out_dir, "best.pth")

    def _device(self) -> torch.device:
        wanted = self.config.device
        if wanted == "auto":
            wanted = "cuda" if torch.cuda.is_available() else "cpu"
        if wanted == "cuda" and self.world > 1:
            local = int(os.environ.get("LOCAL_RANK", 0))
            torch.cuda.set_device(local)
            return torch.device("cuda", local)
        return torch.device(wanted)

    # ---- data --------------------------------------------------------------------------------------------------
    def build_sampler(self) -> PairSampler:
        sources = []
        for values in self.config.sources:
            spec = dataclass_from_dict(SourceSpec, values, "source")
            tracks = load_source(spec)
            log.info("source %s %s: %d tracks, %d visible frames", spec.kind, spec.root, len(tracks),
                     sum(int(t.visible.sum()) for t in tracks))
            sources.append((tracks, spec.weight))
        return PairSampler(sources, self.config.pair_config(), self.config.pairs_per_epoch, self.config.seed)

    def steps_per_epoch(self) -> int:
        steps = self.config.pairs_per_epoch // (self.config.batch_size * self.world)
        if steps < 1:
            raise ConfigError("pairs_per_epoch is smaller than one batch")
        return steps

    def loader(self, sampler: PairSampler, first_epoch: int = 0) -> DataLoader:
        """Batches of every epoch from first_epoch on, in order; each rank its own slice of an epoch's pairs.

        One loader for the whole run: starting loader workers every epoch cost seconds per epoch on a GPU."""
        per_epoch = list(range(self.rank, len(sampler), self.world))[: self.steps_per_epoch() * self.config.batch_size]
        workers = self.config.workers
        collate = None
        if self.teacher.weight > 0:  # soft targets: the teacher runs on each batch where it is assembled
            pairs = sampler.config
            collate = TeacherCollate(self.teacher, response_offsets(pairs.response_size, pairs.total_stride))
        return DataLoader(RunPairs(sampler, per_epoch, first_epoch, self.config.epochs),
                          batch_size=self.config.batch_size, shuffle=False, num_workers=workers, collate_fn=collate,
                          prefetch_factor=4 if workers else None, pin_memory=self.device.type == "cuda",
                          worker_init_fn=_single_threaded if workers else None,
                          # spawned, not forked: a worker forked while OpenCV's (or OpenMP's) thread pool runs in
                          # this process inherits the pool without its threads and hangs in the first call that
                          # joins them (cv2.setNumThreads below did, for ever)
                          multiprocessing_context="spawn" if workers else None)

    # ---- state -------------------------------------------------------------------------------------------------
    def save_state(self) -> None:
        if self.rank != 0:
            return
        save_checkpoint(self.last_path, self.model, preset(self.config.val_preset), self.summary(), extra={
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "best_auc": self.best_auc,
            "history": self.history,
            "train_config": dataclasses.asdict(self.config),
        })

    def resume(self, path: str | None = None) -> bool:
        path = path or self.last_path
        if not os.path.isfile(path):
            return False
        payload = read_checkpoint(path)
        if payload["arch"] != self.config.arch:
            raise ConfigError(f"cannot resume {path}: it trains {payload['arch']!r}, the config {self.config.arch!r}")
        self.model.load_state_dict(payload["state_dict"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scaler.load_state_dict(payload["scaler"])
        self.epoch, self.step = int(payload["epoch"]), int(payload["step"])
        self.best_auc = float(payload["best_auc"])
        self.history = list(payload["history"])
        self.wall_seconds = float(payload["training"].get("wall_seconds", 0.0))
        log.info("resumed from %s at epoch %d (step %d)", path, self.epoch, self.step)
        return True

    def summary(self) -> dict[str, Any]:
        return {
            "arch": self.config.arch,
            "epochs_done": self.epoch,
            "pairs_seen": self.step * self.config.batch_size * self.world,
            "best_val_auc": self.best_auc,
            "wall_seconds": self.wall_seconds,
            "device": str(self.device),
            "sources": [dict(s) for s in self.config.sources],
            "history": self.history,
        }

    # ---- loop --------------------------------------------------------------------------------------------------
    def fit(self) -> dict[str, Any]:
        cfg = self.config
        sampler = self.build_sampler()
        steps_per_epoch = self.steps_per_epoch()
        total = steps_per_epoch * cfg.epochs
        val_sequences = self.validation_sequences()
        csv_path = os.path.join(cfg.out_dir, "log.csv")
        writer = _tensorboard(cfg.out_dir) if self.rank == 0 else None
        batches = iter(self.loader(sampler, self.epoch)) if self.epoch < cfg.epochs else None
        while self.epoch < cfg.epochs:
            self.net.train()
            started = time.perf_counter()
            losses = []
            skipped = 0
            bar = tqdm(range(steps_per_epoch), desc=f"epoch {self.epoch + 1}/{cfg.epochs}",
                       disable=self.rank != 0, file=sys.stderr, dynamic_ncols=True)
            for _ in bar:
                exemplar, search, labels, weights, unreadable = next(batches)
                skipped += int(unreadable.sum())
                lr = lr_at(self.step, total, cfg.lr_start, cfg.lr_end)
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                losses.append(self.train_step(exemplar, search, labels, weights))
                self.step += 1
                if self.step % cfg.log_every == 0:
                    recent = self.check_losses(losses[-cfg.log_every:])
                    if self.rank == 0:
                        bar.set_postfix(loss=f"{recent:.4f}", lr=f"{lr:.2e}")
                        _append_csv(csv_path, {"epoch": self.epoch + 1, "step": self.step, "loss": recent, "lr": lr})
                        if writer:
                            writer.add_scalar("loss", recent, self.step)
                            writer.add_scalar("lr", lr, self.step)
            self.epoch += 1
            self.wall_seconds += time.perf_counter() - started
            record = {"epoch": self.epoch, "train_loss": self.check_losses(losses) if losses else float("nan"),
                      "lr": lr_at(self.step - 1, total, cfg.lr_start, cfg.lr_end),
                      "seconds": time.perf_counter() - started, "unreadable_frames": skipped}
            if skipped:
                log.warning("epoch %d: %d unreadable frames skipped", self.epoch, skipped)
            if skipped > cfg.max_unreadable_fraction * cfg.pairs_per_epoch:
                raise FrameReadError(f"{skipped} unreadable frames in epoch {self.epoch} (more than "
                                   f"{cfg.max_unreadable_fraction:.0%} of {cfg.pairs_per_epoch} pairs): check the data")
            if val_sequences and (self.epoch % cfg.val_every == 0 or self.epoch == cfg.epochs):
                record.update(self.validate(val_sequences))
                if writer:
                    writer.add_scalar("val_auc", record["val_auc"], self.epoch)
            self.history.append(record)
            log.info("epoch %d: %s", self.epoch, json.dumps(record))
            if self.rank == 0:
                _append_csv(os.path.join(cfg.out_dir, "epochs.csv"),
                            {k: v for k, v in record.items() if not isinstance(v, dict)})
                self.save_epoch(record)
        if writer:
            writer.close()
        return self.summary()

    def save_epoch(self, record: dict[str, Any]) -> None:
        """The checkpoint policy, once per epoch: best.pth when this epoch was validated and beat every earlier one
        (a run without validation writes none: its weights are last.pth and the snapshots); epoch-NNN.pth every
        snapshot_every epochs; last.pth, the full state for --resume, always and last."""
        cfg = self.config
        if record.get("val_auc", -1.0) > self.best_auc:
            self.best_auc = record["val_auc"]
            # best.pth was chosen on the validation sequences: `siamfc select` leaves them out of its comparisons
            save_checkpoint(self.best_path, self.model, preset(cfg.val_preset), self.summary(),
                            extra={"selected_on": sorted(record.get("val_auc_per_sequence", {}))})
        if cfg.snapshot_every and self.epoch % cfg.snapshot_every == 0:
            save_checkpoint(os.path.join(cfg.out_dir, f"epoch-{self.epoch:03d}.pth"), self.model,
                            preset(cfg.val_preset), self.summary())
        self.save_state()

    def train_step(self, exemplar, search, labels, weights) -> torch.Tensor:
        """One SGD step; returns the loss as a tensor on the device (reading it would wait for the GPU each step:
        the caller reads losses every log_every steps)."""
        dev = self.device
        exemplar = exemplar.to(dev, non_blocking=True).float().contiguous(memory_format=self.memory_format)
        search = search.to(dev, non_blocking=True).float().contiguous(memory_format=self.memory_format)
        labels, weights = labels.to(dev, non_blocking=True), weights.to(dev, non_blocking=True)
        with torch.autocast(dev.type, dtype=self.amp_dtype or torch.float32, enabled=self.amp_dtype is not None):
            scores = self.net(exemplar, search)
        loss = balanced_logistic_loss(scores, labels, weights)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        return loss.detach()

    def check_losses(self, losses: list[torch.Tensor]) -> float:
        """Mean of the given step losses; a non-finite one stops training with advice."""
        values = torch.stack(losses).float().cpu()
        if not torch.isfinite(values).all():
            raise FloatingPointError(f"training loss became {values.tolist()} around step {self.step}; lower lr_start")
        return float(values.mean())

    def validation_sequences(self):
        if not self.config.val_root or self.rank != 0:
            return []
        return read_sequences(self.config.val_root)

    def validate(self, sequences) -> dict[str, Any]:
        self.model.eval()
        tracker = SiamFCTracker(TorchBackend.from_model(self.model, str(self.device)), preset(self.config.val_preset),
                                self.model.geometry)
        max_frames = self.config.val_max_frames or None
        per_sequence = {seq.name: round(run_sequence(tracker, seq, max_frames).auc, 4) for seq in sequences}
        self.model.train()
        return {"val_auc": float(np.mean(list(per_sequence.values()))), "val_auc_per_sequence": per_sequence}


def _single_threaded(_worker_id: int) -> None:
    """Loader workers run one thread each: OpenCV and torch would otherwise each start a thread per core in every
    worker, and N workers x N threads starve the main process that feeds the GPU (measured on a 16-core GPU host:
    13 ms per slim-net step, data already waiting)."""
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def _append_csv(path: str, row: dict[str, Any]) -> None:
    new = not os.path.isfile(path)
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


def _tensorboard(folder: str):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:  # tensorboard is optional
        return None
    return SummaryWriter(os.path.join(folder, "tb"))


def train(config: TrainConfig, resume: bool = False) -> dict[str, Any]:
    trainer = Trainer(config)
    if resume:
        trainer.resume()
    summary = trainer.fit()
    if trainer.best_auc >= 0:  # validation ran (best_auc starts at -1)
        log.info("best validation AUC %.4f -> %s", trainer.best_auc, trainer.best_path)
    return summary
