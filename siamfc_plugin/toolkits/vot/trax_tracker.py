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
    SIAMFC_POLYGON         how a polygon becomes the initial box: area (default, as the SiamFC reference code) or aabb
    SIAMFC_NAME            tracker name announced in the trax handshake

Defined answers to bad input (each also explained on stderr, which the toolkit keeps in its log):

- an initialisation region that is NaN/infinite, has no area, is not a rectangle/polygon or lies outside the frame,
  or an initialisation frame that cannot be read: the tracker has no target; it answers the region it was given
  (0,0,0,0 when that is not finite) and, for every following frame, the empty box 0,0,0,0, always with confidence 0
  and the property `error` (a code) -- the toolkit counts a failure and re-initialises.
- a frame that cannot be read (missing or corrupt file): the last box again, with confidence 0 and `error`.
- a model that cannot be loaded or a bad SIAMFC_* value: the session is terminated with the reason (the toolkit
  shows "Server terminated the session: cannot start the tracker ...: <reason>"), the process exits with status 1.
Anything else is a bug: the traceback goes to stderr, the session is terminated with the reason, exit status 1.

`python -m siamfc_plugin.toolkits.vot.trax_tracker --check` loads the model from the same variables, prints the settings and
exits without trax: a quick way to see that an entry of trackers.ini is usable.
"""
from __future__ import annotations

import math
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from ...common.errors import ConfigError, FrameReadError, InvalidBoxError, InvalidImageError, SiamFCError

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EMPTY_BOX = (0.0, 0.0, 0.0, 0.0)

# error codes of the `error` status property (one word: the toolkit stores properties one value per line)
BAD_REGION = "bad_region"
FRAME_UNREADABLE = "frame_unreadable"
BAD_IMAGE = "bad_image"
NOT_INITIALIZED = "not_initialized"


def log(message: str) -> None:
    print(f"[siamfc trax] {message}", file=sys.stderr, flush=True)


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
    SIAMFC_ROOT, this repository, and the working folder.
    """
    env = os.environ if env is None else env
    path = os.path.expanduser(os.path.expandvars(path))
    if os.path.isabs(path):
        return path
    roots = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    roots += [env["SIAMFC_ROOT"]] if env.get("SIAMFC_ROOT") else []
    roots += [REPO_ROOT, os.getcwd()]
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
        if settings.polygon not in ("area", "aabb"):
            raise ConfigError(f"SIAMFC_POLYGON must be 'area' or 'aabb', got {settings.polygon!r}")
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


# ---- the protocol-free session -------------------------------------------------------------------------------------
class Answer(NamedTuple):
    box: tuple[float, float, float, float]
    confidence: float
    error: str | None = None

    def properties(self) -> dict[str, str]:
        props = {"confidence": "%.4f" % self.confidence}
        if self.error:
            props["error"] = self.error
        return props


def _finite_box(values) -> tuple[float, float, float, float]:
    try:
        box = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return EMPTY_BOX
    return box if len(box) == 4 and all(math.isfinite(v) for v in box) else EMPTY_BOX


class TrackingSession:
    """One target at a time, frames named by path, regions given as 4 rectangle or 2n polygon values.

    Knows nothing of trax: the server loop below only translates messages to these calls and answers back.
    """

    def __init__(self, tracker, polygon_mode: str = "area") -> None:
        self.tracker = tracker
        self.polygon_mode = polygon_mode
        self.box: tuple[float, float, float, float] | None = None  # None: no target (never or badly initialised)
        self.frames = 0

    def initialize(self, image_path: str, region_values) -> Answer:
        from ...data.readers import polygon_to_box
        from ...data.images import read_frame

        self.box = None
        try:
            box = polygon_to_box(region_values, self.polygon_mode)
        except ValueError as exc:
            log(f"initialisation refused: bad region {list(region_values)!r}: {exc}; answering failures "
                "until the next initialisation")
            return Answer(EMPTY_BOX, 0.0, BAD_REGION)
        try:
            frame = read_frame(image_path)
            self.tracker.init(frame, box)
        except FrameReadError as exc:
            log(f"initialisation refused: {exc}; answering failures until the next initialisation")
            return Answer(_finite_box(box), 0.0, FRAME_UNREADABLE)
        except InvalidBoxError as exc:
            log(f"initialisation refused: {exc} (region {list(region_values)!r}); answering failures "
                "until the next initialisation")
            return Answer(_finite_box(box), 0.0, BAD_REGION)
        except InvalidImageError as exc:
            log(f"initialisation refused: {image_path}: {exc}; answering failures until the next initialisation")
            return Answer(_finite_box(box), 0.0, BAD_IMAGE)
        self.box = _finite_box(box)
        self.frames = 0
        return Answer(self.box, 1.0)

    def frame(self, image_path: str) -> Answer:
        from ...data.images import read_frame

        if self.box is None:
            return Answer(EMPTY_BOX, 0.0, NOT_INITIALIZED)
        try:
            frame = read_frame(image_path)
            box = self.tracker.update(frame)
        except FrameReadError as exc:
            log(f"{exc}; answering the last box with confidence 0")
            return Answer(self.box, 0.0, FRAME_UNREADABLE)
        except InvalidImageError as exc:
            log(f"{image_path}: {exc}; answering the last box with confidence 0")
            return Answer(self.box, 0.0, BAD_IMAGE)
        self.box = _finite_box(box)
        self.frames += 1
        confidence = float(self.tracker.confidence)
        return Answer(self.box, confidence if math.isfinite(confidence) else 0.0)


# ---- trax translation ----------------------------------------------------------------------------------------------
def _kind(item) -> str:
    """The type of a trax region or image: a property on regions, a method on images (vot-trax 4.0)."""
    kind = getattr(item, "type", None)
    return kind() if callable(kind) else kind


def region_values(region) -> list[float]:
    """4 values x,y,w,h for a trax rectangle, 2n values for a polygon; ValueError for anything else."""
    import trax

    kind = _kind(region)
    if kind == trax.Region.RECTANGLE:
        return list(region.bounds())
    if kind == trax.Region.POLYGON:
        return [v for point in region for v in point]
    raise ValueError(f"unsupported region type {kind!r} (a rectangle or polygon is needed)")


def image_path(images) -> str:
    import trax

    image = (images or {}).get("color")
    if image is None:
        raise FrameReadError("the request carries no color image")
    if _kind(image) != trax.Image.PATH:
        raise FrameReadError(f"image type {_kind(image)!r} is not supported (the tracker announced file paths)")
    return image.path()


def serve(env: Mapping[str, str] | None = None) -> int:
    import trax

    env = os.environ if env is None else env
    sys.stdout = sys.stderr  # fd 1 carries the protocol: a stray print must not end up there
    settings_error = None
    try:
        settings = Settings.from_environ(env)
    except ConfigError as exc:
        settings, settings_error = Settings(), str(exc)
    server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"],
                         tracker_name=settings.name, tracker_family="SiamFC",
                         tracker_description="SiamFC (siamfc-plugin)")

    def fail(reason: str) -> int:
        log(f"terminating the session: {reason}")
        try:
            server.quit(reason=reason[:500])
        except Exception:  # the client may be gone already
            pass
        return 1

    if settings_error:
        return fail(f"cannot start the tracker: {settings_error}")
    try:
        session = TrackingSession(settings.build().tracker, settings.polygon)
    except (SiamFCError, OSError, ValueError) as exc:
        return fail(f"cannot start the tracker ({settings.describe()}): {exc} "
                    "(a trackers.ini entry names a model with env_SIAMFC_CHECKPOINT = PATH)")
    log(f"ready: {settings.describe()}")

    try:
        while True:
            request = server.wait()
            if request.type == "quit":
                return 0
            if request.type == "initialize":
                try:
                    values = region_values(request.objects[0][0]) if request.objects else None
                    if values is None:
                        raise ValueError("the initialize request carries no object")
                except ValueError as exc:
                    log(f"initialisation refused: {exc}")
                    session.box, answer = None, Answer(EMPTY_BOX, 0.0, BAD_REGION)
                else:
                    try:
                        path = image_path(request.image)
                    except FrameReadError as exc:
                        log(f"initialisation refused: {exc}")
                        session.box, answer = None, Answer(_finite_box(values[:4]), 0.0, FRAME_UNREADABLE)
                    else:
                        answer = session.initialize(path, values)
            elif request.type == "frame":
                try:
                    path = image_path(request.image)
                except FrameReadError as exc:
                    log(f"{exc}; answering the last box with confidence 0")
                    answer = Answer(session.box or EMPTY_BOX, 0.0, FRAME_UNREADABLE)
                else:
                    answer = session.frame(path)
            else:  # not a request type of trax 4: answer anyway, the client waits for one
                log(f"unknown request type {request.type!r}")
                answer = Answer(session.box or EMPTY_BOX, 0.0, "bad_request")
            server.status([(trax.Rectangle.create(*answer.box), answer.properties())])
    except trax.TraxException as exc:
        log(f"trax session ended: {exc}")
        return 1
    except Exception as exc:  # a bug: say so loudly, tell the client, exit non-zero
        traceback.print_exc(file=sys.stderr)
        return fail(f"{type(exc).__name__}: {exc}")


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
