"""The embedded default benchmark: textured objects moving, scaling and being occluded over textured backgrounds.

Written in the OTB layout (<seq>/img/0001.jpg + groundtruth_rect.txt), deterministic from a seed, so that every
command has data to run on in a fresh clone. The ground truth is exact: it is the box the object was drawn into.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from ..common.atomic import write_text
from .readers import otb_groundtruth_text


@dataclass(frozen=True)
class SyntheticConfig:
    sequences: int = 4
    frames: int = 60
    width: int = 320
    height: int = 240
    seed: int = 0
    occlusion: bool = True


def texture(rng: np.random.Generator, height: int, width: int, cells: int = 8) -> np.ndarray:
    """A smooth random colour texture (low-frequency noise plus a few stripes) as HxWx3 uint8."""
    coarse = rng.integers(0, 256, size=(max(2, height // cells), max(2, width // cells), 3)).astype(np.uint8)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    fine = rng.normal(0, 12, size=(height, width, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:height, 0:width]
    stripes = 30 * np.sin(xx * rng.uniform(0.1, 0.4) + yy * rng.uniform(0.1, 0.4))[:, :, None]
    return np.clip(image + fine + stripes, 0, 255).astype(np.uint8)


def make_sequence(rng: np.random.Generator, cfg: SyntheticConfig) -> tuple[list[np.ndarray], np.ndarray]:
    """Frames (RGB) and exact x,y,w,h boxes of one sequence."""
    W, H = cfg.width, cfg.height
    # a muted background and a bolder, coarser object texture: the object is distinct but not trivially so
    background = (0.55 * texture(rng, H * 2, W * 2, cells=24) + 0.45 * 110).astype(np.uint8)
    w0, h0 = rng.uniform(0.12, 0.22) * W, rng.uniform(0.15, 0.3) * H
    obj = texture(rng, 128, 128, cells=20)
    cv2.rectangle(obj, (0, 0), (127, 127), tuple(int(v) for v in rng.integers(0, 256, 3)), 6)
    start = np.array([rng.uniform(0.3, 0.7) * W, rng.uniform(0.3, 0.7) * H])
    velocity = rng.uniform(-2.5, 2.5, size=2)
    scale_rate = rng.uniform(-0.006, 0.006)
    camera = rng.uniform(-0.8, 0.8, size=2)
    occluder = texture(rng, 64, 64, cells=2)
    occ_start = int(rng.integers(cfg.frames // 3, max(cfg.frames // 3 + 1, cfg.frames - 12)))
    frames, boxes = [], []
    center, scale = start.copy(), 1.0
    for t in range(cfg.frames):
        if t:
            velocity = np.clip(velocity + rng.normal(0, 0.3, 2), -4, 4)
            center = center + velocity
            scale = float(np.clip(scale * (1 + scale_rate + rng.normal(0, 0.003)), 0.6, 1.6))
        w, h = w0 * scale, h0 * scale
        # keep the object inside the frame: bounce off the borders
        for k, (size, limit) in enumerate(((w, W), (h, H))):
            if center[k] - size / 2 < 2 or center[k] + size / 2 > limit - 2:
                velocity[k] = -velocity[k]
                center[k] = np.clip(center[k], size / 2 + 2, limit - size / 2 - 2)
        ox, oy = (camera * t) % np.array([W, H])
        frame = background[int(oy): int(oy) + H, int(ox): int(ox) + W].copy()
        x, y = center[0] - w / 2, center[1] - h / 2
        matrix = np.array([[w / 128, 0, x], [0, h / 128, y]], dtype=np.float64)
        cv2.warpAffine(obj, matrix, (W, H), dst=frame, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
        if cfg.occlusion and occ_start <= t < occ_start + 8:  # an occluder crosses half of the object
            side = int(max(w, h) * 0.6)
            patch = cv2.resize(occluder, (side, side))
            px = int(np.clip(x + w * (t - occ_start) / 8 - side / 2, 0, W - side))
            py = int(np.clip(y + h / 2 - side / 2, 0, H - side))
            frame[py: py + side, px: px + side] = patch
        frames.append(frame)
        boxes.append([x, y, w, h])
    return frames, np.array(boxes)


def write_benchmark(root: str, cfg: SyntheticConfig = SyntheticConfig()) -> list[str]:
    """Write cfg.sequences OTB-layout sequences under root (skipped when already complete); return their names."""
    names = []
    for index in range(cfg.sequences):
        name = f"Synthetic{index + 1:02d}"
        names.append(name)
        seq_rng = np.random.default_rng([cfg.seed, index])
        folder = os.path.join(root, name)
        gt_path = os.path.join(folder, "groundtruth_rect.txt")
        if os.path.isfile(gt_path) and len(os.listdir(os.path.join(folder, "img"))) == cfg.frames:
            continue
        frames, boxes = make_sequence(seq_rng, cfg)
        os.makedirs(os.path.join(folder, "img"), exist_ok=True)
        for t, frame in enumerate(frames):
            cv2.imwrite(os.path.join(folder, "img", f"{t + 1:04d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 92])
        write_text(gt_path, otb_groundtruth_text(boxes))
    return names
