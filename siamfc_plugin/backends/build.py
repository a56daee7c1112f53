"""The one place that turns a TrackerSpec (backends/spec.py: checkpoint file, shipped model or seeded random weights;
preset and overrides; backend) into a ready tracker: the CLI, the trax tracker, the got10k workers, the tools and
the Python API all come here."""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

import torch

from ..core.checkpoint import load_model, resolve_checkpoint
from ..core.geometry import Geometry
from ..core.network import SiamFC
from ..core.tracker import SiamFCTracker
from .choice import Choice, choose_backend
from .spec import DEFAULT_ARCH, TrackerSpec
from .torch_backend import make_backend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltTracker:
    """A tracker, the spec it was built from (backend resolved: what `auto` took) and where its model came from."""

    tracker: SiamFCTracker
    model_source: str  # the checkpoint path, or "random weights (seed N)"
    arch: str
    geometry: Geometry  # the checkpoint's: the crops and score maps the model was trained at
    backend: str = "torch"  # the scoring backend's name (what `auto` resolved to)
    backend_choice: Choice | None = None  # why, when it was chosen by `auto`
    spec: TrackerSpec | None = None  # the spec, its backend resolved

    @property
    def name(self) -> str:
        return self.spec.label

    def results_record(self) -> dict:
        """What a results folder records beside the spec (backends/spec.py claim_folder), the same from `siamfc
        eval` and from Python (toolkits/got10k/adapter.py Got10kTracker.from_built): the version, and why `auto`
        took its backend."""
        from ..common import __version__

        record = {"siamfc_plugin": __version__}
        if self.backend_choice is not None:
            record["backend_choice"] = self.backend_choice.reason
        return record


def random_model(arch: str | None = None, seed: int = 0) -> SiamFC:
    """A seeded, randomly initialised net in eval mode (baselines and plumbing, never accuracy claims)."""
    torch.manual_seed(seed)
    model = SiamFC(arch or DEFAULT_ARCH)
    model.initialise()
    return model.eval()


def build_model(spec: TrackerSpec) -> tuple[SiamFC, str]:
    """(model in eval mode, where it came from) for the spec's weights: its checkpoint, the shipped model of its
    architecture, or seeded random weights."""
    if spec.random_weights:
        return random_model(spec.arch, spec.seed), f"random weights (seed {spec.seed})"
    source = resolve_checkpoint(spec.checkpoint, spec.arch)
    model, _ = load_model(source, spec.arch)
    return model, source


def build_tracker(spec: TrackerSpec | str | None = None, **fields: Any) -> BuiltTracker:
    """The tracker `spec` describes; or, for the Python API, build_tracker(checkpoint, preset=..., ...) with the
    fields of a TrackerSpec (the same defaults as the command line: the shipped model, siamfc-3s, backend auto:
    the fastest faithful one here, backends/choice.py)."""
    if spec is None:
        spec = TrackerSpec(**fields)
    elif isinstance(spec, str):
        spec = TrackerSpec(checkpoint=spec, **fields)
    elif fields:
        spec = spec.replace(**fields)
    config = spec.config()
    model, source = build_model(spec)
    choice, backend = None, spec.backend
    if backend == "auto":  # the fastest faithful backend for this machine and these weights
        choice = choose_backend(model, config.scale_num, spec.device, spec.threads)
        backend = choice.name
    tracker = SiamFCTracker(make_backend(backend, model, device=spec.device, threads=spec.threads), config,
                            model.geometry)
    # the name is fixed before the backend is resolved: what `auto` took on this machine never renames results
    resolved = spec.replace(backend=backend, name=spec.label)
    return BuiltTracker(tracker, source, model.arch, model.geometry, backend, choice, resolved)


def announce_backend(built: BuiltTracker, stream=None) -> None:
    """What `auto` took: one short line on stderr; why (the timings, what was left out) in the log (--verbose)."""
    choice = built.backend_choice
    if choice is None:
        return
    left_out = "; ".join(f"{name}: {why}" for name, why in choice.left_out.items())
    log.info("backend %s, the %s%s", choice.name, choice.reason, f"; left out: {left_out}" if left_out else "")
    print(f"siamfc: backend {choice.name} (auto; --backend NAME overrides, -v says why)", file=stream or sys.stderr)
