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
        self.size: tuple[int, int] | None = None  # (height, width) of the last frame
        self.mask = False  # initialised from a mask: answer masks (MultiObjectSession with masks on)

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
            image = read_frame(path)
            self.size = tuple(image.shape[:2])
            self.tracker.init(image, box)
        except FrameReadError as exc:
            return self._refuse(str(exc), FRAME_UNREADABLE, box)
        except InvalidBoxError as exc:
            return self._refuse(f"{exc} (region {values!r})", BAD_REGION, box)
        except InvalidImageError as exc:
            return self._refuse(f"{path}: {exc}", BAD_IMAGE, box)
        self.box = _finite_box(box)
        self.frames = 0
        return Answer(self.box, 1.0)

    def moved(self, box, frame_shape) -> Answer:
        """The answer after the tracker moved to `box` (by update() or by a batched step of several sessions)."""
        self.box = _finite_box(box)
        self.frames += 1
        self.size = tuple(frame_shape[:2])
        confidence = float(self.tracker.confidence)
        return Answer(self.box, confidence if math.isfinite(confidence) else 0.0)

    def frame(self, image_path: str | Callable[[], str]) -> Answer:
        from ...data.images import read_frame

        if self.box is None:
            return Answer(EMPTY_BOX, 0.0, NOT_INITIALIZED)
        try:
            path = _given(image_path)
            image = read_frame(path)
            box = self.tracker.update(image)
        except FrameReadError as exc:
            log(f"{exc}; answering the last box with confidence 0")
            return Answer(self.box, 0.0, FRAME_UNREADABLE)
        except InvalidImageError as exc:
            log(f"{path}: {exc}; answering the last box with confidence 0")
            return Answer(self.box, 0.0, BAD_IMAGE)
        return self.moved(box, image.shape)


class MultiObjectSession:
    """Several targets in one process (VOTS stacks: the toolkit's `multiobject` experiments), one TrackingSession per
    object, in the order the client added them (its answers are matched to its objects by position).

    `new_tracker()` gives the tracker of each further object; SiamFC's share the first one's network, so each target
    costs its exemplar features (embedded once, at its initialisation) and its state only. With two or more live
    targets, fixed kernels (no template update, no distractor memory) and a backend that scores batches
    (`score_batch`, torch), a frame is decoded once and every target's search crops go through the network in one
    batch, each scored against its own exemplar (siamfc_plugin.backends.batched's step); otherwise each target is
    updated on its own. One target is the single-object path, unchanged. An `initialize` starts over: the objects
    it carries are all the targets; objects in a `frame` request are new targets that start on that frame.
    """

    def __init__(self, first: TrackingSession, new_tracker: Callable[[], Any] | None = None) -> None:
        self.pool = [first]  # sessions kept across re-initialisations (trackers are reused)
        self.new_tracker = new_tracker
        self.sessions: list[TrackingSession] = []
        self.batched_frames = 0  # frames whose targets were scored in one batch (tests, logs)

    def _session(self, index: int) -> TrackingSession:
        while len(self.pool) <= index:
            if self.new_tracker is None:
                raise ValueError("this tracker follows one object at a time")
            self.pool.append(TrackingSession(self.new_tracker(), self.pool[0].polygon_mode))
        return self.pool[index]

    def initialize(self, image_path, regions: list) -> list[Answer]:
        self.sessions = []
        return self.add(image_path, regions)

    def add(self, image_path, regions: list) -> list[Answer]:
        answers = []
        for region in regions:
            session = self._session(len(self.sessions))
            values, mask = region if isinstance(region, tuple) else (region, False)
            answers.append(session.initialize(image_path, values))
            session.mask = mask
            self.sessions.append(session)
        return answers

    def frame(self, image_path, new_regions: list = ()) -> list[Answer]:
        return self._advance(image_path) + self.add(image_path, list(new_regions or []))

    def _batchable(self, live: list[TrackingSession]) -> bool:
        if len(live) < 2:
            return False
        trackers = [s.tracker for s in live]
        backend = getattr(trackers[0], "backend", None)
        return hasattr(backend, "score_batch") and all(
            getattr(t, "backend", None) is backend and hasattr(t, "search_crops") and
            t.config.template_lr == 0 and t.config.distractor_weight == 0 for t in trackers)

    def _advance(self, image_path) -> list[Answer]:
        from ...data.images import read_frame

        live = [s for s in self.sessions if s.box is not None]
        if not self._batchable(live):
            return [s.frame(image_path) for s in self.sessions]
        try:
            path = _given(image_path)
            image = read_frame(path)
        except FrameReadError:  # each session answers it as the single-object path does
            return [s.frame(image_path) for s in self.sessions]
        from ...backends.batched import step_together

        try:
            boxes = step_together([s.tracker for s in live], image)
        except InvalidImageError:
            return [s.frame(path) for s in self.sessions]
        self.batched_frames += 1
        moved = {id(s): s.moved(box, image.shape) for s, box in zip(live, boxes)}
        return [moved[id(s)] if id(s) in moved else s.frame(path) for s in self.sessions]


def mask_of(box, size) -> Any:
    """A trax mask of `box` filled (the pixels it covers, clipped to the frame of `size` = (height, width))."""
    import numpy as np
    import trax

    x, y, w, h = box
    height, width = size if size else (0, 0)
    x0, y0 = max(0, int(math.floor(x))), max(0, int(math.floor(y)))
    x1, y1 = min(width, int(math.ceil(x + w))), min(height, int(math.ceil(y + h)))
    if x1 <= x0 or y1 <= y0:
        return trax.Mask.create(np.zeros((1, 1), dtype=np.uint8), x=0, y=0)
    return trax.Mask.create(np.ones((y1 - y0, x1 - x0), dtype=np.uint8), x=x0, y=y0)


# ---- trax translation ----------------------------------------------------------------------------------------------
def _kind(item) -> str:
    """The type of a trax region or image: a property on regions, a method on images (vot-trax 4.0)."""
    kind = getattr(item, "type", None)
    return kind() if callable(kind) else kind


def region_values(request) -> list[float]:
    """4 values x,y,w,h for the request's (first) trax rectangle, 2n values for a polygon, the bounding box of a
    mask; ValueError for anything else."""
    if not request.objects:
        raise ValueError("the initialize request carries no object")
    return values_of(request.objects[0][0])


def values_of(region) -> list[float]:
    import numpy as np
    import trax

    kind = _kind(region)
    if kind == trax.Region.RECTANGLE:
        return list(region.bounds())
    if kind == trax.Region.POLYGON:
        return [v for point in region for v in point]
    if kind == trax.Region.MASK:
        array = np.asarray(region.array())
        rows, cols = np.nonzero(array)
        if rows.size == 0:
            raise ValueError("the mask is empty")
        x, y = region.offset()
        return [float(x + cols.min()), float(y + rows.min()), float(cols.max() - cols.min() + 1),
                float(rows.max() - rows.min() + 1)]
    raise ValueError(f"unsupported region type {kind!r} (a rectangle, polygon or mask is needed)")


def object_regions(objects) -> list:
    """(values callable, is a mask) per object of a request; a region that cannot be read is refused by the
    session that gets it."""
    import trax

    out = []
    for region, _ in objects or []:
        out.append(((lambda r=region: values_of(r)), _kind(region) == trax.Region.MASK))
    return out


def image_path(images) -> str:
    import trax

    image = (images or {}).get("color")
    if image is None:
        raise FrameReadError("the request carries no color image")
    if _kind(image) != trax.Image.PATH:
        raise FrameReadError(f"image type {_kind(image)!r} is not supported (the tracker announced file paths)")
    return image.path()


def serve(start: Callable[[], tuple[TrackingSession, str]], name: str, family: str, description: str,
          start_hint: str = "", multiobject: bool = False, masks: bool = False) -> int:
    """Serve one trax session. `start()` returns (session, a description for the log) or raises SiamFCError, OSError
    or ValueError, whose message ends the session (with `start_hint` appended).

    multiobject: announce several objects per session (start() then returns a MultiObjectSession). masks: accept
    masks (initialisation: their bounding box) and answer a target that started from a mask with its box filled as
    a mask; without it the client converts masks to rectangles and gets rectangles back."""
    import trax

    sys.stdout = sys.stderr  # fd 1 carries the protocol: a stray print must not end up there
    formats = [trax.Region.RECTANGLE, trax.Region.POLYGON] + ([trax.Region.MASK] if masks else [])
    server = trax.Server(formats, [trax.Image.PATH], ["color"], tracker_name=name, tracker_family=family,
                         tracker_description=description, multiobject=multiobject)

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
            if isinstance(session, MultiObjectSession):
                path = (lambda r=request: image_path(r.image))
                if request.type == "initialize":
                    answers = session.initialize(path, object_regions(request.objects))
                elif request.type == "frame":
                    answers = session.frame(path, object_regions(request.objects))
                else:
                    log(f"unknown request type {request.type!r}")
                    answers = [Answer(s.box or EMPTY_BOX, 0.0, BAD_REQUEST) for s in session.sessions]
                server.status([(mask_of(a.box, s.size) if s.mask else trax.Rectangle.create(*a.box), a.properties())
                               for a, s in zip(answers, session.sessions)])
                continue
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
