"""Tracking hyper-parameters: one dataclass, the paper's presets by name.

The crop and score-map sizes are not here: they belong to the model (core/geometry.py, stored in its checkpoint).

The numbers are those of the SiamFC reference code (see docs/model.md, "Presets"): the paper's text rounds some of them
(1.025 and 0.35 for the 5-scale step and learning rate).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..common.errors import ConfigError


def dataclass_from_dict(cls, values: Mapping[str, Any], what: str):
    """Build dataclass `cls` from a mapping, refusing unknown keys with a message that lists the valid ones."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown {what} field(s) {unknown}; valid fields: {sorted(known)}")
    types = {f.name: f.type for f in dataclasses.fields(cls)}
    return cls(**{key: _coerce(value, types[key], f"{what} field {key!r}") for key, value in values.items()})


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Numbers of the annotated kind: 5.0 where an int is due becomes 5 (JSON and TOML writers produce such
    values), 2.5 is refused; an int where a float is due becomes a float. Anything else passes unchanged."""
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if isinstance(value, bool):
        return value
    if kind == "int" and isinstance(value, float):
        if not value.is_integer():
            raise ConfigError(f"{where} must be a whole number, got {value}")
        return int(value)
    if kind == "float" and isinstance(value, int):
        return float(value)
    return value


def parse_overrides(pairs: list[str] | None) -> dict[str, Any]:
    """Turn ['key=value', ...] into a dict, values parsed as int, float, bool or left as str."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ConfigError(f"override {pair!r} is not of the form key=value")
        key, raw = pair.split("=", 1)
        out[key.strip()] = _parse_scalar(raw.strip())
    return out


def _parse_scalar(raw: str) -> Any:
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


SCALE_CLAMPS = ("target", "search", "none")
RESPONSE_CENTRES = ("mid", "matconvnet", "got10k")


@dataclass(frozen=True)
class TrackerConfig:
    """The tracking hyper-parameters (the geometry comes with the model); every value can be overridden."""

    response_upsample: int = 16
    scale_num: int = 3
    scale_step: float = 1.0375
    scale_penalty: float = 0.9745
    scale_lr: float = 0.59
    window_influence: float = 0.176
    min_scale: float = 0.2  # target size kept within [min_scale, max_scale] x its initial size
    max_scale: float = 5.0
    min_target_px: float = 4.0  # and never below this many pixels a side
    # 0: the paper (exemplar features computed once, never updated). > 0: after each frame the features become
    # (1 - lr) * features + lr * features of a new exemplar crop at the new box (CFNet's improved SiamFC baseline)
    template_lr: float = 0.0
    # 0: the paper. > 0: distractor-aware scoring (after DaSiamRPN): a look-alike seen as a secondary peak (a local
    # maximum of the score map at >= distractor_ratio of the top, outside the target's label radius) is embedded
    # like an exemplar, and the kernel becomes features - weight * mean(last distractor_memory look-alikes).
    # Correlation is linear in the kernel, so this costs one exemplar crop per look-alike found and nothing per frame.
    distractor_weight: float = 0.0
    distractor_ratio: float = 0.8
    distractor_memory: int = 4
    # The published trackers' details (docs/model.md, "Published weights"); the defaults are this plugin's tracker.
    # scale_clamp: "target" (the target size within [min_scale, max_scale] x its initial size), "search" (MatConvNet
    # tracker.m: the search side within [min_scale, max_scale] x its initial value, the target size unclamped) or
    # "none" (siamfc-pytorch, got-10k/siamfc)
    scale_clamp: str = "target"
    # the upsampled map's centre, 0-based: "mid" (up - 1) / 2 (ours, siamfc-pytorch), "matconvnet" ceil(up / 2) - 1
    # (tracker_step.m's 1-based ceil(up / 2)), "got10k" up // 2 (got-10k/siamfc)
    response_centre: str = "mid"
    # peak to frame displacement: "scaled" (x search side of the chosen scale) or "matconvnet" (x round(search side)
    # of the unit scale, as tracker_step.m is passed round(s_x))
    peak_to_frame: str = "scaled"
    # "sign-aware": a penalty lowers a score of either sign; "multiply": the reference code's peak * penalty
    penalty_mode: str = "sign-aware"
    # "subpixel": one warpAffine from the frame; "rounded": the side and corners rounded to whole pixels, the frame
    # padded with the mean colour and the patch resized with cv2.resize (siamfc-pytorch's, got-10k/siamfc's crop)
    crop_mode: str = "subpixel"
    # crops are centred box_origin pixels up-left of the box centre: 1 reproduces siamfc-pytorch and got-10k/siamfc,
    # which read 0-based boxes as 1-based (their reported boxes are not shifted)
    box_origin: float = 0.0
    clip_center: bool = True  # keep the target centre inside the frame (the reference trackers do not)
    name: str = "siamfc-3s"

    def __post_init__(self) -> None:
        checks = [
            (self.response_upsample >= 1, "response_upsample must be >= 1"),
            (self.scale_num >= 1 and self.scale_num % 2 == 1, "scale_num must be a positive odd number"),
            (self.scale_step >= 1.0, "scale_step must be >= 1"),
            (0 < self.scale_penalty <= 1, "scale_penalty must be in (0, 1]"),
            (0 <= self.scale_lr <= 1, "scale_lr must be in [0, 1]"),
            (0 <= self.window_influence <= 1, "window_influence must be in [0, 1]"),
            (0 <= self.template_lr <= 1, "template_lr must be in [0, 1]"),
            (0 <= self.distractor_weight < 1, "distractor_weight must be in [0, 1)"),
            (0 < self.distractor_ratio <= 1, "distractor_ratio must be in (0, 1]"),
            (self.distractor_memory >= 1, "distractor_memory must be >= 1"),
            (0 < self.min_scale <= 1 <= self.max_scale, "need 0 < min_scale <= 1 <= max_scale"),
            (self.min_target_px > 0, "min_target_px must be > 0"),
            (self.scale_clamp in SCALE_CLAMPS, f"scale_clamp must be one of {SCALE_CLAMPS}"),
            (self.response_centre in RESPONSE_CENTRES, f"response_centre must be one of {RESPONSE_CENTRES}"),
            (self.peak_to_frame in ("scaled", "matconvnet"), "peak_to_frame must be 'scaled' or 'matconvnet'"),
            (self.penalty_mode in ("sign-aware", "multiply"), "penalty_mode must be 'sign-aware' or 'multiply'"),
            (self.crop_mode in ("subpixel", "rounded"), "crop_mode must be 'subpixel' or 'rounded'"),
        ]
        for value in dataclasses.astuple(self):
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"tracker config values must be finite, got {value}")
        for ok, message in checks:
            if not ok:
                raise ConfigError(f"bad tracker config: {message} ({self})")

    @property
    def scale_factors(self) -> list[float]:
        half = self.scale_num // 2
        return [self.scale_step ** k for k in range(-half, half + 1)]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TrackerConfig":
        return dataclass_from_dict(cls, values, "tracker config")

    def replace(self, **overrides: Any) -> "TrackerConfig":
        return TrackerConfig.from_dict({**self.to_dict(), **overrides})


PRESETS: dict[str, TrackerConfig] = {
    "siamfc-3s": TrackerConfig(),
    "siamfc-5s": TrackerConfig(
        scale_num=5, scale_step=1.0255, scale_penalty=0.962, scale_lr=0.34, window_influence=0.168,
        name="siamfc-5s",
    ),
    # not the paper: siamfc-3s plus distractor-aware scoring (README, "The tracker", has its dev numbers)
    "siamfc-3s-da": TrackerConfig(distractor_weight=0.5, name="siamfc-3s-da"),
    # The published trackers, to the digit (docs/model.md, "Published weights"). bertinetto/siamese-fc
    # tracking/tracker.m defaults (3 scales) and tracking/params-5s.txt (5 scales): the search side (not the target
    # size) clamped to [0.2, 5] x its initial value, the map centre ceil(272 / 2) (1-based), the displacement scaled
    # by round(s_x) of the unit scale, the penalty a plain product, no clipping to the frame. What stays different:
    # MATLAB's crops (whole-pixel corners, imresize bicubic with antialiasing); the VOT polygon rule is
    # SIAMFC_POLYGON=matconvnet (get_axis_aligned_BB.m).
    "siamfc-matconvnet-3s": TrackerConfig(scale_clamp="search", response_centre="matconvnet",
                                          peak_to_frame="matconvnet", penalty_mode="multiply", clip_center=False,
                                          min_target_px=1e-6, name="siamfc-matconvnet-3s"),
    "siamfc-matconvnet-5s": TrackerConfig(scale_num=5, scale_step=1.0255, scale_penalty=0.962, scale_lr=0.34,
                                          window_influence=0.168, scale_clamp="search",
                                          response_centre="matconvnet", peak_to_frame="matconvnet",
                                          penalty_mode="multiply", clip_center=False, min_target_px=1e-6,
                                          name="siamfc-matconvnet-5s"),
    # huanglianghua/siamfc-pytorch's TrackerSiamFC (3 scales): no size clamps, the penalty a plain product, its
    # whole-pixel crop, boxes read as 1-based; equal boxes on real sequences (benchmarks/reference_equivalence.py)
    "siamfc-pytorch": TrackerConfig(scale_clamp="none", penalty_mode="multiply", crop_mode="rounded", box_origin=1.0,
                                    clip_center=False, min_target_px=1e-6, name="siamfc-pytorch"),
    # got-10k/siamfc's TrackerSiamFC: siamfc-pytorch's tracker with the map centre at up // 2
    "siamfc-got10k": TrackerConfig(scale_clamp="none", penalty_mode="multiply", crop_mode="rounded", box_origin=1.0,
                                   clip_center=False, min_target_px=1e-6, response_centre="got10k",
                                   name="siamfc-got10k"),
}


def preset(name: str, **overrides: Any) -> TrackerConfig:
    """The named preset, with overrides applied (a clear error for an unknown name or field)."""
    try:
        base = PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}") from None
    return base.replace(**overrides) if overrides else base

