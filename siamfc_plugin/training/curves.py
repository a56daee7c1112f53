"""Learning curves of training runs: against pairs seen, the loss on fixed samples of training video
pairs, training still pairs and validation-video pairs, and the one-pass AUC on the validation videos. They say
whether a longer run over-fits the training objects (training loss falls while validation loss and AUC turn), and
whether it is the video or the still pairs that stop teaching.

    siamfc curves RUN_DIR... --config TRAIN.toml --curate-config CURATE.toml --out docs/figures/curves

Each run's points are its epoch snapshots (`snapshot_every = 1`) and, for a fine-tuning run, its starting weights
(pairs seen 0). The loss samples are the same pairs for every snapshot (fixed seeds), computed in fp32 with the
network in evaluation mode, so differences between snapshots are the weights' alone.
"""
from __future__ import annotations

import glob
import json
import os
import re

import numpy as np
import torch

from ..common.atomic import write_text as atomic_write_text
from ..core.checkpoint import load_model
from .pairs import PairSampler
from .sources import SourceSpec, load_source
from .trainer import TrainConfig, balanced_logistic_loss

SETS = ("train video", "train still", "validation video")


def sample_sets(config: TrainConfig, curate_config: str | None) -> dict[str, list]:
    """{set name: tracks}: the config's curated tracks split into video and still, and the validation videos."""
    from ..core.config import dataclass_from_dict

    video, still = [], []
    for values in config.sources:
        spec = dataclass_from_dict(SourceSpec, {**values, "frames": "all", "fraction": 1.0}, "source")
        for track in load_source(spec):
            (video if len(track) > 1 else still).append(track)
    sets = {"train video": video, "train still": still}
    if curate_config:
        from .curate import read_curation, validation_sequences

        sources, _, split = read_curation(curate_config)
        sets["validation video"] = validation_sequences(sources, split)
    return {name: tracks for name, tracks in sets.items() if tracks}


@torch.no_grad()
def pair_loss(model, tracks: list, config: TrainConfig, pairs: int, seed: int = 2021, batch: int = 16) -> float:
    """Mean balanced logistic loss over `pairs` fixed pairs of `tracks` (the run's pair settings)."""
    sampler = PairSampler([(tracks, 1.0)], config.pair_config(), pairs, seed)
    losses = []
    for start in range(0, pairs, batch):
        items = [sampler.pair(0, k)[:4] for k in range(start, min(start + batch, pairs))]
        exemplar, search, labels, weights = (torch.as_tensor(np.stack(v)) for v in zip(*items))
        scores = model(exemplar.float(), search.float())
        losses.append(float(balanced_logistic_loss(scores, labels, weights)) * len(items))
    return sum(losses) / pairs


def snapshots(run_dir: str, config: TrainConfig) -> list[tuple[int, str]]:
    """(pairs seen, checkpoint) for a run: its starting weights (fine-tuning) and every epoch-NNN.pth."""
    points = [(0, config.init_checkpoint)] if config.init_checkpoint and os.path.isfile(config.init_checkpoint) else []
    for path in sorted(glob.glob(os.path.join(run_dir, "epoch-*.pth"))):
        epoch = int(re.search(r"epoch-(\d+)", path).group(1))
        points.append((epoch * config.pairs_per_epoch, path))
    return points


def run_curves(run_dirs: list[str], config: TrainConfig, curate_config: str | None, pairs: int = 128,
               auc: bool = True) -> dict:
    from ..backends.build import build_tracker
    from ..core.frame_loop import run_sequence

    sets = sample_sets(config, curate_config)
    curves: dict[str, list[dict]] = {}
    for run_dir in run_dirs:
        rows = []
        for seen, path in snapshots(run_dir, config):
            model, _ = load_model(path)
            row = {"pairs_seen": seen, "checkpoint": path}
            for name, tracks in sets.items():
                row[f"loss {name}"] = round(pair_loss(model, tracks, config, pairs), 5)
            if auc and "validation video" in sets:
                tracker = build_tracker(path, backend="torch").tracker  # the reference: AUCs comparable anywhere
                scores = [run_sequence(tracker, seq).auc for seq in sets["validation video"]]
                row["validation auc"] = round(float(np.mean(scores)), 4)
            rows.append(row)
            print(json.dumps(row), flush=True)
        curves[run_dir] = rows
    return curves


def plot_curves(curves: dict, out: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [f"loss {name}" for name in SETS] + ["validation auc"]
    present = [k for k in keys if any(k in row for rows in curves.values() for row in rows)]
    fig, axes = plt.subplots(1, len(present), figsize=(4.2 * len(present), 3.6), squeeze=False)
    for ax, key in zip(axes[0], present):
        for run_dir, rows in curves.items():
            points = [(r["pairs_seen"], r[key]) for r in rows if key in r]
            if points:
                x, y = zip(*points)
                ax.plot(x, y, marker="o", label=os.path.basename(os.path.normpath(run_dir)))
        ax.set_xlabel("training pairs seen")
        ax.set_title(key)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    written = []
    for suffix in (".png", ".pdf"):
        fig.savefig(out + suffix, dpi=120)
        written.append(out + suffix)
    plt.close(fig)
    atomic_write_text(out + ".json", json.dumps(curves, indent=1))
    return written + [out + ".json"]
