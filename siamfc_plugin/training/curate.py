"""`siamfc curate`: the paper's dataset curation. One crop per annotated object (video frame or still), centred on
the target at the tracker's context scale, written in GOT-10k layout so the trainer reads it like any GOT-10k folder.

Why: decoding a 640x480 (or 1920x1080) frame to cut a 255-pixel search region out of it dominates training time;
a curated crop is ~20x fewer pixels. The crop keeps everything around the target, other objects included (a crowd
stays a crowd), and its boxes are in crop pixels, so augmentation and labels work exactly as on full frames.

Crop: the search region of side s_x = context_side(w, h) * instance / exemplar frame pixels is drawn at
`search_size` pixels, plus `margin` pixels on each side for the sampler's shift and scale jitter; pixels outside the
frame get the frame's mean colour (as at tracking time). Size rule (docs/training.md): an object is kept when its
geometric-mean side sqrt(w h) >= `min_side` frame pixels (smaller ones are upsampled more than ~2.6x into the
127-pixel exemplar: mostly blur) and its area is at most `max_area` of the frame (the paper's 0.75^2). ImageNet VID
tracks get the paper's own rules on top (sources.vid_tracks). Crowd boxes are dropped.

Output: <out>/<track>/00000001.jpg ..., groundtruth.txt (x,y,w,h in crop pixels), meta_info.ini (object class,
source, the source image's key), <out>/list.txt, <out>/curation.json (the crop settings and counts per source).
Each track folder is written to a temporary name and renamed when complete, so an interrupted run resumes where it
stopped; the same input gives byte-identical output.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Iterable

import cv2
import numpy as np
from tqdm import tqdm

from ..common.atomic import write_text as atomic_write_text
from ..common.errors import ConfigError, FrameReadError
from ..core.config import dataclass_from_dict
from ..core.crops import context_side, mean_colour
from ..core.geometry import Geometry
from ..data.annotations import AnnotatedImage, read_coco_json, read_voc, read_yolo
from ..data.images import read_frame
from .pairs import affine_crop
from .sources import Track, got10k_tracks, vid_tracks
from .teacher import (NanoTrackNet, NanoTrackTracker, PseudoLabelSpec, pseudo_label_track, teacher_files,
                      tracking)
from .video_sources import (benchmark_names, davis_tracks, forbidden_track, lasot_tracks, mot_tracks,
                            sequence_track)

log = logging.getLogger(__name__)

VIDEO_KINDS = ("got10k", "vid", "davis", "mot", "lasot", "sequence")
KINDS = VIDEO_KINDS + ("coco", "yolo", "voc")


@dataclass(frozen=True)
class CropSpec:
    search_size: int = 255  # pixels the search region (instance crop) is drawn at
    margin: int = 32  # extra pixels on each side: room for the sampler's shift (max_shift) and scale jitter
    quality: int = 90  # JPEG quality
    min_side: float = 24.0  # keep objects with sqrt(w h) >= this many frame pixels
    max_area: float = 0.75 ** 2  # ... and area <= this fraction of the frame (the paper's rule)

    def __post_init__(self) -> None:
        if self.search_size < 32 or self.margin < 0 or not (1 <= self.quality <= 100) or self.min_side < 1:
            raise ConfigError(f"curate: bad crop settings {self}")

    @property
    def side(self) -> int:
        return self.search_size + 2 * self.margin


@dataclass
class CurateSource:
    """One input: kind in got10k, vid, davis, mot, lasot, sequence (video), coco, yolo, voc (stills).

    sequence: `images` lists frame folders and `annotations` their x,y,w,h files, one pair per video (UAVDT-SOT, a
    custom annotated video). davis: `subset` names the ImageSets list (train). mot: `sequences` picks sequences."""

    name: str  # short name, used in track folder names and counts
    kind: str
    root: str = ""  # got10k / vid dataset root
    subset: str = "train"
    annotations: list[str] = field(default_factory=list)  # coco: JSON files; yolo: label folders; voc: XML folders
    images: list[str] = field(default_factory=list)  # the image folder for each entry of `annotations`
    classes: list[str] = field(default_factory=list)  # yolo: class names by index
    max_objects: int = 0  # keep at most this many objects (0: all), spread over images (caps one dataset's share)
    sequences: list[str] = field(default_factory=list)  # mot: the sequences to read (default: all with gt/gt.txt)
    object_class: str = ""  # sequence: what the target is
    names: list[str] = field(default_factory=list)  # sequence: one track name per video (default: the folder's)
    min_visibility: float = 0.3  # mot (MOT16 and later): boxes less visible than this are not training frames
    # Track names that coincide with an evaluation benchmark's sequence name but were checked to be other videos
    # (e.g. DAVIS 'boat' vs VOT-TIR 'boat'): each entry says so in the config. Any other coincidence is refused.
    allow_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"curate source {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.name):
            raise ConfigError(f"curate source name {self.name!r}: use letters, digits, '_', '.', '-'")
        if self.kind == "sequence":
            if not self.images or len(self.annotations) != len(self.images):
                raise ConfigError(f"curate source {self.name!r}: sequence needs images (frame folders) and "
                                  "annotations (one box file each)")
            if self.names and len(self.names) != len(self.images):
                raise ConfigError(f"curate source {self.name!r}: names must name each of the {len(self.images)} videos")
        elif self.kind in VIDEO_KINDS:
            if not self.root:
                raise ConfigError(f"curate source {self.name!r}: {self.kind} needs root")
        elif not self.annotations or len(self.annotations) != len(self.images):
            raise ConfigError(f"curate source {self.name!r}: give annotations and images, one image folder each")


@dataclass
class CurateJob:
    """One track to write: its folder name, frames, boxes (frame pixels), class and provenance."""

    name: str
    source: str
    frames: list[str]
    boxes: np.ndarray
    object_class: str
    key: str


@dataclass(frozen=True)
class ValidationSplit:
    """Videos held out of training: the videos of `sources` (a MOT sequence is one video, whatever its number of
    targets), pooled and sorted by "source/video" name; every `every`-th of them (the 3rd, 6th, ... for every = 3)
    is a validation video. Those are never curated; curation.json lists them, and `siamfc select` scores models on
    them. every = 0: no split."""

    every: int = 0
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.every < 0 or (self.every and not self.sources):
            raise ConfigError(f"validation: every must be >= 0 and sources non-empty, got {self}")
        object.__setattr__(self, "sources", tuple(self.sources))

    def held_out(self, videos: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (source, video) pairs that are validation videos."""
        if not self.every:
            return set()
        pool = sorted(v for v in set(videos) if v[0] in self.sources)
        return {video for index, video in enumerate(pool) if index % self.every == self.every - 1}


def video_of(track: Track) -> str:
    """The video a track comes from (several MOT targets share one)."""
    return track.group or track.name


def read_config(path: str) -> tuple[list[CurateSource], CropSpec]:
    """A TOML file: optional [crop] table (CropSpec fields) and [[sources]] entries; $VARS in paths expand."""
    sources, spec, _ = read_curation(path)
    return sources, spec


def _curation_tables(path: str) -> dict[str, Any]:
    from .trainer import _toml

    with open(path, "rb") as handle:
        values = _toml().load(handle)
    unknown = set(values) - {"crop", "sources", "validation", "teacher"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)} (expected [crop], [validation], [teacher], "
                          "[[sources]])")
    return values


def read_curation(path: str) -> tuple[list[CurateSource], CropSpec, ValidationSplit]:
    """read_config plus the optional [validation] table (ValidationSplit)."""
    values = _curation_tables(path)
    sources = []
    for entry in values.get("sources", []):
        entry = {k: _expand(v) for k, v in entry.items()}
        sources.append(dataclass_from_dict(CurateSource, entry, "curate source"))
    if not sources:
        raise ConfigError(f"{path}: no [[sources]]")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: source names must be unique, got {names}")
    split = dataclass_from_dict(ValidationSplit, values.get("validation", {}), "validation")
    unknown_sources = set(split.sources) - set(names)
    if unknown_sources:
        raise ConfigError(f"{path}: [validation] names sources {sorted(unknown_sources)} that the config lacks")
    return sources, dataclass_from_dict(CropSpec, values.get("crop", {}), "crop"), split


def read_pseudo_labels(path: str) -> PseudoLabelSpec | None:
    """The optional [teacher] table: pseudo-labels for the unannotated frames of the named `sequence` sources
    (whose 0,0,0,0 lines mean "no box drawn", not "object absent"); None where the config has none."""
    table = _curation_tables(path).get("teacher")
    if table is None:
        return None
    spec = dataclass_from_dict(PseudoLabelSpec, table, "teacher")
    kinds = {source.name: source.kind for source in read_config(path)[0]}
    for name in spec.sources:
        if name not in kinds:
            raise ConfigError(f"{path}: [teacher] names source {name!r}, which the config lacks")
        if kinds[name] != "sequence":
            raise ConfigError(f"{path}: [teacher] source {name!r} is {kinds[name]}; pseudo-labels are for sequence "
                              "sources, where a frame without a box is unannotated (elsewhere it means absent)")
    return spec


def _expand(value):
    if isinstance(value, str):
        expanded = os.path.expandvars(value)
        if "$" in expanded:
            raise ConfigError(f"curate config: unset environment variable in {value!r}")
        return expanded
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def keep_object(box: np.ndarray, width: float, height: float, spec: CropSpec) -> bool:
    x, y, w, h = box
    if not np.all(np.isfinite(box)) or w <= 0 or h <= 0:
        return False
    return math.sqrt(w * h) >= spec.min_side and w * h <= spec.max_area * width * height


def still_jobs(source: CurateSource, spec: CropSpec, seen_keys: set[str]) -> tuple[list[CurateJob], dict]:
    """One single-frame job per kept object; images whose key an earlier source already used are skipped."""
    images: list[AnnotatedImage] = []
    for annotations, folder in zip(source.annotations, source.images):
        if source.kind == "coco":
            images += read_coco_json(annotations, folder, source.name)
        elif source.kind == "yolo":
            images += read_yolo(folder, annotations, source.classes, source.name)
        else:
            images += read_voc(annotations, folder, source.name)
    counts = {"images_read": len(images), "duplicate_images": 0, "missing_images": 0, "objects_read": 0,
              "objects_too_small_or_large": 0, "crowd_boxes": 0}
    per_image: list[tuple[AnnotatedImage, list]] = []
    for image in sorted(images, key=lambda im: im.key):
        counts["objects_read"] += len(image.objects)
        if image.key in seen_keys:
            counts["duplicate_images"] += 1
            continue
        if not os.path.isfile(image.path):  # annotated but not shipped: skipped and counted
            counts["missing_images"] += 1
            continue
        seen_keys.add(image.key)
        kept = []
        for index, obj in enumerate(image.objects):
            if obj.crowd:
                counts["crowd_boxes"] += 1
            elif not keep_object(obj.box, image.width, image.height, spec):
                counts["objects_too_small_or_large"] += 1
            else:
                kept.append((index, obj))
        if kept:
            per_image.append((image, kept))
    chosen = _spread(per_image, source.max_objects)
    counts["objects_capped"] = sum(len(k) for _, k in per_image) - len(chosen)
    jobs = []
    for image, index, obj in chosen:
        stem = re.sub(r"[^A-Za-z0-9]+", "-", os.path.splitext(os.path.basename(image.path))[0]).strip("-")
        jobs.append(CurateJob(f"{source.name}-{stem}-{index:03d}", source.name, [image.path], obj.box[None],
                              obj.object_class, image.key))
    return jobs, counts


def _spread(per_image, cap: int):
    """All objects, or `cap` of them taken round-robin over images (first object of every image, then the second,
    ...): a cap keeps as many distinct scenes as possible."""
    flat = [(image, index, obj) for image, kept in per_image for index, obj in kept]
    if not cap or len(flat) <= cap:
        return flat
    rounds: list[tuple] = []
    depth = 0
    while len(rounds) < cap:
        layer = [(image, *kept[depth]) for image, kept in per_image if depth < len(kept)]
        rounds += layer[: cap - len(rounds)]
        depth += 1
    return sorted(rounds, key=lambda item: (item[0].key, item[1]))


def read_video_source(source: CurateSource) -> list[Track]:
    """The tracks of a video source, in its own layout."""
    if source.kind == "vid":
        return vid_tracks(source.root, source.subset)
    if source.kind == "davis":
        return davis_tracks(source.root, source.subset)
    if source.kind == "mot":
        return mot_tracks(source.root, source.sequences or None, source.min_visibility)
    if source.kind == "lasot":
        return lasot_tracks(source.root)
    if source.kind == "sequence":
        names = source.names or [""] * len(source.images)
        return [sequence_track(folder, boxes, name, source.object_class)
                for folder, boxes, name in zip(source.images, source.annotations, names)]
    return got10k_tracks(source.root, source.subset)


def check_not_benchmark(source: CurateSource, tracks: list[Track]) -> None:
    """Refuse a source holding a sequence named like an evaluation benchmark's (OTB, VOT, VOT-TIR, UAV123, DTB70),
    unless the config lists the name in allow_names (checked by hand to be another video)."""
    names = benchmark_names()
    for track in tracks:
        benchmark = forbidden_track(track.name, names)
        if benchmark and not any(allowed in track.name for allowed in source.allow_names):
            raise ConfigError(f"curate source {source.name!r}: track {track.name!r} has the name of a {benchmark} "
                              "sequence; evaluation benchmarks are never training data (if it is another video, "
                              "list its name in allow_names with the reason)")


def video_jobs(source: CurateSource, spec: CropSpec, held_out: set[str] = frozenset(),
               pseudo_labels: PseudoLabelSpec | None = None) -> tuple[list[CurateJob], dict]:
    """Jobs for the tracks of a video source, except those of the `held_out` (validation) videos; with
    `pseudo_labels`, the teacher's boxes join the annotated frames first (teacher.pseudo_label_track)."""
    tracks = read_video_source(source)
    check_not_benchmark(source, tracks)
    validation = [t for t in tracks if video_of(t) in held_out]
    tracks = [t for t in tracks if video_of(t) not in held_out]
    counts = {"tracks_read": len(tracks) + len(validation), "validation_tracks": len(validation),
              "tracks_trained": len(tracks), "frames_read": sum(len(t) for t in tracks), "frames_dropped": 0}
    if pseudo_labels is not None:
        tracks, counts["pseudo_labels"] = _pseudo_label(tracks, pseudo_labels)
    jobs = []
    for track in tracks:
        size_cache: dict[str, tuple[int, int]] = {}
        keep = []
        for frame, box, visible in zip(track.frames, track.boxes, track.visible):
            if not visible:
                counts["frames_dropped"] += 1
                continue
            if track.frames[0] not in size_cache:  # frames of one video share their size
                image = read_frame(track.frames[0])
                size_cache[track.frames[0]] = (image.shape[1], image.shape[0])
            width, height = size_cache[track.frames[0]]
            if keep_object(box, width, height, spec):
                keep.append((frame, box))
            else:
                counts["frames_dropped"] += 1
        if len(keep) >= 2:
            name = re.sub(r"[^A-Za-z0-9]+", "-", track.name).strip("-")
            jobs.append(CurateJob(f"{source.name}-{name}", source.name, [f for f, _ in keep],
                                  np.array([b for _, b in keep]), track.object_class or source.name,
                                  f"{source.name}:{video_of(track)}"))
    counts["tracks_kept"] = len(jobs)
    return jobs, counts


def _pseudo_label(tracks: list[Track], spec: PseudoLabelSpec) -> tuple[list[Track], dict[str, int]]:
    tracker = NanoTrackTracker(NanoTrackNet(spec.folder))
    totals = {"unannotated": 0, "kept": 0, "dropped": 0}
    labelled = []
    for track in tqdm(tracks, desc="pseudo-labels", unit="track", dynamic_ncols=True):
        track, counts = pseudo_label_track(track, tracking(tracker, track.frames), spec.min_iou)
        labelled.append(track)
        totals = {key: totals[key] + counts[key] for key in totals}
    return labelled, totals


def crop_object(image: np.ndarray, box: np.ndarray, spec: CropSpec, geometry: Geometry = Geometry()):
    """(crop, box in crop pixels): the search region around `box`, `spec.search_size` pixels across, plus margin."""
    x, y, w, h = (float(v) for v in box)
    search_side = context_side(w, h, geometry.context) * geometry.instance_size / geometry.exemplar_size
    scale = spec.search_size / search_side  # crop pixels per frame pixel
    crop = affine_crop(image, (x + w / 2, y + h / 2), spec.side / scale, spec.side / scale, spec.side,
                       mean_colour(image))
    cw, ch = w * scale, h * scale
    return crop, np.array([spec.side / 2 - cw / 2, spec.side / 2 - ch / 2, cw, ch])


def write_track(job: CurateJob, out: str, spec: CropSpec) -> str | None:
    """Write one track folder atomically (temporary folder, then rename); returns its name, or None where a frame
    cannot be read (the track is left out, with a warning)."""
    final = os.path.join(out, job.name)
    if os.path.isdir(final):
        return job.name
    temporary = os.path.join(out, f".partial-{job.name}")
    shutil.rmtree(temporary, ignore_errors=True)
    os.makedirs(temporary)
    lines = []
    for number, (frame, box) in enumerate(zip(job.frames, job.boxes), 1):
        try:
            image = read_frame(frame)
        except FrameReadError as exc:
            log.warning("curate: track %s left out: %s", job.name, exc)
            shutil.rmtree(temporary, ignore_errors=True)
            return None
        crop, crop_box = crop_object(image, box, spec)
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, spec.quality])
        if not ok:
            raise RuntimeError(f"JPEG encoding failed for {frame}")
        with open(os.path.join(temporary, f"{number:08d}.jpg"), "wb") as handle:
            handle.write(encoded.tobytes())
        lines.append(",".join(f"{v:.2f}" for v in crop_box))
    with open(os.path.join(temporary, "groundtruth.txt"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    with open(os.path.join(temporary, "meta_info.ini"), "w") as handle:
        handle.write(f"[METAINFO]\nobject_class: {job.object_class}\nsource: {job.source}\n"
                     f"source_key: {job.key}\nframes: {len(job.frames)}\n")
    os.replace(temporary, final)
    return job.name


def _write_track_args(args) -> str:
    return write_track(*args)


def validation_videos(sources: list[CurateSource], split: ValidationSplit) -> dict[str, list[str]]:
    """{source name: its validation videos} under `split`."""
    videos = [(source.name, video_of(track)) for source in sources if source.name in split.sources
              for track in read_video_source(source)]
    held: dict[str, list[str]] = {}
    for source, video in sorted(split.held_out(videos)):
        held.setdefault(source, []).append(video)
    return held


def validation_sequences(sources: list[CurateSource], split: ValidationSplit) -> list[Track]:
    """One whole sequence per validation video, in frame pixels, for one-pass evaluation: the object's track, or
    for a multi-target video (MOT) its longest track. Named "<source>/<video>"."""
    held = validation_videos(sources, split)
    sequences = []
    for source in sources:
        if source.name not in held:
            continue
        by_video: dict[str, Track] = {}
        for track in read_video_source(source):
            video = video_of(track)
            if video in held[source.name] and (video not in by_video or len(track) > len(by_video[video])):
                by_video[video] = track
        for video in held[source.name]:
            track = by_video[video]
            first = int(np.argmax(track.visible))  # start where the target is first annotated and visible
            sequences.append(Track(f"{source.name}/{video}", track.frames[first:], track.boxes[first:],
                                   visible=track.visible[first:], object_class=track.object_class, group=video))
    return sequences


def curate(sources: list[CurateSource], out: str, spec: CropSpec = CropSpec(), workers: int = 0,
           split: ValidationSplit = ValidationSplit(), pseudo_labels: PseudoLabelSpec | None = None) -> dict[str, Any]:
    """Curate every source into `out` (resumable), leaving out `split`'s validation videos, with the teacher's
    pseudo-labels for the sources `pseudo_labels` names; returns the summary also written to curation.json."""
    summary_path = os.path.join(out, "curation.json")
    teacher = pseudo_labels.record() if pseudo_labels is not None and pseudo_labels.pseudo_labels else None
    if teacher:
        teacher_files(pseudo_labels.folder)  # before any source is read
    if os.path.isfile(summary_path):
        with open(summary_path) as handle:
            previous = json.load(handle)
        if previous.get("crop") and previous["crop"] != dataclasses.asdict(spec):
            raise ConfigError(f"{out} was curated with other crop settings {previous['crop']}; use a new folder")
        if previous.get("pseudo_labels") != teacher:
            raise ConfigError(f"{out} was curated with other pseudo-label settings ({previous.get('pseudo_labels')}, "
                              f"now {teacher}); use a new folder")
    seen_keys: set[str] = set()
    jobs: list[CurateJob] = []
    per_source: dict[str, dict] = {}
    held = validation_videos(sources, split)
    for source in sources:
        if source.kind in VIDEO_KINDS:
            labels = pseudo_labels if teacher and source.name in pseudo_labels.sources else None
            source_jobs, counts = video_jobs(source, spec, set(held.get(source.name, [])), labels)
        else:
            source_jobs, counts = still_jobs(source, spec, seen_keys)
        counts.update({"kind": source.kind, "tracks": len(source_jobs),
                       "objects_or_frames": int(sum(len(j.frames) for j in source_jobs))})
        per_source[source.name] = counts
        jobs += source_jobs
        log.info("curate %s: %s", source.name, counts)
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise ConfigError("curate: two tracks map to the same folder name; give the sources distinct names")
    # every source is read and checked (benchmark names, layouts) before anything is written
    os.makedirs(out, exist_ok=True)
    atomic_write_text(summary_path, json.dumps({"crop": dataclasses.asdict(spec), "complete": False,
                                                "pseudo_labels": teacher}, indent=1))
    written = set(_run(jobs, out, spec, workers))
    unreadable = [job for job in jobs if job.name not in written]
    jobs = [job for job in jobs if job.name in written]
    for job in unreadable:
        per_source[job.source]["tracks_unreadable"] = per_source[job.source].get("tracks_unreadable", 0) + 1
    atomic_write_text(os.path.join(out, "list.txt"), "\n".join(job.name for job in jobs) + "\n")
    summary = {"crop": dataclasses.asdict(spec), "complete": True, "tracks": len(jobs),
               "frames": int(sum(len(j.frames) for j in jobs)), "tracks_unreadable": len(unreadable),
               "sources": per_source, "classes": _class_counts(jobs),
               "validation": {"rule": dataclasses.asdict(split), "videos": held}, "pseudo_labels": teacher}
    atomic_write_text(summary_path, json.dumps(summary, indent=1))
    return summary


def _run(jobs: list[CurateJob], out: str, spec: CropSpec, workers: int) -> list[str]:
    """Names of the track folders present at the end (written now or by an earlier, interrupted run)."""
    done = [job.name for job in jobs if os.path.isdir(os.path.join(out, job.name))]
    todo = [job for job in jobs if job.name not in set(done)]
    bar = tqdm(total=len(jobs), initial=len(done), desc="curate", unit="track", dynamic_ncols=True)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for name in pool.map(_write_track_args, [(job, out, spec) for job in todo], chunksize=16):
                done.append(name)
                bar.update()
    else:
        for job in todo:
            done.append(write_track(job, out, spec))
            bar.update()
    bar.close()
    return [name for name in done if name]


def _class_counts(jobs: Iterable[CurateJob]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.object_class] = counts.get(job.object_class, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
