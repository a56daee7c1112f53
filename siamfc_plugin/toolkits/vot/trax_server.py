"""The one trax server of the plugin: every tracker the VOT toolkit starts (SiamFC, the OpenCV peers) is served by
`serve`, through a protocol-free TrackingSession that owns the answers to bad input.

Defined answers to bad input (each also explained on stderr, which the toolkit keeps in its log):

- an initialisation region that is NaN/infinite, has no area, is not a rectangle/polygon or lies outside the frame,
  or an initialisation frame that cannot be read: the tracker has no target; it answers the region it was given
  (0,0,0,0 when that is not finite) and, for every following frame, the empty box 0,0,0,0, always with confidence 0
  and the property `error` (a code) -- the toolkit counts a failure and re-initialises.
- a frame that cannot be read (missing or corrupt file): the last box again, with confidence 0 and `error`.
- a tracker that cannot be started: the session is terminated with the reason (the toolkit shows "Server
  terminated the session: cannot start the tracker ...: <reason>"), the process exits with status 1.
Anything else is a bug: the traceback goes to stderr, the session is terminated with the reason, exit status 1.
"""
from __future__ import annotations

import math
import sys
import traceback
from typing import Any, Callable, NamedTuple

from ...common.errors import FrameReadError, InvalidBoxError, InvalidImageError, SiamFCError

EMPTY_BOX = (0.0, 0.0, 0.0, 0.0)

# error codes of the `error` status property (one word: the toolkit stores properties one value per line)
BAD_REGION = "bad_region"
FRAME_UNREADABLE = "frame_unreadable"
BAD_IMAGE = "bad_image"
NOT_INITIALIZED = "not_initialized"
BAD_REQUEST = "bad_request"


def log(message: str) -> None:
    print(f"[siamfc trax] {message}", file=sys.stderr, flush=True)


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


def _given(value):
    """A value, or the result of a callable that produces it (and may raise: a request that lacks it)."""
    return value() if callable(value) else value


# ---- the protocol-free session -------------------------------------------------------------------------------------
class TrackingSession:
    """One target at a time, frames named by path, regions given as 4 rectangle or 2n polygon values.

    `tracker` is any core with init(image, box), update(image) -> x,y,w,h and a `confidence`. Knows nothing of trax:
    the server loop below only translates messages to these calls and answers back. The image path and the region
    may be given as callables, so that a request that lacks them is refused here, in one place.
    """

    def __init__(self, tracker, polygon_mode: str = "area") -> None:
        self.tracker = tracker
        self.polygon_mode = polygon_mode
        self.box: tuple[float, float, float, float] | None = None  # None: no target (never or badly initialised)
        self.frames = 0

    def _refuse(self, reason: str, error: str, box=EMPTY_BOX) -> Answer:
        log(f"initialisation refused: {reason}; answering failures until the next initialisation")
        self.box = None
        return Answer(_finite_box(box), 0.0, error)

    def initialize(self, image_path: str | Callable[[], str], region_values: Any) -> Answer:
        from ...data.images import read_frame
        from ...data.readers import polygon_to_box

        self.box = None
        try:
            values = list(_given(region_values))
        except (ValueError, TypeError) as exc:
            return self._refuse(f"bad region: {exc}", BAD_REGION)
        try:
            box = polygon_to_box(values, self.polygon_mode)
        except ValueError as exc:
            return self._refuse(f"bad region {values!r}: {exc}", BAD_REGION)
        try:
            path = _given(image_path)
            self.tracker.init(read_frame(path), box)
        except FrameReadError as exc:
            return self._refuse(str(exc), FRAME_UNREADABLE, box)
        except InvalidBoxError as exc:
            return self._refuse(f"{exc} (region {values!r})", BAD_REGION, box)
        except InvalidImageError as exc:
            return self._refuse(f"{path}: {exc}", BAD_IMAGE, box)
        self.box = _finite_box(box)
        self.frames = 0
        return Answer(self.box, 1.0)

    def frame(self, image_path: str | Callable[[], str]) -> Answer:
        from ...data.images import read_frame

        if self.box is None:
            return Answer(EMPTY_BOX, 0.0, NOT_INITIALIZED)
        try:
            path = _given(image_path)
            box = self.tracker.update(read_frame(path))
        except FrameReadError as exc:
            log(f"{exc}; answering the last box with confidence 0")
            return Answer(self.box, 0.0, FRAME_UNREADABLE)
        except InvalidImageError as exc:
            log(f"{path}: {exc}; answering the last box with confidence 0")
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


def region_values(request) -> list[float]:
    """4 values x,y,w,h for the request's trax rectangle, 2n values for a polygon; ValueError for anything else."""
    import trax

    if not request.objects:
        raise ValueError("the initialize request carries no object")
    region = request.objects[0][0]
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


def serve(start: Callable[[], tuple[TrackingSession, str]], name: str, family: str, description: str,
          start_hint: str = "") -> int:
    """Serve one trax session. `start()` returns (session, a description for the log) or raises SiamFCError, OSError
    or ValueError, whose message ends the session (with `start_hint` appended)."""
    import trax

    sys.stdout = sys.stderr  # fd 1 carries the protocol: a stray print must not end up there
    server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH], ["color"],
                         tracker_name=name, tracker_family=family, tracker_description=description)

    def fail(reason: str) -> int:
        log(f"terminating the session: {reason}")
        try:
            server.quit(reason=reason[:500])
        except Exception:  # the client may be gone already
            pass
        return 1

    try:
        session, described = start()
    except (SiamFCError, OSError, ValueError) as exc:
        return fail(f"cannot start the tracker: {exc}{start_hint}")
    log(f"ready: {described}")

    try:
        while True:
            request = server.wait()
            if request.type == "quit":
                return 0
            if request.type == "initialize":
                answer = session.initialize(lambda: image_path(request.image), lambda: region_values(request))
            elif request.type == "frame":
                answer = session.frame(lambda: image_path(request.image))
            else:  # not a request type of trax 4: answer anyway, the client waits for one
                log(f"unknown request type {request.type!r}")
                answer = Answer(session.box or EMPTY_BOX, 0.0, BAD_REQUEST)
            server.status([(trax.Rectangle.create(*answer.box), answer.properties())])
    except trax.TraxException as exc:
        log(f"trax session ended: {exc}")
        return 1
    except Exception as exc:  # a bug: say so loudly, tell the client, exit non-zero
        traceback.print_exc(file=sys.stderr)
        return fail(f"{type(exc).__name__}: {exc}")
