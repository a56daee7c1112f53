"""The one place that turns a model source (checkpoint file, shipped model, or seeded random weights) and a preset
into a ready tracker: the CLI, the trax tracker, the got10k adapter's users and the tools all come here."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import torch

from ..common.errors import ConfigError
from ..core.checkpoint import load_model, resolve_checkpoint
from ..core.config import parse_overrides, preset
from ..core.geometry import GEOMETRY_FIELDS, Geometry
from ..core.network import SiamFC
from ..core.tracker import SiamFCTracker
from .choice import Choice, choose_backend
from .torch_backend import make_backend


@dataclass(frozen=True)
class BuiltTracker:
    """A tracker and where its model came from."""

    tracker: SiamFCTracker
    model_source: str  # the checkpoint path, or "random weights (seed N)"
    arch: str
    geometry: Geometry  # the checkpoint's: the crops and score maps the model was trained at
    backend: str = "torch"  # the scoring backend's name (what `auto` resolved to)
    backend_choice: Choice | None = None  # why, when it was chosen by `auto`


def build_tracker(checkpoint: str | None = None, preset_name: str = "siamfc-3s", arch: str | None = None,
                  device: str = "cpu", random_weights: bool = False, overrides: dict[str, Any] | None = None,
                  backend: str = "torch", threads: int | None = None, seed: int = 0) -> BuiltTracker:
    """The given or shipped checkpoint (or, for baselines only, seeded random weights) at its own geometry, with the
    preset's tracking hyper-parameters and `overrides` (which may not touch the geometry). backend 'auto': the
    fastest faithful one here (backends/choice.py)."""
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
    choice = None
    if backend == "auto":  # the fastest faithful backend for this machine and these weights
        choice = choose_backend(model, config.scale_num, device or "cpu", threads)
        backend = choice.name
    tracker = SiamFCTracker(make_backend(backend, model, device=device, threads=threads), config, model.geometry)
    return BuiltTracker(tracker, source, model.arch, model.geometry, backend, choice)


def build_tracker_from_args(args) -> BuiltTracker:
    """The BuiltTracker that the command line's tracker options (siamfc_plugin.cli.tracker_options) describe. With
    --backend auto (the default) it says on stderr which backend it took and why."""
    built = build_tracker(checkpoint=args.checkpoint, preset_name=args.preset, arch=args.arch, device=args.device,
                          random_weights=args.random_weights, overrides=parse_overrides(args.overrides),
                          backend=args.backend or "auto", threads=args.threads or None)
    choice = built.backend_choice
    if choice is not None:
        left_out = "; ".join(f"{name}: {why}" for name, why in choice.left_out.items())
        print(f"siamfc: backend {choice.name}, the {choice.reason}" + (f"; left out: {left_out}" if left_out else "")
              + "; --backend NAME overrides", file=sys.stderr)
    return built
