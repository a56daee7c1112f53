"""Peer trackers for the leaderboard, with the same core interface as SiamFCTracker.

Every peer has ``init(image, box)`` (image: HxWx3 RGB uint8, box: x,y,w,h), ``update(image) -> np.ndarray x,y,w,h``
and a ``confidence`` attribute, so it plugs into :class:`siamfc_plugin.toolkits.got10k.adapter.Got10kTracker` and into the
trax entry :mod:`siamfc_plugin.toolkits.vot.peers_trax` unchanged.

- ``MIL``: OpenCV's MIL tracker (``cv2.TrackerMIL_create``, in opencv-python).
- ``KCF`` and ``CSRT``: OpenCV's KCF and CSRT trackers, only when opencv-contrib-python is the installed OpenCV
  (both packages provide the ``cv2`` module: only one of them may be installed; see docs/leaderboards.md, "Peers").
  KCF runs without its failure threshold (``detect_thresh = 0``): with the default threshold, KCF stops moving
  after the first frame it reports as a failure.
- ``Static``: the box never moves (the initial box is returned on every frame): the floor any tracker must beat.

When an OpenCV tracker reports a failure (or raises on a frame), the previous box is kept and ``confidence`` is 0.
Nothing here imports torch.
"""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from ..common.errors import ConfigError, TrackerStateError
from ..data.images import to_rgb_uint8
from ..core.tracker import validate_box

__all__ = ["OpenCVTracker", "StaticTracker", "PEERS", "available_peers", "make_peer", "peer_unavailable_reason",
           "opencv_has_contrib"]


def opencv_has_contrib() -> bool:
    """True when the installed cv2 is opencv-contrib-python (it has the KCF and CSRT trackers)."""
    return hasattr(cv2, "TrackerKCF_create") or hasattr(getattr(cv2, "legacy", None), "TrackerKCF_create")


def _factory(name: str) -> Callable | None:
    """cv2.Tracker<name>_create from the main namespace or cv2.legacy, or None when this OpenCV lacks it."""
    for namespace in (cv2, getattr(cv2, "legacy", None)):
        create = getattr(namespace, f"Tracker{name}_create", None) if namespace is not None else None
        if create is not None:
            return create
    return None


def _make_kcf():
    create = _factory("KCF")
    params_type = getattr(cv2, "TrackerKCF_Params", None)
    if params_type is None:
        return create()
    params = params_type()
    params.detect_thresh = 0.0  # never report a failure: default KCF freezes after its first one
    return create(params)


class OpenCVTracker:
    """An OpenCV tracker behind the SiamFC core interface. RGB frames in; OpenCV gets BGR, as it expects."""

    def __init__(self, name: str, create: Callable[[], object]) -> None:
        self.name = name
        self._create = create
        self._tracker = None
        self._box: np.ndarray | None = None
        self.confidence = float("nan")
        self.failures = 0  # frames on which OpenCV reported a failure since the last init()

    def init(self, image, box) -> None:
        frame = to_rgb_uint8(image)
        x, y, w, h = validate_box(box, frame.shape)
        self._box = np.array([x, y, w, h], dtype=np.float64)
        rect = _int_rect(self._box, frame.shape)
        self._tracker = self._create()
        self._tracker.init(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), rect)
        self.confidence = 1.0
        self.failures = 0

    def update(self, image) -> np.ndarray:
        if self._tracker is None:
            raise TrackerStateError("update() called before init()")
        frame = to_rgb_uint8(image)
        try:
            ok, rect = self._tracker.update(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        except cv2.error:
            ok, rect = False, None
        if ok and rect is not None and rect[2] > 0 and rect[3] > 0:
            self._box = np.asarray(rect, dtype=np.float64).reshape(4)
            self.confidence = 1.0
        else:  # a reported failure: keep the previous box
            self.confidence = 0.0
            self.failures += 1
        return self._box.copy()

    @property
    def box(self) -> np.ndarray | None:
        return None if self._box is None else self._box.copy()


class StaticTracker:
    """The box never moves: returns the initial box on every frame (a baseline, not a tracker)."""

    name = "Static"

    def __init__(self) -> None:
        self._box: np.ndarray | None = None
        self.confidence = float("nan")

    def init(self, image, box) -> None:
        frame = to_rgb_uint8(image)
        self._box = np.array(validate_box(box, frame.shape), dtype=np.float64)
        self.confidence = 1.0

    def update(self, image) -> np.ndarray:
        if self._box is None:
            raise TrackerStateError("update() called before init()")
        return self._box.copy()


def _int_rect(box: np.ndarray, shape) -> tuple[int, int, int, int]:
    """The integer rectangle OpenCV wants, clipped to the frame and at least 2x2 pixels."""
    height, width = shape[:2]
    x0 = int(np.clip(np.floor(box[0]), 0, width - 2))
    y0 = int(np.clip(np.floor(box[1]), 0, height - 2))
    x1 = int(np.clip(np.ceil(box[0] + box[2]), x0 + 2, width))
    y1 = int(np.clip(np.ceil(box[1] + box[3]), y0 + 2, height))
    return x0, y0, x1 - x0, y1 - y0


_CONTRIB = "opencv-contrib-python in place of opencv-python (see docs/leaderboards.md, section Peers)"

# name -> (factory returning a fresh core, whether deterministic, what it needs when missing)
PEERS: dict[str, tuple[Callable[[], object], bool, str]] = {
    "MIL": (lambda: OpenCVTracker("MIL", _factory("MIL")), False, "cv2.TrackerMIL_create (opencv-python >= 4.5)"),
    "KCF": (lambda: OpenCVTracker("KCF", _make_kcf), True, _CONTRIB),
    "CSRT": (lambda: OpenCVTracker("CSRT", _factory("CSRT")), True,
             _CONTRIB),
    "Static": (StaticTracker, True, ""),
}


def peer_unavailable_reason(name: str) -> str | None:
    """None when the peer can be built with the installed OpenCV, else what it needs."""
    if name not in PEERS:
        return f"unknown peer {name!r}; known: {sorted(PEERS)}"
    if name == "Static":
        return None
    if _factory(name) is None:
        return f"{name} needs {PEERS[name][2]}; the installed cv2 {cv2.__version__} has no Tracker{name}_create"
    return None


def available_peers() -> list[str]:
    """Peers that can be built here, in a fixed order (MIL, KCF, CSRT, Static)."""
    return [name for name in PEERS if peer_unavailable_reason(name) is None]


def make_peer(name: str):
    """A fresh core for peer `name`; ValueError says what is missing when it cannot be built here."""
    reason = peer_unavailable_reason(name)
    if reason is not None:
        raise ConfigError(reason)
    return PEERS[name][0]()


def is_deterministic(name: str) -> bool:
    """MIL samples at random (results differ from run to run); the others are deterministic."""
    return PEERS[name][1]
