"""The embedded default benchmark: textured objects moving, scaling and being occluded over textured backgrounds.

Two styles: "plain" (one object; the tracking algorithm's unit tests) and "demo" (`siamfc demo`, the leaderboard's
default data: look-alike distractors, full occlusion, fast motion, scale, illumination and camera events, each
tagged per frame in <tag>.tag files), hard enough that a static box, OpenCV MIL and SiamFC rank apart.

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
from ..common.errors import ConfigError


# Bumped whenever the generator's output changes: a benchmark written by another version is written anew.
GENERATOR_VERSION = 2

# VOT attribute names: each demo-style sequence gets one <tag>.tag file per attribute (1 where the event is on), so
# that the leaderboard's per-attribute figure has frames in every group.
TAGS = ("camera_motion", "illum_change", "motion_change", "occlusion", "size_change")


@dataclass(frozen=True)
class SyntheticConfig:
    sequences: int = 4
    frames: int = 60
    width: int = 320
    height: int = 240
    seed: int = 0
    occlusion: bool = True
    # "plain": one object moving, scaling, half-occluded once (unit tests of the tracking algorithm rely on it);
    # "demo": the leaderboard's benchmark, hard enough to rank trackers (make_demo_sequence), with .tag files
    style: str = "plain"
    distractors: int = 2  # demo style: look-alike objects (the target's texture, recoloured) on their own paths


DEMO = SyntheticConfig(sequences=6, frames=80, style="demo")
# where `siamfc demo` and `siamfc leaderboard` without --root write the benchmark (once; kept while its settings hold)
DEFAULT_ROOT = os.path.join(os.path.expanduser("~"), ".cache", "siamfc-plugin", "synthetic")


def texture(rng: np.random.Generator, height: int, width: int, cells: int = 8) -> np.ndarray:
    """A smooth random colour texture (low-frequency noise plus a few stripes) as HxWx3 uint8."""
    coarse = rng.integers(0, 256, size=(max(2, height // cells), max(2, width // cells), 3)).astype(np.uint8)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    fine = rng.normal(0, 12, size=(height, width, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:height, 0:width]
    stripes = 30 * np.sin(xx * rng.uniform(0.1, 0.4) + yy * rng.uniform(0.1, 0.4))[:, :, None]
    return np.clip(image + fine + stripes, 0, 255).astype(np.uint8)


def _events(rng: np.random.Generator, frames: int) -> dict[str, tuple[int, int]]:
    """One [start, end) window per attribute, spread over the sequence after a quiet start (frames 0-7)."""
    length = max(4, frames // 8)
    slots = np.linspace(8, max(9, frames - length), len(TAGS)).astype(int)
    order = rng.permutation(len(TAGS))
    return {tag: (int(slots[i]), int(slots[i]) + length) for tag, i in zip(TAGS, order)}


def _paste(frame: np.ndarray, texture_image: np.ndarray, x: float, y: float, w: float, h: float) -> None:
    size = texture_image.shape[0]
    matrix = np.array([[w / size, 0, x], [0, h / size, y]], dtype=np.float64)
    H, W = frame.shape[:2]
    cv2.warpAffine(texture_image, matrix, (W, H), dst=frame, flags=cv2.INTER_LINEAR,
                   borderMode=cv2.BORDER_TRANSPARENT)


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


def make_demo_sequence(rng: np.random.Generator, cfg: SyntheticConfig
                       ) -> tuple[list[np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """The demo style: frames (RGB), exact x,y,w,h boxes and per-frame attribute tags of one sequence.

    Events, one window each: camera motion (the background pans fast), illumination change (the whole frame
    darkens then brightens), motion change (the target jumps several times faster), occlusion (an occluder covers
    the target whole), size change (the target grows or shrinks fast). Look-alike distractors move throughout."""
    W, H = cfg.width, cfg.height
    # a muted background and a bolder, coarser object texture: the object is distinct but not trivially so
    background = (0.55 * texture(rng, H * 3, W * 3, cells=24) + 0.45 * 110).astype(np.uint8)
    w0, h0 = rng.uniform(0.12, 0.2) * W, rng.uniform(0.15, 0.27) * H
    obj = texture(rng, 128, 128, cells=20)
    cv2.rectangle(obj, (0, 0), (127, 127), tuple(int(v) for v in rng.integers(0, 256, 3)), 6)
    look_alikes = []
    for _ in range(cfg.distractors):  # the target's texture with its channels shuffled and its border recoloured
        twin = obj[:, :, rng.permutation(3)].copy()
        cv2.rectangle(twin, (0, 0), (127, 127), tuple(int(v) for v in rng.integers(0, 256, 3)), 6)
        look_alikes.append({"texture": twin, "center": np.array([rng.uniform(0.15, 0.85) * W,
                                                                 rng.uniform(0.15, 0.85) * H]),
                            "velocity": rng.uniform(-3, 3, size=2), "scale": rng.uniform(0.8, 1.1)})
    events = _events(rng, cfg.frames)
    tags = {tag: np.zeros(cfg.frames, bool) for tag in TAGS}
    start = np.array([rng.uniform(0.35, 0.65) * W, rng.uniform(0.35, 0.65) * H])
    velocity = rng.uniform(-2.0, 2.0, size=2)
    growth = rng.choice([-1.0, 1.0]) * rng.uniform(0.035, 0.05)
    occluder = texture(rng, 64, 64, cells=2)
    frames, boxes = [], []
    center, scale, camera, light = start.copy(), 1.0, np.zeros(2), 1.0
    pan = rng.uniform(-1, 1, size=2)
    pan = 9.0 * pan / (np.linalg.norm(pan) + 1e-9)
    for t in range(cfg.frames):
        on = {tag: a <= t < b for tag, (a, b) in events.items()}
        if t:
            velocity = np.clip(velocity + rng.normal(0, 0.3, 2), -3, 3)
            step = velocity * (5.0 if on["motion_change"] else 1.0)
            center = center + step
            rate = growth if on["size_change"] else rng.normal(0, 0.003)
            scale = float(np.clip(scale * (1 + rate), 0.5, 1.8))
            camera = camera + (pan if on["camera_motion"] else 0.3 * pan / 9.0)
        w, h = w0 * scale, h0 * scale
        # keep the object inside the frame: bounce off the borders
        for k, (size, limit) in enumerate(((w, W), (h, H))):
            if center[k] - size / 2 < 2 or center[k] + size / 2 > limit - 2:
                velocity[k] = -velocity[k]
                center[k] = np.clip(center[k], size / 2 + 2, limit - size / 2 - 2)
        ox, oy = camera % np.array([2 * W, 2 * H])
        frame = background[int(oy): int(oy) + H, int(ox): int(ox) + W].copy()
        for twin in look_alikes:
            twin["center"] = twin["center"] + twin["velocity"]
            for k, limit in enumerate((W, H)):
                if not 0.1 * limit < twin["center"][k] < 0.9 * limit:
                    twin["velocity"][k] = -twin["velocity"][k]
            tw, th = w0 * twin["scale"], h0 * twin["scale"]
            _paste(frame, twin["texture"], twin["center"][0] - tw / 2, twin["center"][1] - th / 2, tw, th)
        x, y = center[0] - w / 2, center[1] - h / 2
        _paste(frame, obj, x, y, w, h)
        a, b = events["occlusion"]
        if cfg.occlusion and on["occlusion"]:  # an occluder sweeps over the target, covering it whole mid-way
            side = int(max(w, h) * 1.3)
            progress = (t - a + 0.5) / (b - a)
            patch = cv2.resize(occluder, (side, side))
            px = int(np.clip(x + w / 2 - side / 2 + (progress - 0.5) * 1.2 * side, 0, W - side))
            py = int(np.clip(y + h / 2 - side / 2, 0, H - side))
            frame[py: py + side, px: px + side] = patch
        if on["illum_change"]:  # the light dims to 35 % and comes back
            a, b = events["illum_change"]
            light = 1.0 - 0.65 * np.sin(np.pi * (t - a + 1) / (b - a + 1))
        else:
            light = 1.0
        if light != 1.0:
            frame = np.clip(frame.astype(np.float32) * light, 0, 255).astype(np.uint8)
        for tag in TAGS:
            tags[tag][t] = on[tag] and (tag != "occlusion" or cfg.occlusion)
        frames.append(frame)
        boxes.append([x, y, w, h])
    return frames, np.array(boxes), tags


def write_benchmark(root: str, cfg: SyntheticConfig = SyntheticConfig()) -> list[str]:
    """Write cfg.sequences OTB-layout sequences under root (plus a <tag>.tag file per VOT attribute in each
    sequence folder); sequences already written by this generator version with these settings are kept. Returns
    their names."""
    import json

    stamp = os.path.join(root, "synthetic.json")
    settings = {"generator": GENERATOR_VERSION, **{k: getattr(cfg, k) for k in cfg.__dataclass_fields__}}
    try:
        with open(stamp) as handle:
            same = {k: v for k, v in json.load(handle).items() if k != "sequences"} == \
                {k: v for k, v in settings.items() if k != "sequences"}
    except (OSError, ValueError):
        same = False
    names = []
    for index in range(cfg.sequences):
        name = f"Synthetic{index + 1:02d}"
        names.append(name)
        seq_rng = np.random.default_rng([cfg.seed, index])
        folder = os.path.join(root, name)
        gt_path = os.path.join(folder, "groundtruth_rect.txt")
        if same and os.path.isfile(gt_path) and os.path.isdir(os.path.join(folder, "img")) and \
                len(os.listdir(os.path.join(folder, "img"))) == cfg.frames:
            continue
        if os.path.isdir(os.path.join(folder, "img")):
            for old in os.listdir(os.path.join(folder, "img")):
                os.remove(os.path.join(folder, "img", old))
        if cfg.style == "demo":
            frames, boxes, tags = make_demo_sequence(seq_rng, cfg)
        elif cfg.style == "plain":
            (frames, boxes), tags = make_sequence(seq_rng, cfg), {}
        else:
            raise ConfigError(f"unknown synthetic style {cfg.style!r} (plain or demo)")
        os.makedirs(os.path.join(folder, "img"), exist_ok=True)
        for t, frame in enumerate(frames):
            cv2.imwrite(os.path.join(folder, "img", f"{t + 1:04d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 92])
        for tag, values in tags.items():
            write_text(os.path.join(folder, f"{tag}.tag"), "\n".join(str(int(v)) for v in values) + "\n")
        write_text(gt_path, otb_groundtruth_text(boxes))
    write_text(stamp, json.dumps(settings, indent=1) + "\n")
    return names
