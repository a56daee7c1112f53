"""The trax tracker process the VOT toolkit starts: `python -m siamfc_plugin.toolkits.vot.siamfc_trax`.

A thin edge around the toolkit-free SiamFCTracker. The model is loaded once per process; `initialize` may come again
at any moment (the toolkit re-initialises after a failure in the same process), `frame` answers one box, `quit` ends.

Parameters come from environment variables (in trackers.ini: `env_SIAMFC_PRESET = siamfc-5s` etc.): the SIAMFC_*
variables of the tracker spec (siamfc_plugin/backends/spec.py OPTIONS; the same options, defaults and default name
as the command line's), and one of the trax edge's own:

    SIAMFC_CHECKPOINT      model file; a relative path is looked up in the `paths` of trackers.ini (PYTHONPATH),
                           then SIAMFC_ROOT, then this repository, then the working folder; or the name of a
                           published net in the weights cache (`siamfc weights get NAME`). Default: the shipped model.
    SIAMFC_PRESET          siamfc-3s (default), or any preset `siamfc track --help` lists
    SIAMFC_ARCH            alexnet-slim, alexnet (default: the checkpoint's)
    SIAMFC_SET             tracker config overrides, "key=value;key=value" (e.g. "window_influence=0.5;scale_lr=0.1")
    SIAMFC_BACKEND         scoring backend (default auto, as on the command line)
    SIAMFC_DEVICE          cpu (default), cuda, cuda:N
    SIAMFC_THREADS         torch CPU threads (default: torch's choice)
    SIAMFC_RANDOM_WEIGHTS  1: a seeded random net instead of a checkpoint (a deliberately weak baseline)
    SIAMFC_SEED            seed of the random weights (default 0)
    SIAMFC_NAME            tracker name announced in the trax handshake (default: the spec's default name)
    SIAMFC_POLYGON         how a polygon becomes the initial box: area (default), aabb, or matconvnet (the authors'
                           get_axis_aligned_BB.m to the digit)
    SIAMFC_REGION          box (default): answer rectangles; mask: accept masks and answer a target given as a mask
                           with its box filled as a mask (stacks that score masks only, VOTS)

Answers to bad input are those of the plugin's one trax server (trax_server.py); a model that cannot be loaded or a
bad SIAMFC_* value ends the session with the reason, and the process exits with status 1.

`python -m siamfc_plugin.toolkits.vot.siamfc_trax --check` loads the model from the same variables, prints the settings and
exits without trax: a quick way to see that an entry of trackers.ini is usable.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Mapping

from ...backends.spec import TrackerSpec
from ...common.errors import ConfigError, SiamFCError
from ...common.paths import PACKAGE_PARENT
from .trax_server import MultiObjectSession, TrackingSession
from .trax_server import serve as serve_session

# ---- settings from the environment ---------------------------------------------------------------------------------
EDGE_VARIABLES = ("SIAMFC_POLYGON", "SIAMFC_REGION")  # this edge's own, beside the tracker spec's SIAMFC_* variables


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


@dataclass(frozen=True)
class Settings:
    """The tracker spec (SIAMFC_* variables) and the trax edge's own setting (SIAMFC_POLYGON)."""
    spec: TrackerSpec = TrackerSpec()
    polygon: str = "area"

    @classmethod
    def from_environ(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        spec = TrackerSpec.from_env(env, resolve_path=lambda path: resolve_path(path, env))
        polygon = (env.get("SIAMFC_POLYGON") or "").strip().lower() or "area"
        if polygon not in ("area", "aabb", "matconvnet"):
            raise ConfigError(f"SIAMFC_POLYGON must be 'area', 'aabb' or 'matconvnet', got {polygon!r}")
        return cls(spec, polygon)

    def build(self):
        """The BuiltTracker these settings describe."""
        from ...backends.build import build_tracker

        return build_tracker(self.spec)

    def describe(self) -> str:
        return self.spec.describe()


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
    return serve_session(start, settings.spec.label, "SiamFC", "SiamFC (siamfc-plugin)",
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
        print("usage: python -m siamfc_plugin.toolkits.vot.siamfc_trax [--check]  "
              "(settings come from SIAMFC_* variables)",
              file=sys.stderr)
        return 2
    return serve()


if __name__ == "__main__":
    sys.exit(main())
