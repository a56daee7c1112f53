"""The SiamFC tracking algorithm, free of any toolkit: numpy frames in, x,y,w,h boxes out.

Per frame: crop the search region at every scale around the last position, score all scales against the exemplar
features (computed once and never updated, as in the paper, unless template_lr > 0), upsample each score map x16
bicubically, penalise the non-unit scales, take the best scale, add the cosine window to its normalised map, move to
the peak and damp the scale change.
"""
from __future__ import annotations

import math
from typing import Protocol

import cv2
import numpy as np

from .config import TrackerConfig
from .crops import context_side, crop, mean_colour, rounded_crop
from .geometry import Geometry
from ..common.errors import InvalidBoxError, TrackerStateError
from ..data.images import to_rgb_uint8


class ScoringBackend(Protocol):
    """What the algorithm needs from a network: exemplar features once, then score maps for a batch of crops."""

    def embed_exemplar(self, exemplar: np.ndarray):  # (1, s, s, 3) uint8 -> opaque features
        ...

    def score(self, exemplar_features, search: np.ndarray) -> np.ndarray:  # (S, s, s, 3) uint8 -> (S, R, R) f32
        ...


def validate_box(box, frame_shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """A finite x,y,w,h with w, h > 0 that overlaps the frame; InvalidBoxError names what is wrong."""
    try:
        values = [float(v) for v in np.asarray(box, dtype=np.float64).reshape(-1)]
    except (TypeError, ValueError):
        raise InvalidBoxError(f"box {box!r} is not a sequence of 4 numbers") from None
    if len(values) != 4:
        raise InvalidBoxError(f"box must have 4 values x,y,w,h, got {len(values)}: {box!r}")
    x, y, w, h = values
    if not all(math.isfinite(v) for v in values):
        raise InvalidBoxError(f"box has NaN or infinite values: {values}")
    if w <= 0 or h <= 0:
        raise InvalidBoxError(f"box has no area (w={w}, h={h}): {values}")
    height, width = frame_shape[:2]
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise InvalidBoxError(f"box {values} lies wholly outside the {width}x{height} frame")
    return x, y, w, h


def peak_confidence(peak: float) -> float:
    """The tracker's confidence from the raw score peak of the chosen scale: its logistic, in (0, 1)."""
    return float(1.0 / (1.0 + math.exp(-float(np.clip(peak, -50, 50)))))


class SiamFCTracker:
    """One target at a time; init() may be called again at any moment (re-initialisation).

    `geometry` must be the one the backend's model was trained at (build_tracker takes it from the checkpoint).
    """

    def __init__(self, backend: ScoringBackend, config: TrackerConfig | None = None,
                 geometry: Geometry | None = None) -> None:
        self.backend = backend
        self.config = config or TrackerConfig()
        self.geometry = geometry or Geometry()
        cfg, geo = self.config, self.geometry
        self.scale_factors = np.asarray(cfg.scale_factors, dtype=np.float64)
        up = cfg.response_upsample * geo.response_size
        hann = np.outer(np.hanning(up), np.hanning(up)).astype(np.float32)
        self.window = hann / hann.sum()
        self.upsampled_size = up
        self._search = np.empty((cfg.scale_num, geo.instance_size, geo.instance_size, 3), dtype=np.uint8)
        self._exemplar = np.empty((1, geo.exemplar_size, geo.exemplar_size, 3), dtype=np.uint8)
        self._up = np.empty((cfg.scale_num, up, up), dtype=np.float32)
        self._response = np.empty((up, up), dtype=np.float32)
        self._window_cache: tuple | None = None
        self.exemplar_features = None  # of the target (the paper's kernel)
        self.kernel = None  # what search crops are scored against: the exemplar, minus look-alikes if enabled
        self.distractors: list = []
        self.confidence = float("nan")

    # ---- state -------------------------------------------------------------------------------------------------
    def init(self, image, box) -> None:
        frame = to_rgb_uint8(image)
        x, y, w, h = validate_box(box, frame.shape)
        cfg = self.config
        self.center = np.array([x + w / 2.0, y + h / 2.0])
        self.initial_size = np.array([max(w, cfg.min_target_px), max(h, cfg.min_target_px)])
        self.target_size = self.initial_size.copy()
        geo = self.geometry
        # the search side: derived from the target size, except under scale_clamp "search" (MatConvNet), where it is
        # damped and clamped on its own
        self.initial_search_side = self.search_side = (context_side(*self.initial_size, geo.context)
                                                       * geo.instance_size / geo.exemplar_size)
        self.fill = mean_colour(frame)
        self.exemplar_features = self.kernel = self.embed_exemplar_at_target(frame)
        self.distractors = []
        self.confidence = 1.0

    def update(self, image) -> np.ndarray:
        if self.exemplar_features is None:
            raise TrackerStateError("update() called before init()")
        frame = to_rgb_uint8(image)
        return self.advance(self.score(self.search_crops(frame)), frame)

    def score(self, crops: np.ndarray) -> np.ndarray:
        """The score maps of search crops against the current kernel (update's network stage)."""
        return self.backend.score(self.kernel, crops)

    def advance(self, responses: np.ndarray, frame: np.ndarray) -> np.ndarray:
        """update's last stage: the step to the new box from the score maps, then the kernel's update where the
        preset updates it (template_lr, distractor_weight). update = search_crops, score, advance: tools that time
        the stages or score other backends' maps from one state (bench, fidelity) call these, never a copy."""
        cfg = self.config
        look_alike = self._look_alike(responses) if cfg.distractor_weight > 0 else None
        box = self.step(responses, frame.shape)
        changed = False
        if cfg.template_lr > 0 and self.confidence > 0:
            # Blend with the features of a crop at the new box (linear, so it holds for any backend's features).
            self.exemplar_features = _blend(self.exemplar_features, self.embed_exemplar_at_target(frame),
                                            cfg.template_lr)
            changed = True
        if look_alike is not None:
            self.distractors = (self.distractors + [self.embed_exemplar_at(frame, look_alike)])[-cfg.distractor_memory:]
            changed = True
        if changed:
            self.kernel = self.exemplar_features
            if self.distractors:
                mean = self.distractors[0]
                for k, features in enumerate(self.distractors[1:], 2):
                    mean = _blend(mean, features, 1.0 / k)  # running mean, with the blend any backend supports
                # e - w d = (1 - w)((1 - r) e + r d) with r = -w / (1 - w): _blend's linear form, then a scale
                w = cfg.distractor_weight
                self.kernel = _scale(_blend(self.exemplar_features, mean, -w / (1 - w)), 1 - w)
        return box

    def _look_alike(self, responses: np.ndarray):
        """Frame position of the strongest secondary peak of the unit-scale map, or None. A secondary peak is a
        local maximum (3x3) at >= distractor_ratio of the map's range above its minimum, more than the label
        radius (2 cells) from the top peak. Found before step() moves the target: positions are relative to the
        crop centre, the current target centre."""
        cfg, geo = self.config, self.geometry
        raw = responses[len(self.scale_factors) // 2]
        low, high = float(raw.min()), float(raw.max())
        if not (math.isfinite(low) and math.isfinite(high)) or high - low < 1e-12:
            return None
        unit = (raw - low) / (high - low)
        local_max = unit >= cv2.dilate(unit, np.ones((3, 3), np.uint8))
        top = np.unravel_index(int(np.argmax(unit)), unit.shape)
        rows, cols = np.nonzero(local_max & (unit >= cfg.distractor_ratio))
        far = (rows - top[0]) ** 2 + (cols - top[1]) ** 2 > 2 ** 2
        if not far.any():
            return None
        k = int(np.argmax(np.where(far, unit[rows, cols], -1.0)))
        centre = (geo.response_size - 1) / 2.0
        x_side = self.current_search_side()
        to_frame = geo.total_stride * x_side / geo.instance_size
        return self.center + np.array([cols[k] - centre, rows[k] - centre]) * to_frame

    def embed_exemplar_at_target(self, frame: np.ndarray):
        """Exemplar features of the context crop around the current target."""
        return self.embed_exemplar_at(frame, self.center)

    def embed_exemplar_at(self, frame: np.ndarray, center):
        """Exemplar features of a context crop of the target's size around `center`."""
        geo = self.geometry
        z_side = context_side(*self.target_size, geo.context)
        self._crop(frame, center, z_side, geo.exemplar_size, self._exemplar[0])
        return self.backend.embed_exemplar(self._exemplar)

    def _crop(self, frame: np.ndarray, center, side: float, out_size: int, out: np.ndarray) -> None:
        cfg = self.config
        at = (float(center[0]) - cfg.box_origin, float(center[1]) - cfg.box_origin)
        (rounded_crop if cfg.crop_mode == "rounded" else crop)(frame, at, side, out_size, self.fill, out=out)

    def current_search_side(self) -> float:
        """Side (frame pixels) of the unit-scale search region."""
        geo = self.geometry
        if self.config.scale_clamp == "search":
            return float(self.search_side)
        return context_side(*self.target_size, geo.context) * geo.instance_size / geo.exemplar_size

    def search_crops(self, frame: np.ndarray) -> np.ndarray:
        """The search crops of every scale for this frame, written into one preallocated batch."""
        geo = self.geometry
        x_side = self.current_search_side()
        for i, factor in enumerate(self.scale_factors):
            self._crop(frame, self.center, x_side * factor, geo.instance_size, self._search[i])
        return self._search

    def step(self, responses: np.ndarray, frame_shape: tuple[int, ...]) -> np.ndarray:
        """Move the target from the raw score maps (S, R, R) of this frame's search crops; returns x,y,w,h."""
        cfg = self.config
        up = self.upsampled_size
        for i in range(cfg.scale_num):
            cv2.resize(responses[i], (up, up), dst=self._up[i], interpolation=cv2.INTER_CUBIC)
        peaks = self._up.reshape(cfg.scale_num, -1).max(axis=1).astype(np.float64)
        if not np.all(np.isfinite(peaks)):
            # A non-finite score map (e.g. a broken backend) must not move the target: keep the box, no confidence.
            self.confidence = 0.0
            return self.box
        # The penalty must lower a score whatever its sign: multiply positive peaks, divide negative ones.
        penalty = np.where(self.scale_factors == 1.0, 1.0, cfg.scale_penalty)
        if cfg.penalty_mode == "multiply":  # the reference trackers: a negative peak is raised by the penalty
            penalised = peaks * penalty
        else:
            penalised = np.where(peaks > 0, peaks * penalty, peaks / penalty)
        best = int(np.argmax(penalised))
        self.confidence = peak_confidence(peaks[best])

        # In place, in a preallocated buffer; the same float32 operations in the same order as
        # (1 - wi) * (r - min) / (sum + 1e-16) + wi * window, so the same bits.
        response, best_map = self._response, self._up[best]
        np.subtract(best_map, best_map.min(), out=response)
        response /= response.sum() + 1e-16
        np.multiply(response, 1 - cfg.window_influence, out=response)
        response += self._weighted_window(cfg.window_influence)
        row, col = np.unravel_index(int(np.argmax(response)), response.shape)
        return self.move(best, row, col, frame_shape)

    def move(self, best: int, row: int, col: int, frame_shape: tuple[int, ...]) -> np.ndarray:
        """step()'s last part: move to peak (row, col) of the upsampled map of scale `best`, damp the scale change;
        returns x,y,w,h (the device tracker, backends/device.py, finds the peak on the GPU and calls this)."""
        cfg, up = self.config, self.upsampled_size
        geo = self.geometry
        x_side = self.current_search_side()
        if cfg.peak_to_frame == "matconvnet":  # tracker_step.m: round(s_x), whatever the chosen scale
            to_frame = geo.total_stride / cfg.response_upsample * round(x_side) / geo.instance_size
        else:
            to_frame = geo.total_stride / cfg.response_upsample * x_side * self.scale_factors[best] / geo.instance_size
        centre = {"mid": (up - 1) / 2.0, "matconvnet": math.ceil(up / 2) - 1.0, "got10k": float(up // 2)}[
            cfg.response_centre]
        self.center += np.array([col - centre, row - centre]) * to_frame

        scale = (1 - cfg.scale_lr) + cfg.scale_lr * self.scale_factors[best]
        if cfg.scale_clamp == "target":
            low = np.maximum(self.initial_size * cfg.min_scale, cfg.min_target_px)
            high = self.initial_size * cfg.max_scale
            self.target_size = np.clip(self.target_size * scale, low, high)
        else:
            self.target_size = self.target_size * scale
            if cfg.scale_clamp == "search":  # tracker.m: only the search side saturates
                self.search_side = float(np.clip(self.search_side * scale, cfg.min_scale * self.initial_search_side,
                                                 cfg.max_scale * self.initial_search_side))
        if cfg.clip_center:
            height, width = frame_shape[:2]
            self.center = np.clip(self.center, [0.0, 0.0], [float(width), float(height)])
        return self.box

    def _weighted_window(self, influence: float) -> np.ndarray:
        """influence * window, computed once per influence value (float32, as the product in step() would be)."""
        cache = self._window_cache
        if cache is None or cache[0] != influence or cache[1] is not self.window:
            cache = self._window_cache = (influence, self.window, influence * self.window)
        return cache[2]

    @property
    def box(self) -> np.ndarray:
        w, h = self.target_size
        return np.array([self.center[0] - w / 2.0, self.center[1] - h / 2.0, w, h])


def _scale(features, factor: float):
    if isinstance(features, dict):
        return {key: _scale(value, factor) for key, value in features.items()}
    return features * factor


def _blend(old, new, rate: float):
    """(1 - rate) * old + rate * new for a backend's exemplar features: a tensor, an array or a dict of them."""
    if isinstance(old, dict):
        return {key: _blend(old[key], new[key], rate) for key in old}
    return old * (1.0 - rate) + new * rate
