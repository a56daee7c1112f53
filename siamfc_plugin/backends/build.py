"""The one place that turns a model source (checkpoint file, shipped model, or seeded random weights) and a preset
into a ready tracker: the CLI, the trax tracker, the got10k adapter's users and the tools all come here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..common.errors import ConfigError
from ..core.checkpoint import load_model, resolve_checkpoint
from ..core.config import parse_overrides, preset
from ..core.geometry import GEOMETRY_FIELDS, Geometry
from ..core.network import SiamFC
from ..core.tracker import SiamFCTracker
from .torch_backend import make_backend


@dataclass(frozen=True)
class BuiltTracker:
    """A tracker and where its model came from."""

    tracker: SiamFCTracker
    model_source: str  # the checkpoint path, or "random weights (seed N)"
    arch: str
    geometry: Geometry  # the checkpoint's: the crops and score maps the model was trained at


def build_tracker(checkpoint: str | None = None, preset_name: str = "siamfc-3s", arch: str | None = None,
                  device: str = "cpu", random_weights: bool = False, overrides: dict[str, Any] | None = None,
                  backend: str = "torch", threads: int | None = None, seed: int = 0) -> BuiltTracker:
    """The given or shipped checkpoint (or, for baselines only, seeded random weights) at its own geometry, with the
    preset's tracking hyper-parameters and `overrides` (which may not touch the geometry)."""
    geometry_overrides = sorted(set(overrides or {}) & set(GEOMETRY_FIELDS))
    if geometry_overrides:
        verb = "is" if len(geometry_overrides) == 1 else "are"
        raise ConfigError(f"{', '.join(geometry_overrides)} {verb} part of the model's geometry, fixed by its "
                          "checkpoint (train at another geometry with --set pairs.<field>=...)")
    config = preset(preset_name, **(overrides or {}))
    if random_weights:
        torch.manual_seed(seed)
        model = SiamFC(arch or "alexnet-slim")
        model.initialise()
        model.eval()
        source = f"random weights (seed {seed})"
    else:
        source = resolve_checkpoint(checkpoint, arch)
        model, _ = load_model(source, arch)
    tracker = SiamFCTracker(make_backend(backend, model, device=device, threads=threads), config, model.geometry)
    return BuiltTracker(tracker, source, model.arch, model.geometry)


def build_tracker_from_args(args) -> BuiltTracker:
    """The BuiltTracker that the command line's tracker options (siamfc_plugin.cli.tracker_options) describe."""
    return build_tracker(checkpoint=args.checkpoint, preset_name=args.preset, arch=args.arch, device=args.device,
                         random_weights=args.random_weights, overrides=parse_overrides(args.overrides),
                         backend=args.backend, threads=args.threads or None)
