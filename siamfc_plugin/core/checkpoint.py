"""Model checkpoints: weights plus the metadata needed to use them (architecture, tracker config, training summary).

Files are written atomically and read with torch.load(weights_only=True), so a checkpoint can never run code.
"""
from __future__ import annotations

import os
from importlib import resources
from typing import Any

import torch

from ..common.atomic import atomic_path
from .config import TrackerConfig, preset
from ..common.errors import CheckpointError
from .network import ARCHITECTURES, SiamFC

FORMAT = "siamfc-plugin-checkpoint"
FORMAT_VERSION = 1
SHIPPED_MODELS = {"alexnet-slim": "siamfc_alexnet_slim.pth", "alexnet": "siamfc_alexnet.pth"}


def shipped_model_path(arch: str = "alexnet-slim") -> str | None:
    """Path of the trained model shipped inside the package for `arch`, or None when there is none."""
    name = SHIPPED_MODELS.get(arch)
    if name is None:
        return None
    path = resources.files("siamfc_plugin") / "models" / name
    return str(path) if path.is_file() else None


def save_checkpoint(path: str | os.PathLike, model: SiamFC, tracker_config: TrackerConfig | None = None,
                    training: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> None:
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arch": model.arch,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "tracker_config": (tracker_config or TrackerConfig()).to_dict(),
        "training": dict(training or {}),
    }
    payload.update(extra or {})
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw payload, validated for format and version; CheckpointError says what is wrong with the file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated/foreign files
        raise CheckpointError(f"checkpoint {path} cannot be read (truncated, corrupt or not a torch file): "
                              f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a siamfc-plugin checkpoint (no '{FORMAT}' format tag)")
    version = payload.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(f"{path} has checkpoint format version {version}; this plugin reads {FORMAT_VERSION}")
    for key in ("arch", "state_dict", "tracker_config"):
        if key not in payload:
            raise CheckpointError(f"checkpoint {path} lacks the '{key}' entry")
    if payload["arch"] not in ARCHITECTURES:
        raise CheckpointError(f"checkpoint {path} has unknown architecture {payload['arch']!r}")
    return payload


def load_model(path: str | os.PathLike, arch: str | None = None) -> tuple[SiamFC, dict[str, Any]]:
    """(model in eval mode, payload). `arch`, when given, must match the checkpoint's."""
    payload = read_checkpoint(path)
    if arch is not None and arch != payload["arch"]:
        raise CheckpointError(f"checkpoint {os.fspath(path)} holds architecture {payload['arch']!r}, "
                              f"not the requested {arch!r}")
    model = SiamFC(payload["arch"])
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"checkpoint {os.fspath(path)} does not fit architecture {payload['arch']!r}: "
                              f"{str(exc).splitlines()[0]}") from exc
    return model.eval(), payload


def resolve_checkpoint(checkpoint: str | None, arch: str | None) -> str:
    """The checkpoint to use: the one given, else the shipped model for the architecture."""
    if checkpoint:
        return checkpoint
    path = shipped_model_path(arch or "alexnet-slim")
    if path is None:
        raise CheckpointError(f"no trained {arch or 'alexnet-slim'} model is shipped with this install; "
                              "pass --checkpoint PATH (train one with `siamfc train`)")
    return path


def build_tracker(checkpoint: str | None = None, preset_name: str = "siamfc-3s", arch: str | None = None,
                  device: str = "cpu", random_weights: bool = False, overrides: dict[str, Any] | None = None,
                  backend: str = "torch", threads: int | None = None, seed: int = 0):
    """A ready SiamFCTracker: the given or shipped checkpoint (or, for baselines only, seeded random weights)."""
    from ..backends.torch_backend import make_backend
    from .tracker import SiamFCTracker

    if random_weights:
        torch.manual_seed(seed)
        model = SiamFC(arch or "alexnet-slim")
        model.initialise()
        model.eval()
        source = f"random weights (seed {seed})"
    else:
        path = resolve_checkpoint(checkpoint, arch)
        model, _ = load_model(path, arch)
        source = path
    config = preset(preset_name, **(overrides or {}))
    tracker = SiamFCTracker(make_backend(backend, model, device=device, threads=threads), config)
    tracker.model_source = source
    tracker.arch = model.arch
    return tracker
