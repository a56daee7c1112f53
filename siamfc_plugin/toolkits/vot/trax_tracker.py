"""The trax tracker process the VOT toolkit starts: `python -m siamfc_plugin.toolkits.vot.trax_tracker`.

A thin edge around the toolkit-free SiamFCTracker. The model is loaded once per process; `initialize` may come again
at any moment (the toolkit re-initialises after a failure in the same process), `frame` answers one box, `quit` ends.

Parameters come from environment variables (in trackers.ini: `env_SIAMFC_PRESET = siamfc-5s` etc.):

    SIAMFC_CHECKPOINT      model file; a relative path is looked up in the `paths` of trackers.ini (PYTHONPATH),
                           then SIAMFC_ROOT, then this repository, then the working folder. Default: the shipped model.
    SIAMFC_PRESET          siamfc-3s (default) or siamfc-5s
    SIAMFC_ARCH            alexnet-slim, alexnet (default: the checkpoint's)
    SIAMFC_SET             tracker config overrides, "key=value;key=value" (e.g. "window_influence=0.5;scale_lr=0.1")
    SIAMFC_DEVICE          cpu (default), cuda, cuda:N
    SIAMFC_THREADS         torch CPU threads (default: torch's choice)
    SIAMFC_BACKEND         scoring backend (default torch)
    SIAMFC_RANDOM_WEIGHTS  1: a seeded random net instead of a checkpoint (a deliberately weak baseline)
    SIAMFC_SEED            seed of the random weights (default 0)
    SIAMFC_POLYGON         how a polygon becomes the initial box: area (default), aabb, or matconvnet (the authors'
                           get_axis_aligned_BB.m to the digit)
    SIAMFC_NAME            tracker name announced in the trax handshake
    SIAMFC_REGION          box (default): answer rectangles; mask: accept masks and answer a target given as a mask
                           with its box filled as a mask (stacks that score masks only, VOTS)

Answers to bad input are those of the plugin's one trax server (trax_server.py); a model that cannot be loaded or a
bad SIAMFC_* value ends the session with the reason, and the process exits with status 1.

`python -m siamfc_plugin.toolkits.vot.trax_tracker --check` loads the model from the same variables, prints the settings and
exits without trax: a quick way to see that an entry of trackers.ini is usable.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...common.errors import ConfigError, SiamFCError
from ...common.paths import PACKAGE_PARENT
from .trax_server import MultiObjectSession, TrackingSession
from .trax_server import serve as serve_session

# ---- settings from the environment ---------------------------------------------------------------------------------
def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def parse_set(text: str | None) -> dict[str, Any]:
    """SIAMFC_SET "a=1;b=2" (';' or newlines between pairs) -> {'a': 1, 'b': 2}."""
    from ...core.config import parse_overrides

    pairs = [p.strip() for p in (text or "").replace("\n", ";").split(";") if p.strip()]
    return parse_overrides(pairs)


def resolve_path(path: str, env: Mapping[str, str] | None = None) -> str:
    """An absolute path for a (possibly relative) file named in trackers.ini.

    The toolkit runs the tracker in a temporary folder, so a relative path is looked up in, in order: the `paths`
    of the trackers.ini entry (the toolkit puts them, made absolute against the ini's folder, on PYTHONPATH),
    SIAMFC_ROOT, the folder holding this package (the repository, in a checkout), and the working folder.
    """
    env = os.environ if env is None else env
    path = os.path.expanduser(os.path.expandvars(path))
    if os.path.isabs(path):
        return path
    roots = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    roots += [env["SIAMFC_ROOT"]] if env.get("SIAMFC_ROOT") else []
    roots += [PACKAGE_PARENT, os.getcwd()]
    for root in roots:
        candidate = os.path.normpath(os.path.join(root, path))
        if os.path.exists(candidate):
            return candidate
    raise ConfigError(f"SIAMFC_CHECKPOINT={path!r} is relative and not found under any of {roots} "
                      "(the paths of the trackers.ini entry, SIAMFC_ROOT, the repository, the working folder)")


@dataclass
class Settings:
    checkpoint: str | None = None
    preset: str = "siamfc-3s"
    arch: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    threads: int | None = None
    backend: str = "torch"
    random_weights: bool = False
    seed: int = 0
    polygon: str = "area"
    name: str = "SiamFC"

    @classmethod
    def from_environ(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        get = lambda key: (env.get(key) or "").strip() or None  # noqa: E731 -- empty means unset
        settings = cls()
        try:
            settings.random_weights = _flag(get("SIAMFC_RANDOM_WEIGHTS"))
            if get("SIAMFC_CHECKPOINT") and not settings.random_weights:
                settings.checkpoint = resolve_path(get("SIAMFC_CHECKPOINT"), env)
            settings.preset = get("SIAMFC_PRESET") or settings.preset
            settings.arch = get("SIAMFC_ARCH")
            settings.overrides = parse_set(get("SIAMFC_SET"))
            settings.device = get("SIAMFC_DEVICE") or settings.device
            threads = get("SIAMFC_THREADS")
            settings.threads = int(threads) if threads and int(threads) > 0 else None
            settings.backend = get("SIAMFC_BACKEND") or settings.backend
            settings.seed = int(get("SIAMFC_SEED") or 0)
            settings.polygon = (get("SIAMFC_POLYGON") or "area").lower()
            settings.name = get("SIAMFC_NAME") or settings.name
        except ValueError as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"bad SIAMFC_* environment value: {exc}") from None
        if settings.polygon not in ("area", "aabb", "matconvnet"):
            raise ConfigError(f"SIAMFC_POLYGON must be 'area', 'aabb' or 'matconvnet', got {settings.polygon!r}")
        return settings

    def build(self):
        """The BuiltTracker these settings describe."""
        from ...backends.build import build_tracker

        return build_tracker(checkpoint=self.checkpoint, preset_name=self.preset, arch=self.arch, device=self.device,
                             random_weights=self.random_weights, overrides=self.overrides, backend=self.backend,
                             threads=self.threads, seed=self.seed)

    def describe(self) -> str:
        model = f"random weights (seed {self.seed})" if self.random_weights else (self.checkpoint or "shipped model")
        extra = f", overrides {self.overrides}" if self.overrides else ""
        return f"{self.name}: preset {self.preset}, model {model}, device {self.device}{extra}"


# ---- the trax process ----------------------------------------------------------------------------------------------
def serve(env: Mapping[str, str] | None = None) -> int:
    """SiamFC behind the plugin's one trax server (trax_server.serve)."""
    env = os.environ if env is None else env
    settings_error = None
    try:
        settings = Settings.from_environ(env)
    except ConfigError as exc:
        settings, settings_error = Settings(), exc

    def start():
        if settings_error:
            raise settings_error
        try:
            tracker = settings.build().tracker
        except (SiamFCError, OSError, ValueError) as exc:
            raise ConfigError(f"{settings.describe()}: {exc}") from exc
        from ...backends.batched import shared_factory

        # every object of a multi-object (VOTS) sequence in this one process: one tracker per object, one network
        session = MultiObjectSession(TrackingSession(tracker, settings.polygon), shared_factory(tracker))
        return session, settings.describe() + f", regions answered as {region}"

    region = (env.get("SIAMFC_REGION") or "box").strip().lower()
    if region not in ("box", "mask") and not settings_error:
        settings_error = ConfigError(f"SIAMFC_REGION must be 'box' or 'mask', got {region!r}")
    return serve_session(start, settings.name, "SiamFC", "SiamFC (siamfc-plugin)",
                         start_hint=" (a trackers.ini entry names a model with env_SIAMFC_CHECKPOINT = PATH)",
                         multiobject=True, masks=region == "mask")


def check(env: Mapping[str, str] | None = None) -> int:
    """Load the model from the SIAMFC_* variables and report, without trax."""
    try:
        settings = Settings.from_environ(env)
        built = settings.build()
    except (SiamFCError, OSError, ValueError) as exc:
        print(f"siamfc trax tracker: cannot start: {exc}", file=sys.stderr)
        return 1
    print(f"ok: {settings.describe()}; loaded {built.model_source} ({built.arch}, geometry "
          f"{built.geometry.to_dict()}), tracker config {built.tracker.config.to_dict()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--check"]:
        return check()
    if argv:
        print("usage: python -m siamfc_plugin.toolkits.vot.trax_tracker [--check]  "
              "(settings come from SIAMFC_* variables)",
              file=sys.stderr)
        return 2
    return serve()


if __name__ == "__main__":
    sys.exit(main())
