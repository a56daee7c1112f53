"""Training data sources. Each reads a real dataset's own layout and yields Tracks: frame paths, boxes, visibility.

A COCO still image is a Track of one frame: its pairs are two augmentations of the same box.
"""
from __future__ import annotations

import configparser
import functools
import glob
import logging
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np

from ..data.readers import Sequence, read_got10k_sequence, read_sequences
from ..common.errors import ConfigError, InputError
from ..data.annotations import class_name, read_coco_json

log = logging.getLogger(__name__)

Track = Sequence  # the same record: name, frames, boxes (x,y,w,h), visible

VID_EXCLUDED_CLASSES = {"n01726692": "snake", "n04468005": "train", "n02062744": "whale", "n01674464": "lizard"}


@dataclass
class SourceSpec:
    """One entry of a training config: kind in {got10k, vid, coco, otb, vot}, its root, a mixing weight."""

    kind: str
    root: str
    weight: float = 1.0
    subset: str = "train"
    max_tracks: int | None = None
    frames: str = "all"  # all | video (tracks of 2+ frames) | still (one-frame tracks): split a curated folder
    fraction: float = 1.0  # keep this share of the tracks, drawn with a fixed seed (data-size experiments)

    def __post_init__(self) -> None:
        if self.frames not in ("all", "video", "still"):
            raise ConfigError(f"source {self.root}: frames must be all, video or still, got {self.frames!r}")
        if not 0 < self.fraction <= 1:
            raise ConfigError(f"source {self.root}: fraction must be in (0, 1], got {self.fraction}")


def got10k_tracks(root: str, subset: str = "train") -> list[Track]:
    """GOT-10k train/val (or a curated folder): <root>/<subset>/list.txt; frames absent or fully covered are not
    visible. meta_info.ini gives the object class and, for curated tracks, the image or video they come from."""
    base = os.path.join(root, subset) if os.path.isdir(os.path.join(root, subset)) else root
    listed = os.path.join(base, "list.txt")
    stamp = os.stat(listed).st_mtime_ns if os.path.isfile(listed) else None
    return list(_got10k_tracks(os.path.realpath(base), stamp))


@functools.lru_cache(maxsize=4)
def _got10k_tracks(base: str, stamp: int | None) -> tuple[Track, ...]:
    """Read once per process (a curated folder holds thousands of tracks; a config may name it twice, and the
    throughput probe before a run reads it too). `stamp`, list.txt's mtime, makes a rewritten folder read anew."""
    listed = os.path.join(base, "list.txt")
    names = ([line.strip() for line in open(listed) if line.strip()] if os.path.isfile(listed)
             else sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d))))
    tracks = []
    for name in names:
        track = read_got10k_sequence(os.path.join(base, name), strict=False)  # refused lines: load_source's budget
        meta = _meta_info(os.path.join(base, name, "meta_info.ini"))
        track.object_class = class_name(meta["object_class"]) if meta.get("object_class") else ""
        track.group = meta.get("source_key", name)
        tracks.append(track)
    return tuple(tracks)


def _meta_info(path: str) -> dict[str, str]:
    """GOT-10k's meta_info.ini ([METAINFO], `key: value` lines); {} where absent or unreadable."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        log.warning("unreadable %s; object class unknown", path)
        return {}
    return dict(parser["METAINFO"]) if parser.has_section("METAINFO") else {}


def coco_tracks(root: str, annotations: str | None = None, min_side: float = 8.0) -> list[Track]:
    """COCO detection: one single-frame Track per non-crowd box with both sides >= min_side pixels."""
    path = annotations or os.path.join(root, "annotations.json")
    image_dir = os.path.join(root, "images") if os.path.isdir(os.path.join(root, "images")) else root
    tracks = []
    for image in read_coco_json(path, image_dir):
        for index, obj in enumerate(image.objects):
            if obj.crowd or obj.box[2] < min_side or obj.box[3] < min_side:
                continue
            name = f"coco-{image.key.replace(':', '-')}-{index}"
            tracks.append(Track(name, [image.path], obj.box[None].copy(), object_class=obj.object_class,
                                group=image.key))
    return tracks


def vid_tracks(root: str, subset: str = "train", max_area: float = 0.75 ** 2, min_area: float = 0.1 ** 2,
               edge_margin: float = 0.05) -> list[Track]:
    """ImageNet VID with the paper's curation.

    Drops the classes snake, train, whale and lizard; objects whose area exceeds max_area or is under min_area of
    the image; frames where the object is closer to the image edge than edge_margin of its mean size.
    Layout: <root>/Annotations/VID/<subset>/**/<video>/<frame>.xml and <root>/Data/VID/<subset>/... .jpg
    """
    ann_root = os.path.join(root, "Annotations", "VID", subset)
    videos = sorted({os.path.dirname(p) for p in glob.glob(os.path.join(ann_root, "**", "*.xml"), recursive=True)})
    tracks: list[Track] = []
    for video in videos:
        per_object: dict[str, dict] = {}
        xml_files = sorted(glob.glob(os.path.join(video, "*.xml")))
        for index, xml_path in enumerate(xml_files):
            try:
                tree = ET.parse(xml_path).getroot()
            except ET.ParseError:
                log.warning("skipping unreadable VID annotation %s", xml_path)
                continue
            width = float(tree.findtext("size/width"))
            height = float(tree.findtext("size/height"))
            frame = os.path.relpath(xml_path, ann_root)[:-4] + ".JPEG"
            frame = os.path.join(root, "Data", "VID", subset, frame)
            for obj in tree.findall("object"):
                if obj.findtext("name") in VID_EXCLUDED_CLASSES:
                    continue
                box = obj.find("bndbox")
                x0, x1 = float(box.findtext("xmin")), float(box.findtext("xmax"))
                y0, y1 = float(box.findtext("ymin")), float(box.findtext("ymax"))
                entry = per_object.setdefault(obj.findtext("trackid"), {"frames": [], "boxes": [], "size": [],
                                                                       "class": obj.findtext("name")})
                entry["frames"].append(frame)
                entry["boxes"].append([x0, y0, x1 - x0 + 1, y1 - y0 + 1])
                entry["size"].append((width, height))
        for track_id, entry in sorted(per_object.items()):
            boxes = np.array(entry["boxes"], dtype=np.float64)
            sizes = np.array(entry["size"], dtype=np.float64)
            keep = _vid_curation(boxes, sizes, max_area, min_area, edge_margin)
            if keep.sum() >= 2:
                name = f"{os.path.relpath(video, ann_root)}:{track_id}"
                tracks.append(Track(name, [f for f, k in zip(entry["frames"], keep) if k], boxes[keep],
                                    object_class=class_name(entry["class"] or ""), group=os.path.relpath(video, ann_root)))
    return tracks


def _vid_curation(boxes, sizes, max_area, min_area, edge_margin) -> np.ndarray:
    area_ratio = boxes[:, 2] * boxes[:, 3] / (sizes[:, 0] * sizes[:, 1])
    keep = (area_ratio <= max_area) & (area_ratio >= min_area)
    mean_size = np.mean((boxes[:, 2] + boxes[:, 3]) / 2) if len(boxes) else 0.0
    margin = edge_margin * mean_size
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    inside = (x0 >= margin) & (y0 >= margin) & (x1 <= sizes[:, 0] - margin) & (y1 <= sizes[:, 1] - margin)
    return keep & inside


def load_source(spec: SourceSpec, max_broken_fraction: float = 0.1) -> list[Track]:
    """The usable tracks of a source; broken annotation lines are skipped (counted in the log), too many fail."""
    if spec.kind == "got10k":
        tracks = got10k_tracks(spec.root, spec.subset)
    elif spec.kind == "coco":
        tracks = coco_tracks(spec.root)
    elif spec.kind == "vid":
        tracks = vid_tracks(spec.root, spec.subset)
    elif spec.kind in ("otb", "vot"):
        tracks = read_sequences(spec.root, spec.kind, strict=False)  # refused lines: the budget below
    else:
        raise ConfigError(f"unknown data source kind {spec.kind!r}; use got10k, vid, coco, otb or vot")
    refused = [f"{t.groundtruth}:{line}: {why}" for t in tracks for line, why in getattr(t, "refused", [])]
    lines = sum(len(t) for t in tracks)
    if refused:
        log.warning("%s source %s: skipped %d of %d annotation lines (broken: refused by the reader, their frames "
                    "are not used), e.g. %s", spec.kind, spec.root, len(refused), lines, "; ".join(refused[:3]))
    if len(refused) > max_broken_fraction * max(lines, 1):
        raise InputError(f"{spec.kind} source {spec.root}: {len(refused)} of {lines} annotation lines are broken "
                          f"(more than {max_broken_fraction:.0%}), e.g. {refused[0]}")
    tracks = [t for t in tracks if t.visible.any()]
    if spec.frames != "all":
        tracks = [t for t in tracks if (len(t) > 1) == (spec.frames == "video")]
    if spec.fraction < 1:  # the same tracks for the same fraction, and each smaller subset inside the larger ones
        order = np.random.default_rng(0).permutation(len(tracks))
        tracks = [tracks[i] for i in sorted(order[: max(1, round(spec.fraction * len(tracks)))])]
    if spec.max_tracks:
        tracks = tracks[: spec.max_tracks]
    if not tracks:
        raise InputError(f"{spec.kind} source {spec.root} holds no usable tracks")
    return tracks
