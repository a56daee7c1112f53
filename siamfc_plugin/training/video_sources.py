"""Readers for the video layouts of the video training set (configs/curate_public.toml): DAVIS (masks), MOT
(multi-object gt.txt), LaSOT (absence flags) and plain "frames + box file" sequences (UAVDT-SOT, a custom annotated
video). Each returns Tracks (frame paths, x,y,w,h boxes, visibility) that `siamfc curate` crops like any other video.

Frames are matched to annotations by the frame *number* in the file name, never by position in a sorted listing:
a missing frame file leaves a gap (that frame is dropped), it never shifts the boxes of the frames after it.

Every sequence name is checked against the evaluation benchmarks (OTB, VOT, VOT-TIR, UAV123, DTB70:
`benchmark_names`): such a sequence is never training data, whatever repository holds it.
"""
from __future__ import annotations

import json
import logging
import os
import re

import cv2
import numpy as np

from ..common.errors import AnnotationError, ConfigError
from ..data.readers import Sequence
from ..formats.frames import folder_frames
from ..formats.sequences import lasot_folders, read_box_file_sequence, read_lasot_sequence

log = logging.getLogger(__name__)

Track = Sequence

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def numbered_frames(folder: str) -> dict[int, str]:
    """{frame number: path} from the last run of digits in each image file name (img000012.jpg -> 12)."""
    return folder_frames(folder, folder)


def sequence_track(frames_folder: str, groundtruth: str, name: str = "", object_class: str = "",
                   first_number: int | None = None) -> Track:
    """A frames folder plus an x,y,w,h file, one line per frame (UAVDT-SOT, OTB-like custom videos), read by the
    plugin's one reader (formats 'boxes' layout): all-zero or NaN lines are unannotated, any other line that is not
    a box is an error naming the file and the line; line 1 is the folder's own first frame unless `first_number`
    says otherwise; an annotated frame without its file is dropped (logged), never shifted."""
    if not os.path.isdir(frames_folder) or not numbered_frames(frames_folder):
        raise ConfigError(f"{frames_folder}: no numbered image files")
    track = read_box_file_sequence(frames_folder, groundtruth, name, first_number, missing_frames="drop")
    if track.dropped_frames:
        log.info("%s: %d annotated frame(s) have no image file; dropped", track.name, len(track.dropped_frames))
    track.object_class = object_class
    return track


def lasot_tracks(root: str) -> list[Track]:
    """LaSOT: <root>/<class>-<n>/ (or LaSOT's own <root>/<class>/<class>-<n>/, or one sequence folder), read by the
    plugin's one reader: img/%08d.jpg, groundtruth.txt, full_occlusion.txt and out_of_view.txt (one line of 0/1
    flags); a frame fully occluded or out of view is not visible. An annotated frame without its file is dropped
    (logged), never shifted; a damaged line or flag file is a ConfigError naming it."""
    tracks = []
    for folder in lasot_folders(root):
        try:
            track = read_lasot_sequence(folder, missing_frames="drop")
        except AnnotationError as exc:
            raise ConfigError(str(exc)) from None
        if track.dropped_frames:
            log.info("%s: %d annotated frame(s) have no image file; dropped", track.name, len(track.dropped_frames))
        tracks.append(track)
    return tracks


def davis_tracks(root: str, image_set: str = "train", resolution: str = "480p") -> list[Track]:
    """DAVIS-2016: JPEGImages/<res>/<seq>/%05d.jpg, Annotations/<res>/<seq>/%05d.png (binary object masks) and
    ImageSets/<res>/<image_set>.txt (lines "/JPEGImages/... /Annotations/..."). The box is the bounding rectangle
    of the mask's non-zero pixels; an empty mask means the object is absent."""
    listing = os.path.join(root, "ImageSets", resolution, f"{image_set}.txt")
    if not os.path.isfile(listing):
        raise ConfigError(f"DAVIS root {root}: no {os.path.relpath(listing, root)}")
    per_sequence: dict[str, list[tuple[str, str]]] = {}
    for line in open(listing).read().splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        image, mask = (os.path.join(root, p.lstrip("/")) for p in parts)
        per_sequence.setdefault(os.path.basename(os.path.dirname(image)), []).append((image, mask))
    tracks = []
    for name, pairs in sorted(per_sequence.items()):
        frames, boxes = [], []
        for image, mask_path in sorted(pairs):
            mask = cv2.imread(mask_path, cv2.IMREAD_GRAYSCALE)
            if mask is None or not os.path.isfile(image):
                log.info("DAVIS %s: %s or its mask unreadable; dropped", name, os.path.basename(image))
                continue
            ys, xs = np.nonzero(mask)
            frames.append(image)
            boxes.append([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1] if len(xs)
                         else [np.nan] * 4)
        boxes_array = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        tracks.append(Track(f"davis-{name}", frames, boxes_array, object_class=name.split("-")[0], group=name))
    return tracks


def mot_tracks(root: str, sequences: list[str] | None = None, min_visibility: float = 0.3,
               min_frames: int = 2) -> list[Track]:
    """MOTChallenge: <root>/<seq>/img1/%06d.jpg and gt/gt.txt, lines frame,id,x,y,w,h,conf,... Every target id is a
    track. conf 0 marks a box to ignore. MOT15's gt has 10 columns, the last three world coordinates (-1 where
    unknown); MOT16/17/20 have 9: class in column 8 (1 = pedestrian, kept) and visibility in column 9 (boxes below
    `min_visibility` are not visible frames)."""
    names = sequences or sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "gt", "gt.txt")))
    tracks = []
    for seq in names:
        path = os.path.join(root, seq, "gt", "gt.txt")
        if not os.path.isfile(path):
            raise ConfigError(f"MOT sequence {seq}: no {path}")
        rows = np.loadtxt(path, delimiter=",", ndmin=2)
        if rows.shape[1] < 7:
            raise ConfigError(f"{path}: expected at least 7 columns (frame,id,x,y,w,h,conf), got {rows.shape[1]}")
        mot15 = rows.shape[1] != 9
        keep = rows[:, 6] != 0
        visible = np.ones(len(rows), bool)
        if not mot15:
            keep &= rows[:, 7] == 1
            visible = rows[:, 8] >= min_visibility
        frames = numbered_frames(os.path.join(root, seq, "img1"))
        for target in np.unique(rows[keep, 1]).astype(int):
            mine = keep & (rows[:, 1] == target)
            order = np.argsort(rows[mine, 0])
            numbers = rows[mine, 0][order].astype(int)
            boxes = rows[mine, 2:6][order]
            shown = visible[mine][order]
            present = np.array([n in frames for n in numbers], bool)
            if present.sum() < min_frames:
                continue
            track = Track(f"mot-{seq}-{target:04d}", [frames[n] for n in numbers[present]], boxes[present],
                          visible=shown[present] & (boxes[present, 2] > 0) & (boxes[present, 3] > 0),
                          object_class="person", group=f"mot-{seq}")
            tracks.append(track)
    return tracks


# ---- evaluation benchmarks: never training data -------------------------------------------------------------

# DTB70 (Li and Yeung, AAAI 2017) and the VOT short-term / TIR sequences 2013-2022, as the datasets name them.
# OTB and UAV123 names come from the lists shipped with got10k (its OTB class and uav123.json).
_DTB70 = """Animal1 Animal2 Animal3 Animal4 BMX2 BMX3 BMX4 BMX5 Basketball Car2 Car4 Car5 Car6 Car8 ChasingDrones
Girl1 Girl2 Gull1 Gull2 Horse1 Horse2 Kiting ManRunning1 ManRunning2 Motor1 Motor2 MountainBike1 MountainBike5
MountainBike6 Paragliding3 Paragliding5 RaceCar RaceCar1 RcCar3 RcCar4 RcCar5 RcCar6 RcCar7 RcCar8 RcCar9 SUP2 SUP4
SUP5 Sheep1 Sheep2 SnowBoarding2 SnowBoarding4 SnowBoarding6 SnowBoarding10 SpeedCar2 SpeedCar4 StreetBasketball1
StreetBasketball2 StreetBasketball3 Surfing03 Surfing04 Surfing06 Surfing10 Surfing12 Vaulting Wakeboarding1
Wakeboarding2 Walking Yacht2 Yacht4 Zebra""".split()
_VOT = """bag ball ball1 ball2 basketball birds1 birds2 blanket bmx bolt bolt1 bolt2 book butterfly car car1 car2
crossing dinosaur drunk fernando fish1 fish2 fish3 fish4 girl glove godfather graduate gymnastics gymnastics1
gymnastics2 gymnastics3 gymnastics4 hand hand1 hand2 handball1 handball2 helicopter iceskater1 iceskater2 jogging
juice leaves marching matrix motocross1 motocross2 nature octopus pedestrian1 pedestrian2 rabbit racing road
shaking sheep singer1 singer2 singer3 soccer soccer1 soccer2 soldier sphere sunshade surfing tiger torus traffic
tunnel wiper zebrafish1 agility ants1 ants3 conduction1 flamingo1 frisbee hand02 lamb monkey polo rowing shaking
wheel dribble gloves hand2 kangaroo nature zebrafish1 animal bicycle birds boat boxing1 boxing2 boxing3 car1 car2
crossing crouching1 crouching2 crouching3 depthwise_crossing dog1 dog2 excavator firesite garden hiding horse1
horse2 jacket mixed_distractors quadrocopter quadrocopter2 rhino_behind_tree running_rhino saturated selma
soccer street trees_2 trees_3 trees_4 trees_5 trees_6""".split()


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def benchmark_names() -> dict[str, str]:
    """{normalised sequence name: benchmark} for OTB, UAV123, DTB70, VOT/VOT-TIR and LaSOT's test split (got10k's
    own lists; LaSOT's training split stays allowed)."""
    names: dict[str, str] = {}
    try:
        import got10k.datasets as datasets
        from got10k.datasets.otb import OTB

        for attribute in dir(OTB):
            if attribute.startswith("_OTB__") and attribute.endswith("_seqs"):  # its name lists (name-mangled)
                for seq in getattr(OTB, attribute):
                    names.setdefault(_normalise(seq), "OTB")
        with open(os.path.join(os.path.dirname(datasets.__file__), "uav123.json")) as handle:
            for subset in json.load(handle).values():
                for seq in subset:
                    names.setdefault(_normalise(seq), "UAV123")
        with open(os.path.join(os.path.dirname(datasets.__file__), "lasot.json")) as handle:
            for seq in json.load(handle)["test"]:  # LaSOT's official testing_set.txt (280 sequences)
                names.setdefault(_normalise(seq), "LaSOT test")
    except ImportError:  # got10k is a dependency; without it the check would be silently weaker
        raise ConfigError("the benchmark-name check needs got10k (OTB, UAV123 and LaSOT lists)")
    for seq in _DTB70:
        names.setdefault(_normalise(seq), "DTB70")
    for seq in _VOT:
        names.setdefault(_normalise(seq), "VOT")
    return names


def forbidden_track(track_name: str, names: dict[str, str]) -> str | None:
    """The benchmark whose sequence this track is (matched on the track name without the curation prefix, and on
    the bare source sequence name), else None."""
    candidates = {track_name, track_name.split(":")[0]}
    for prefix in ("davis-", "mot-", "lasot-", "seq-"):
        candidates |= {c[len(prefix):] for c in list(candidates) if c.startswith(prefix)}
    for candidate in candidates:
        if _normalise(candidate) in names:
            return names[_normalise(candidate)]
    return None
