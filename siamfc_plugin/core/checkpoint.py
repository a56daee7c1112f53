"""Model checkpoints: weights plus the metadata needed to use them (architecture, geometry, tracker config, training
summary).

Files are written atomically and read with torch.load(weights_only=True), so a checkpoint can never run code.
"""
from __future__ import annotations

import os
from typing import Any

import torch

from ..common.atomic import atomic_path
from ..common.errors import CheckpointError, ConfigError
from ..models import shipped_model_path
from .config import TrackerConfig
from .geometry import GEOMETRY_FIELDS, Geometry
from .network import ARCHITECTURES, SiamFC

FORMAT = "siamfc-plugin-checkpoint"
# 2: the geometry has its own entry. Version 1 kept it inside tracker_config; read_checkpoint migrates it.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


def save_checkpoint(path: str | os.PathLike, model: SiamFC, tracker_config: TrackerConfig | None = None,
                    training: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> None:
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arch": model.arch,
        "geometry": model.geometry.to_dict(),
        # contiguous: the trainer keeps the CPU model channels-last; a checkpoint's tensors do not depend on that
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        "tracker_config": (tracker_config or TrackerConfig()).to_dict(),
        "training": dict(training or {}),
    }
    payload.update(extra or {})
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def require_checkpoint_file(path: str | os.PathLike) -> None:
    """CheckpointError when there is no file at `path` (commands check it before slower checks of their inputs)."""
    if not os.path.isfile(os.fspath(path)):
        raise CheckpointError(f"checkpoint not found: {os.fspath(path)}")


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw payload, validated for format and version; CheckpointError says what is wrong with the file."""
    path = os.fspath(path)
    require_checkpoint_file(path)
    with open(path, "rb") as handle:
        head = handle.read(32)
    if head.startswith(b"MATLAB 5.0 MAT-file"):  # a published MatConvNet net, converted on the fly (core/weights.py)
        from .weights import imported_payload

        return imported_payload(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated/foreign files
        # not torch's message: for a foreign file it advises weights_only=False, i.e. running the file's code
        raise CheckpointError(f"checkpoint {path} cannot be read (truncated, corrupt or not a torch file; "
                              f"{type(exc).__name__})") from exc
    if isinstance(payload, dict) and "format" not in payload:
        from .weights import imported_payload, is_published_state_dict

        if is_published_state_dict(payload):  # siamfc-pytorch or got-10k/siamfc weights, converted on the fly
            return imported_payload(path, payload)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a siamfc-plugin checkpoint (no '{FORMAT}' format tag)")
    version = payload.get("format_version")
    if version not in READABLE_VERSIONS:
        raise CheckpointError(f"{path} has checkpoint format version {version}; this plugin reads "
                              f"{', '.join(map(str, READABLE_VERSIONS))}")
    for key in ("arch", "state_dict", "tracker_config"):
        if key not in payload:
            raise CheckpointError(f"checkpoint {path} lacks the '{key}' entry")
    if payload["arch"] not in ARCHITECTURES:
        raise CheckpointError(f"checkpoint {path} has unknown architecture {payload['arch']!r}")
    if version == 1:  # the geometry lived in tracker_config, whose defaults were the paper's geometry
        config = dict(payload["tracker_config"])
        payload["geometry"] = {name: config.pop(name) for name in GEOMETRY_FIELDS if name in config}
        payload["tracker_config"] = config
    try:  # stays a plain dict, so that a payload can be saved again under weights_only
        payload["geometry"] = Geometry.from_dict(payload.get("geometry", {})).to_dict()
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint {path}: {exc}") from None
    return payload


def load_model(path: str | os.PathLike, arch: str | None = None) -> tuple[SiamFC, dict[str, Any]]:
    """(model in eval mode, at the checkpoint's geometry; payload). `arch`, when given, must match the checkpoint's."""
    payload = read_checkpoint(path)
    if arch is not None and arch != payload["arch"]:
        raise CheckpointError(f"checkpoint {os.fspath(path)} holds architecture {payload['arch']!r}, "
                              f"not the requested {arch!r}")
    try:
        model = SiamFC(payload["arch"], Geometry.from_dict(payload["geometry"]))
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint {os.fspath(path)}: {exc}") from None
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

