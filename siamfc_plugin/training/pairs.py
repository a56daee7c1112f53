"""Pair sampler: (exemplar crop, search crop, labels, weights) from mixed training sources.

Pair k of epoch e depends only on (seed, e, k), so runs are reproducible whatever the number of loader workers, and
a resumed run sees exactly the pairs the uninterrupted one would have seen.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..core.crops import context_side, mean_colour
from ..core.geometry import Geometry
from ..common.errors import ConfigError, FrameReadError
from ..data.images import read_frame
from .sources import Track

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairConfig(Geometry):  # the geometry fields (exemplar_size, ..., context) come from core/geometry.py
    max_frame_gap: int = 100  # T in the paper
    negative_prob: float = 0.25  # pairs from different tracks, all labels -1 (paper, first version)
    semantic_negatives: float = 0.5  # of those, the share whose search target is another object of the same class
    gray_prob: float = 0.25
    flip_prob: float = 0.5
    scale_jitter: float = 0.05  # search scale drawn from [1/(1+j), 1+j]; also the aspect jitter
    max_shift: float = 32.0  # search-crop pixels the target centre may move off the crop centre
    radius: float = 16.0  # R: positives within R search-crop pixels of the target centre
    still_scale_jitter: float = 0.15  # the two views of a still image differ more (no motion to learn from)
    colour_jitter: float = 0.0  # per view: contrast and per-channel gains in [1-c, 1+c], brightness +-c*64
    blur_prob: float = 0.0  # search view blurred (Gaussian, sigma 0.5-2 px): motion blur and defocus
    rotation: float = 0.0  # search view turned by up to this many degrees about the target (in-plane rotation)
    still_rotation: float = 0.0  # the same for still images, whose two views otherwise differ only by scale
    occlusion_prob: float = 0.0  # part of the target in the search view covered by a patch of its surroundings


def response_offsets(response_size: int, total_stride: int) -> np.ndarray:
    """Search-crop pixels of each score-map column (row) from the search-crop centre: the cells are centred."""
    return (np.arange(response_size) - (response_size - 1) / 2.0) * total_stride


def make_labels(response_size: int, total_stride: int, radius: float, offset=(0.0, 0.0),
                negative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Labels (+1 within `radius` crop pixels of the target, -1 elsewhere) and balanced weights (sum 1).

    `offset` is the target centre's (dx, dy) from the search-crop centre, in crop pixels.
    """
    grid = response_offsets(response_size, total_stride)
    dx = grid[None, :] - offset[0]
    dy = grid[:, None] - offset[1]
    positive = (np.sqrt(dx ** 2 + dy ** 2) <= radius) & (not negative)
    labels = np.where(positive, 1.0, -1.0).astype(np.float32)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    weights = np.zeros_like(labels)
    if n_pos:
        weights[positive] = 0.5 / n_pos
        weights[~positive] = 0.5 / n_neg
    else:
        weights[:] = 1.0 / positive.size
    return labels, weights


def affine_crop(image: np.ndarray, point, side_x: float, side_y: float, out_size: int, fill,
                flip: bool = False, angle: float = 0.0, at=(0.0, 0.0)) -> np.ndarray:
    """Crop side_x by side_y frame pixels (independent axes: aspect jitter) into out_size^2, so that the frame
    `point` lands `at` (dx, dy) crop pixels from the crop centre.

    `angle` (radians) turns the sampling grid about `point`; `flip` mirrors the output horizontally. In pixel-centre
    coordinates a crop pixel u maps to the frame point point + R(angle) S F (u - out_size / 2 - at).
    """
    cos, sin = math.cos(angle), math.sin(angle)
    scale = np.diag([side_x / out_size, side_y / out_size])
    mirror = np.diag([-1.0 if flip else 1.0, 1.0])
    linear = np.array([[cos, -sin], [sin, cos]]) @ scale @ mirror
    # +0.5 / -0.5: OpenCV addresses pixels by their index, the formula above by their centre
    offset = np.asarray(point, dtype=np.float64) - 0.5 + linear @ (0.5 - out_size / 2.0 - np.asarray(at, float))
    matrix = np.hstack([linear, offset[:, None]])
    return cv2.warpAffine(image, matrix, (out_size, out_size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


class PairSampler(Dataset):
    """Map-style dataset of `pairs_per_epoch` pairs; call set_epoch(e) before each epoch."""

    def __init__(self, sources: list[tuple[list[Track], float]], config: PairConfig = PairConfig(),
                 pairs_per_epoch: int = 50_000, seed: int = 0, frame_reader=read_frame) -> None:
        self.sources = [(tracks, float(weight)) for tracks, weight in sources if tracks and weight > 0]
        if not self.sources:
            raise ConfigError("the pair sampler needs at least one source with tracks and a weight > 0")
        weights = np.array([w for _, w in self.sources])
        self.source_probs = weights / weights.sum()
        self.config = config
        self.pairs_per_epoch = int(pairs_per_epoch)
        self.seed = int(seed)
        self.epoch = 0
        self.read = frame_reader
        self.by_class: dict[str, list[Track]] = {}  # for semantic negatives
        for tracks, _ in self.sources:
            for track in tracks:
                if track.object_class:
                    self.by_class.setdefault(track.object_class, []).append(track)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.pairs_per_epoch

    def choose(self, rng: np.random.Generator) -> tuple[Track, int, Track, int, bool]:
        """(exemplar track, frame, search track, frame, negative): frames visible and at most T apart."""
        tracks = self.sources[rng.choice(len(self.sources), p=self.source_probs)][0]
        track = tracks[rng.integers(len(tracks))]
        visible = np.flatnonzero(track.visible)
        i = int(visible[rng.integers(len(visible))])
        if rng.random() < self.config.negative_prob:
            other = self.negative_for(track, rng)
            if other is not None:
                other_visible = np.flatnonzero(other.visible)
                return track, i, other, int(other_visible[rng.integers(len(other_visible))]), True
        near = visible[np.abs(visible - i) <= self.config.max_frame_gap]
        return track, i, track, int(near[rng.integers(len(near))]), False

    def negative_for(self, track: Track, rng: np.random.Generator, tries: int = 8) -> Track | None:
        """A track from another image or video: with probability `semantic_negatives` one of the same class (a
        look-alike: another person for a person), otherwise any. None where no such track turns up."""
        same_class = self.by_class.get(track.object_class) if track.object_class else None
        semantic = bool(same_class) and rng.random() < self.config.semantic_negatives
        for _ in range(tries):
            if semantic:
                other = same_class[rng.integers(len(same_class))]
            else:
                other_tracks = self.sources[rng.choice(len(self.sources), p=self.source_probs)][0]
                other = other_tracks[rng.integers(len(other_tracks))]
            if other is not track and not (track.group and other.group == track.group):
                return other
        return None

    def __getitem__(self, index: int):
        return self.pair(self.epoch, index)

    def pair(self, epoch: int, index: int):
        """(exemplar, search, labels, weights, skipped) of pair `index` of `epoch`: `skipped` counts unreadable
        frames replaced by redrawing (returned with the pair so the count survives loader worker processes)."""
        for attempt in range(10):
            rng = np.random.default_rng([self.seed, int(epoch), int(index), attempt])
            try:
                return (*self.make_pair(rng), attempt)
            except FrameReadError as exc:
                log.warning("skipping unreadable frame: %s", exc)
        raise FrameReadError(f"10 pairs in a row hit unreadable frames (last around pair {index})")

    def make_pair(self, rng: np.random.Generator):
        cfg = self.config
        z_track, i, x_track, j, negative = self.choose(rng)
        still = len(z_track) == 1 and not negative
        flip = rng.random() < cfg.flip_prob
        gray = rng.random() < cfg.gray_prob

        z_image = self.read(z_track.frames[i])
        z_box = z_track.boxes[i]
        z_side = context_side(z_box[2], z_box[3], cfg.context)
        z_center = (z_box[0] + z_box[2] / 2, z_box[1] + z_box[3] / 2)
        jitter = cfg.still_scale_jitter if still else cfg.scale_jitter
        if still:  # the exemplar view of a still image gets its own small jitter too
            z_side *= math.exp(rng.uniform(-jitter, jitter) / 2)
        exemplar = affine_crop(z_image, z_center, z_side, z_side, cfg.exemplar_size, mean_colour(z_image), flip)

        x_image = z_image if (x_track is z_track and j == i) else self.read(x_track.frames[j])
        x_box = x_track.boxes[j]
        x_side = context_side(x_box[2], x_box[3], cfg.context) * cfg.instance_size / cfg.exemplar_size
        scale = math.exp(rng.uniform(-math.log1p(jitter), math.log1p(jitter)))
        aspect = math.exp(rng.uniform(-math.log1p(jitter), math.log1p(jitter)) / 2)
        side_x, side_y = x_side * scale * aspect, x_side * scale / aspect
        shift = rng.uniform(-cfg.max_shift, cfg.max_shift, size=2)  # target offset in crop pixels
        max_angle = math.radians(cfg.still_rotation if still else cfg.rotation)
        angle = rng.uniform(-max_angle, max_angle) if max_angle > 0 else 0.0
        if flip:  # the mirrored crop shows the target on the other side
            shift[0] = -shift[0]
        x_target = (x_box[0] + x_box[2] / 2, x_box[1] + x_box[3] / 2)
        search = affine_crop(x_image, x_target, side_x, side_y, cfg.instance_size, mean_colour(x_image), flip,
                             angle, at=shift)
        if cfg.occlusion_prob > 0 and not negative and rng.random() < cfg.occlusion_prob:
            target_size = (x_box[2] * cfg.instance_size / side_x, x_box[3] * cfg.instance_size / side_y)
            search = _occlude(search, (cfg.instance_size / 2 + shift[0], cfg.instance_size / 2 + shift[1]),
                              target_size, rng)
        if cfg.colour_jitter > 0:  # each view on its own: lighting changes between the two frames
            exemplar = _colour_jitter(exemplar, cfg.colour_jitter, rng)
            search = _colour_jitter(search, cfg.colour_jitter, rng)
        if cfg.blur_prob > 0 and rng.random() < cfg.blur_prob:
            search = cv2.GaussianBlur(search, (0, 0), sigmaX=rng.uniform(0.5, 2.0))
        if gray:
            exemplar = _gray3(exemplar)
            search = _gray3(search)
        labels, weights = make_labels(cfg.response_size, cfg.total_stride, cfg.radius, shift, negative)
        return (torch.from_numpy(exemplar).permute(2, 0, 1), torch.from_numpy(search).permute(2, 0, 1),
                torch.from_numpy(labels)[None], torch.from_numpy(weights)[None])


class RunPairs(Dataset):
    """The pairs of epochs first_epoch .. epochs-1 in one index space (each epoch: `indices` of the sampler's
    pairs), so that one DataLoader, its worker processes started once, serves a whole run."""

    def __init__(self, sampler: PairSampler, indices: list[int], first_epoch: int, epochs: int) -> None:
        self.sampler, self.indices = sampler, list(indices)
        self.first_epoch, self.epochs = int(first_epoch), int(epochs)

    def __len__(self) -> int:
        return len(self.indices) * max(self.epochs - self.first_epoch, 0)

    def __getitem__(self, i: int):
        epoch, k = divmod(int(i), len(self.indices))
        return self.sampler.pair(self.first_epoch + epoch, self.indices[k])


def _occlude(search: np.ndarray, center, size, rng: np.random.Generator) -> np.ndarray:
    """Cover 20-50% of the target box (crop pixels) with a same-sized patch from elsewhere in the search crop,
    placed so that it overlaps the target from a random side: an occluder that looks like the scene."""
    n = search.shape[0]
    area = rng.uniform(0.2, 0.5) * size[0] * size[1]
    aspect = math.exp(rng.uniform(-0.7, 0.7))
    w = int(np.clip(math.sqrt(area * aspect), 4, n // 2))
    h = int(np.clip(math.sqrt(area / aspect), 4, n // 2))
    x0 = int(np.clip(center[0] + rng.uniform(-0.5, 0.5) * size[0] - w / 2, 0, n - w))
    y0 = int(np.clip(center[1] + rng.uniform(-0.5, 0.5) * size[1] - h / 2, 0, n - h))
    sx, sy = int(rng.integers(0, n - w + 1)), int(rng.integers(0, n - h + 1))
    out = search.copy()
    out[y0:y0 + h, x0:x0 + w] = search[sy:sy + h, sx:sx + w]
    return out


def _gray3(image: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.repeat(gray[:, :, None], 3, axis=2)


def _colour_jitter(image: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    gains = rng.uniform(1 - amount, 1 + amount) * rng.uniform(1 - amount / 2, 1 + amount / 2, size=3)
    offset = rng.uniform(-amount, amount) * 64.0
    return np.clip(image.astype(np.float32) * gains.astype(np.float32) + offset, 0, 255).astype(np.uint8)
