"""The layout readers: one sequence folder (or dataset root) -> Sequence, under the layout's line rules
(formats/lines.py) and the one pairing rule (formats/frames.py).

Layouts (docs/datasets.md):
- otb: <seq>/img/0001.jpg + groundtruth_rect.txt (or groundtruth_rect.<k>.txt, one per target); 1-based boxes,
  returned 0-based. OTB-2013/OTB-100 names pair as the benchmark does (formats/otb.py).
- dtb70: OTB's files, commas only; never the OTB table (DTB70 reuses names such as Car2).
- uav123: anno/UAV123/<seq>.txt + data_seq/UAV123/<folder>/000001.jpg; official names take got10k's uav123.json
  range (sub-sequences such as bird1_1 share a folder), other names their whole folder.
- got10k: <seq>/00000001.jpg + groundtruth.txt + absence.label / cover.label / cut_by_image.label.
- vot: a vot-toolkit sequence (`sequence` file with channels.color=color/%08d.jpg, groundtruth.txt, *.tag,
  *.value); vot-legacy: frames beside groundtruth.txt (VOT2013-2016, VOT-TIR), *.label / *.tag.
- lasot: <class>-<n>/img/00000001.jpg + groundtruth.txt + full_occlusion.txt + out_of_view.txt.
- boxes: a frames folder and one x,y,w,h file (UAVDT-SOT, custom videos).

strict (the default, every command that runs or prepares a benchmark): a refused line is an AnnotationError naming
the file and the line. strict=False (analysis; the training sources, which have a broken-line budget): refused
lines are kept in Sequence.refused and their frames hold no box.
"""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import AnnotationError, FramePairingError, InputError, InputNotFoundError
from .frames import Pairing, folder_frames, pair_frames, pattern_frames
from .lines import GroundTruthFile, read_flags, read_groundtruth, read_lines
from .otb import otb_sequence

# OTB-layout ground truth comes from MATLAB: the top-left pixel is (1, 1). Everything inside the plugin (trackers,
# results files, the other layouts) uses 0-based pixel coordinates, so OTB (and DTB70) boxes are shifted on reading.
# IoU-based scores do not change; the tracker's first crop does (one pixel).
OTB_ORIGIN = 1.0

LAYOUTS = ("otb", "dtb70", "uav123", "got10k", "vot", "vot-legacy", "lasot", "boxes")
GOT10K_FILES = ("meta_info.ini", "absence.label", "cover.label", "cut_by_image.label")
LASOT_FLAGS = ("full_occlusion", "out_of_view")


@dataclass
class Sequence:
    """A list of frame paths and one x,y,w,h box (0-based pixels) per frame, and whether the target is visible
    there. Boxes are NaN where the line writes the target absent (NaN, VOT's 0) or, in lenient reads, was refused;
    a frame that a flag file marks absent (GOT-10k, LaSOT) keeps the numbers written on its line, not visible."""

    name: str
    frames: list[str]
    boxes: np.ndarray  # (N, 4) x, y, w, h; NaN where the line holds no box
    visible: np.ndarray = field(default=None)  # (N,) bool
    attributes: dict[str, np.ndarray] = field(default_factory=dict)  # per-frame VOT tags, GOT-10k labels ...
    object_class: str = ""  # what the target is (GOT-10k meta_info.ini, COCO category), where known
    group: str = ""  # the video or image the target comes from: a negative pair must come from another one
    dropped_frames: list = field(default_factory=list)  # frame numbers left out (no frame file; missing='drop')
    layout: str = ""  # the layout the folder was read as (LAYOUTS)
    regions: list = field(default=None)  # VOT: the region of each frame as written (polygons stay polygons)
    groundtruth: str = ""  # the ground-truth file
    lines: int = 0  # its lines (frames of the sequence, before dropping)
    absent_lines: int = 0  # of them, documented absences
    refused: list = field(default_factory=list)  # (line, reason) of refused lines (lenient reads only)
    unannotated_frames: list = field(default_factory=list)  # frame files the official folder holds without a line
    values: dict[str, np.ndarray] = field(default_factory=dict)  # VOT *.value files per frame
    line_numbers: list = field(default=None)  # the ground-truth line (1-based) of each frame
    start: int = 1  # the frame number of line 1 (frame number = start + line - 1)
    whitespace_lines: list = field(default_factory=list)  # lines separated by spaces/tabs (got10k reads commas only)

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        if self.visible is None:
            self.visible = valid_boxes(self.boxes)
        if len(self.frames) != len(self.boxes) or len(self.visible) != len(self.boxes):
            raise InputError(f"sequence {self.name}: {len(self.frames)} frames, {len(self.boxes)} boxes and "
                             f"{len(self.visible)} visibility flags (they pair one to one)")
        if not self.lines:
            self.lines = len(self.boxes)
        if self.line_numbers is None:
            self.line_numbers = list(range(1, len(self.boxes) + 1))

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def skipped_lines(self) -> int:
        """Refused lines (lenient reads)."""
        return len(self.refused)


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    with np.errstate(invalid="ignore"):
        return np.all(np.isfinite(boxes), axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def _sequence(name: str, layout: str, gt: GroundTruthFile, pairing: Pairing, origin: float = 0.0,
              absent: np.ndarray | None = None, **extra) -> Sequence:
    boxes = gt.boxes[pairing.lines]
    boxes[:, :2] -= origin
    absent = gt.absent if absent is None else absent
    visible = valid_boxes(boxes) & ~absent[pairing.lines]
    return Sequence(name, pairing.frames, boxes, visible, dropped_frames=list(pairing.dropped), layout=layout,
                    groundtruth=gt.path, lines=len(gt), absent_lines=int(np.count_nonzero(absent)),
                    refused=list(gt.refused), unannotated_frames=list(pairing.ignored),
                    line_numbers=[int(k) + 1 for k in pairing.lines], start=pairing.start,
                    whitespace_lines=list(gt.whitespace_lines), **extra)


# ---- OTB, DTB70 ------------------------------------------------------------------------------------------------------
_OTB_FILE = re.compile(r"groundtruth_rect(?:\.?(\d+))?\.txt$")


def _otb_files(folder: str, name: str, official) -> list[tuple[str, str]]:
    """(sequence name, ground-truth file) per target of an OTB folder; an empty file the benchmark ships empty is
    left out (Human4's groundtruth_rect.1.txt), any other empty file is refused by the line reader."""
    found = []
    for path in sorted(glob.glob(os.path.join(glob.escape(folder), "groundtruth_rect*.txt"))):
        match = _OTB_FILE.search(os.path.basename(path))
        if not match:
            continue
        target = int(match.group(1)) if match.group(1) else None
        if official is not None and target in official.empty and not read_lines(path):
            continue
        found.append((target, path))
    if not found:
        raise InputNotFoundError(f"{folder}: no groundtruth_rect.txt (OTB layout: img/ + groundtruth_rect.txt)")
    several = len(found) > 1
    return [(f"{name}-{target}" if several and target is not None else name, path) for target, path in found]


def read_otb_sequence(folder: str, name: str | None = None, missing_frames: str = "error", layout: str = "otb",
                      strict: bool = True) -> list[Sequence]:
    """One OTB (or DTB70) folder: img/ + groundtruth_rect.txt, or several groundtruth_rect.<k>.txt (one target each).

    Boxes are returned 0-based (the file's 1-based x, y minus OTB_ORIGIN). An OTB-2013/OTB-100 name pairs as the
    benchmark does (formats/otb.py); any other folder by the folder's own start (formats/frames.py)."""
    name = name or os.path.basename(os.path.normpath(folder))
    official = otb_sequence(name) if layout == "otb" else None
    images = os.path.join(folder, "img")
    if not os.path.isdir(images):
        raise InputNotFoundError(f"{folder}: no img/ folder ({layout.upper()} layout: img/ + groundtruth_rect.txt)")
    frames = folder_frames(images, name)
    out = []
    for seq_name, path in _otb_files(folder, name, official):
        gt = read_groundtruth(path, layout, strict=strict)
        if official is not None:
            if len(gt) > official.lines:
                raise FramePairingError(
                    f"{path}: {len(gt)} ground-truth lines, but {official.describe()} ({official.lines} lines): not "
                    f"OTB's {official.name}? A folder of another sequence needs another name")
            first, last = official.annotated
            outside = ((official.frames[0], first - 1), (last + 1, official.frames[1]))
            pairing = pair_frames(seq_name, frames, len(gt), first, missing_frames, outside, official.describe())
        else:
            pairing = pair_frames(seq_name, frames, len(gt), None, missing_frames)
        out.append(_sequence(seq_name, layout, gt, pairing, OTB_ORIGIN))
    return out


# ---- UAV123 --------------------------------------------------------------------------------------------------------
def uav123_ranges() -> dict[str, dict]:
    """got10k's uav123.json (UAV123 part): {sequence: {folder_name, start_frame, end_frame}}, read from the installed
    got10k package without importing it; {} where got10k is not installed."""
    spec = importlib.util.find_spec("got10k")
    for base in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(base, "datasets", "uav123.json")
        if os.path.isfile(path):
            with open(path) as handle:
                return json.load(handle)["UAV123"]
    return {}


def read_uav123(root: str, names: list[str] | None = None, missing_frames: str = "error", strict: bool = True
                ) -> list[Sequence]:
    """A UAV123 root (anno/UAV123/<seq>.txt, data_seq/UAV123/<folder>/000001.jpg). Official names take their
    uav123.json range of a shared folder and must have exactly its lines (got10k's rule); other names pair with
    their whole folder data_seq/UAV123/<name>/."""
    anno_files = sorted(glob.glob(os.path.join(glob.escape(root), "anno", "UAV123", "*.txt")))
    if not anno_files:
        raise InputNotFoundError(f"no anno/UAV123/*.txt under {root}")
    by_name = {os.path.basename(f)[:-4]: f for f in anno_files}
    if names is not None:
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise InputNotFoundError(f"{root}: no anno/UAV123/{unknown[0]}.txt (sequences: {', '.join(by_name)})")
    metas = uav123_ranges()
    out = []
    for name in (names if names is not None else list(by_name)):
        meta = metas.get(name)
        folder = os.path.join(root, "data_seq", "UAV123", meta["folder_name"] if meta else name)
        if not os.path.isdir(folder):
            raise InputNotFoundError(f"UAV123 sequence {name}: no frame folder {folder}")
        frames = folder_frames(folder, name)
        gt = read_groundtruth(by_name[name], "uav123", strict=strict)
        if meta:
            start, end = meta["start_frame"], meta["end_frame"]
            rule = f"UAV123's {name}: lines 1-{end - start + 1} are frames {start:06d}-{end:06d} of {folder}"
            if len(gt) != end - start + 1:
                raise FramePairingError(f"{by_name[name]}: {len(gt)} ground-truth lines, but {rule}")
            pairing = pair_frames(name, frames, len(gt), start, missing_frames, ((min(frames), max(frames)),), rule)
        else:
            pairing = pair_frames(name, frames, len(gt), None, missing_frames)
        out.append(_sequence(name, "uav123", gt, pairing))
    return out


# ---- GOT-10k -------------------------------------------------------------------------------------------------------
def read_got10k_sequence(folder: str, missing_frames: str = "error", strict: bool = True) -> Sequence:
    """One GOT-10k folder: %08d.jpg + groundtruth.txt; absence.label (1: absent), cover.label (0: fully covered) and
    cut_by_image.label, one value per line, where present. An absent or fully covered frame is an absence whatever
    its box (got10k's report leaves cover 0 out)."""
    name = os.path.basename(os.path.normpath(folder))
    path = os.path.join(folder, "groundtruth.txt")
    if not os.path.isfile(path):
        raise InputNotFoundError(f"{folder}: no groundtruth.txt (GOT-10k layout)")
    lines = len(read_lines(path))
    labels = {}
    for label, allowed in (("absence", (0, 1)), ("cover", tuple(range(9))), ("cut_by_image", (0, 1))):
        label_path = os.path.join(folder, f"{label}.label")
        if os.path.isfile(label_path):
            labels[label] = read_flags(label_path, lines, f"GOT-10k {label}.label", allowed=allowed)
    absent = np.zeros(lines, dtype=bool)
    if "absence" in labels:
        absent |= labels["absence"] == 1
    if "cover" in labels:
        absent |= labels["cover"] == 0
    gt = read_groundtruth(path, "got10k", absent_frames=absent, strict=strict)
    frames = folder_frames(folder, name)
    if len(gt) == 1 and len(frames) > 1:
        raise FramePairingError(f"{path}: one ground-truth line for {len(frames)} frames: only the first frame is "
                                "annotated (a GOT-10k test split?); training and scoring need every frame's box")
    pairing = pair_frames(name, frames, len(gt), None, missing_frames)
    attributes = {k: v[pairing.lines].astype(np.float64) for k, v in labels.items()}
    return _sequence(name, "got10k", gt, pairing, attributes=attributes)


# ---- VOT -----------------------------------------------------------------------------------------------------------
def read_properties(path: str) -> dict[str, str]:
    """A vot-toolkit `sequence` file: key=value lines."""
    meta = {}
    if os.path.isfile(path):
        for line in read_lines(path):
            if "=" in line:
                key, value = line.split("=", 1)
                meta[key.strip()] = value.strip()
    return meta


def _vot_flags(path: str, lines: int, numeric: bool) -> np.ndarray:
    """A tag (*.tag, *.label: 0 or 1 per line) or value (*.value: a number per line) file of a VOT sequence, as
    vot-toolkit reads it: shorter files are padded (tags with 0, values with 0.0); a longer one, or a line that is
    not 0/1 (tags) or a number (values), is an AnnotationError naming the file and the line."""
    rows = read_lines(path)
    if len(rows) > lines:
        raise AnnotationError(f"{path}: {len(rows)} lines for {lines} ground-truth lines (one per frame)")
    values = np.zeros(lines, dtype=np.float64)
    for number, row in enumerate(rows, 1):
        token = row.strip()
        if numeric:
            try:
                values[number - 1] = float(token)
            except ValueError:
                raise AnnotationError(f"{path}:{number}: {token!r} is not a number (a VOT value file holds one "
                                      "number per frame)") from None
        elif token in ("0", "1"):
            values[number - 1] = float(token)
        else:
            raise AnnotationError(f"{path}:{number}: {token!r} is not 0 or 1 (vot-toolkit reads only '1' as set: "
                                  "anything else would silently be 0)")
    return values


def read_vot_sequence(folder: str, missing_frames: str = "error", strict: bool = True) -> Sequence:
    """One vot-toolkit sequence folder: frames through the `sequence` file's channels.color pattern (default
    color/%08d.jpg), or beside groundtruth.txt (legacy: VOT2013-2016, VOT-TIR); frame 1 is line 1 (vot-toolkit's
    channels start at 1). Every other channel (ir, depth) must have the same frames. Regions stay as written
    (Sequence.regions), boxes are their bounding boxes; tags and values follow the kept frames."""
    name = os.path.basename(os.path.normpath(folder))
    path = os.path.join(folder, "groundtruth.txt")
    if not os.path.isfile(path):
        if glob.glob(os.path.join(glob.escape(folder), "groundtruth_*.txt")):
            raise AnnotationError(f"{folder}: a multi-object (VOTS) sequence (groundtruth_<object>.txt): not a "
                                  "single-target sequence")
        raise InputNotFoundError(f"{folder}: no groundtruth.txt (VOT layout)")
    meta = read_properties(os.path.join(folder, "sequence"))
    legacy = not os.path.isfile(os.path.join(folder, "sequence"))
    gt = read_groundtruth(path, "vot", strict=strict)
    if legacy:
        color = os.path.join(folder, "color")
        frames = folder_frames(color if os.path.isdir(color) else folder, name)
        rule = "VOT: line k is frame k (frames beside groundtruth.txt)"
    else:
        pattern = meta.get("channels.color", "color/%08d.jpg")
        frames = pattern_frames(folder, pattern, name)
        rule = f"VOT: line k is frame k of channels.color={pattern}"
    pairing = pair_frames(name, frames, len(gt), 1, missing_frames, rule=rule)
    for key, pattern in meta.items():
        if key.startswith("channels.") and key != "channels.color":
            other = pattern_frames(folder, pattern, name)
            lacking = [n for n in pairing.numbers if n not in other]
            if lacking:
                raise FramePairingError(f"{name}: channel {key[9:]} ({pattern}) has no frame {lacking[0]} "
                                        f"({len(lacking)} of {len(pairing.numbers)} frames missing)")
    attributes, values = {}, {}
    for tag_file in sorted(glob.glob(os.path.join(glob.escape(folder), "*.tag")) +
                           glob.glob(os.path.join(glob.escape(folder), "*.label"))):
        attributes[os.path.splitext(os.path.basename(tag_file))[0]] = _vot_flags(tag_file, len(gt), False)[pairing.lines]
    for value_file in sorted(glob.glob(os.path.join(glob.escape(folder), "*.value"))):
        values[os.path.splitext(os.path.basename(value_file))[0]] = _vot_flags(value_file, len(gt), True)[pairing.lines]
    regions = [gt.regions[k] for k in pairing.lines]
    return _sequence(name, "vot-legacy" if legacy else "vot", gt, pairing, attributes=attributes, values=values,
                     regions=regions)


# ---- LaSOT ---------------------------------------------------------------------------------------------------------
def read_lasot_sequence(folder: str, missing_frames: str = "error", strict: bool = True) -> Sequence:
    """One LaSOT folder (<class>-<n>): img/00000001.jpg, groundtruth.txt, full_occlusion.txt and out_of_view.txt (one
    line of comma-separated 0/1 each); a frame fully occluded or out of view is an absence whatever its box (LaSOT's
    authors: such frames may hold a random box). The class is the name before the last '-'."""
    name = os.path.basename(os.path.normpath(folder))
    path = os.path.join(folder, "groundtruth.txt")
    if not os.path.isfile(path):
        raise InputNotFoundError(f"{folder}: no groundtruth.txt (LaSOT layout)")
    lines = len(read_lines(path))
    absent = np.zeros(lines, dtype=bool)
    attributes = {}
    for flag in LASOT_FLAGS:
        flag_path = os.path.join(folder, f"{flag}.txt")
        if os.path.isfile(flag_path):
            flags = read_flags(flag_path, lines, f"LaSOT {flag}.txt", one_line=True)
            absent |= flags == 1
            attributes[flag] = flags
    gt = read_groundtruth(path, "lasot", absent_frames=absent, strict=strict)
    frames = folder_frames(os.path.join(folder, "img"), name)
    pairing = pair_frames(name, frames, len(gt), None, missing_frames)
    attributes = {k: v[pairing.lines].astype(np.float64) for k, v in attributes.items()}
    return _sequence(name, "lasot", gt, pairing, attributes=attributes, object_class=name.rsplit("-", 1)[0],
                     group=name)


def lasot_folders(root: str) -> list[str]:
    """LaSOT sequence folders under root: root itself, root/<class>-<n>, or LaSOT's own root/<class>/<class>-<n>."""
    if os.path.isfile(os.path.join(root, "groundtruth.txt")):
        return [root]
    found = []
    for entry in sorted(os.listdir(root)):
        path = os.path.join(root, entry)
        if os.path.isfile(os.path.join(path, "groundtruth.txt")):
            found.append(path)
        elif os.path.isdir(path):
            found += sorted(os.path.join(path, d) for d in os.listdir(path)
                            if os.path.isfile(os.path.join(path, d, "groundtruth.txt")))
    return found


# ---- a frames folder and one box file ------------------------------------------------------------------------------
def read_box_file_sequence(frames_folder: str, groundtruth: str, name: str = "", first_number: int | None = None,
                           missing_frames: str = "drop", strict: bool = True) -> Sequence:
    """A frames folder plus an x,y,w,h file, one line per frame (UAVDT-SOT, custom videos); an all-zero or NaN line
    is unannotated. Line 1 is the folder's own start (formats/frames.py) unless first_number says otherwise."""
    name = name or os.path.basename(os.path.normpath(frames_folder))
    frames = folder_frames(frames_folder, name)
    gt = read_groundtruth(groundtruth, "boxes", strict=strict)
    return _sequence(name, "boxes", gt, pair_frames(name, frames, len(gt), first_number, missing_frames), group=name)


# ---- dataset roots -------------------------------------------------------------------------------------------------
def detect_sequence_layout(folder: str) -> str | None:
    """The layout of one sequence folder, or None when it is not a sequence:

    'otb' (img/ + groundtruth_rect*.txt), 'vot' (a vot-toolkit `sequence` file or color/), 'lasot' (img/ +
    groundtruth.txt + full_occlusion.txt or out_of_view.txt), 'got10k' (frames beside groundtruth.txt with any of
    GOT-10k's meta_info.ini / absence / cover / cut_by_image labels), 'vot-legacy' (the VOT2013-2016 and VOT-TIR
    layout: frames beside groundtruth.txt, other *.label files or polygon lines). Frames beside a plain
    groundtruth.txt of boxes, with nothing else, are read as GOT-10k."""
    if glob.glob(os.path.join(glob.escape(folder), "groundtruth_rect*.txt")):
        return "otb"
    if os.path.isfile(os.path.join(folder, "sequence")) or os.path.isdir(os.path.join(folder, "color")):
        return "vot"
    gt = os.path.join(folder, "groundtruth.txt")
    if not os.path.isfile(gt):
        return None
    if os.path.isdir(os.path.join(folder, "img")) and any(
            os.path.isfile(os.path.join(folder, f"{flag}.txt")) for flag in LASOT_FLAGS):
        return "lasot"
    if any(os.path.isfile(os.path.join(folder, name)) for name in GOT10K_FILES):
        return "got10k"
    if glob.glob(os.path.join(glob.escape(folder), "*.label")) or glob.glob(os.path.join(glob.escape(folder),
                                                                                         "*.tag")):
        return "vot-legacy"
    try:
        first = next((line for line in read_lines(gt) if line.strip()), "")
    except AnnotationError:
        return "got10k"  # its reader names the file
    return "vot-legacy" if len([t for t in re.split(r"[,\s]+", first.strip()) if t]) > 4 else "got10k"


def detect_layout(root: str) -> str:
    """'otb', 'vot', 'vot-legacy', 'got10k', 'lasot' or 'uav123' for a dataset root, from the files in it; 'mixed'
    when its sequence folders have different layouts (read_sequences then detects each one)."""
    if os.path.isdir(os.path.join(root, "data_seq")) and os.path.isdir(os.path.join(root, "anno")):
        return "uav123"
    found = {detect_sequence_layout(os.path.join(root, entry)) for entry in sorted(os.listdir(root))
             if os.path.isdir(os.path.join(root, entry))} - {None}
    if len(found) == 1:
        return found.pop()
    if found:
        return "mixed"
    subsets = [name for name in ("train", "val", "test") if os.path.isdir(os.path.join(root, name))]
    hint = f" (a GOT-10k root? name one of its subsets: {os.path.join(root, subsets[0])})" if subsets else ""
    raise InputError(f"cannot tell the layout of {root}: no OTB, VOT, GOT-10k or LaSOT sequence folder inside{hint}")


def read_sequence(folder: str, layout: str, missing_frames: str = "error", strict: bool = True) -> list[Sequence]:
    """The sequences of one folder in `layout` (an OTB folder may hold several targets)."""
    if layout in ("otb", "dtb70"):
        return read_otb_sequence(folder, missing_frames=missing_frames, layout=layout, strict=strict)
    if layout in ("vot", "vot-legacy"):
        return [read_vot_sequence(folder, missing_frames, strict)]
    if layout == "got10k":
        return [read_got10k_sequence(folder, missing_frames, strict)]
    if layout == "lasot":
        return [read_lasot_sequence(folder, missing_frames, strict)]
    raise InputError(f"unknown layout {layout!r} for one sequence folder; one of otb, dtb70, vot, vot-legacy, "
                     "got10k, lasot")


def read_sequences(root: str, layout: str | None = None, names: list[str] | None = None,
                   missing_frames: str = "error", strict: bool = True) -> list[Sequence]:
    """Every sequence under a dataset root (in list.txt order where there is one). missing_frames: what a
    ground-truth line without its frame file does ('error': MissingFrameError; 'drop': the line is left out).
    strict: see the module docstring."""
    layout = layout or detect_layout(root)
    if layout == "uav123":
        return read_uav123(root, names, missing_frames, strict)
    if layout == "lasot" and names is None and not os.path.isfile(os.path.join(root, "list.txt")):
        return [read_lasot_sequence(f, missing_frames, strict) for f in lasot_folders(root)]
    listed = os.path.join(root, "list.txt")
    if names is None and os.path.isfile(listed):
        names = [line.strip() for line in read_lines(listed) if line.strip()]
    if names is None:
        names = sorted(e for e in os.listdir(root) if os.path.isdir(os.path.join(root, e)))
    out: list[Sequence] = []
    for name in names:
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            raise InputNotFoundError(f"{root}: no sequence folder {name}")
        kind = layout
        if layout == "mixed":
            kind = detect_sequence_layout(folder)
            if kind is None:
                raise InputError(f"{folder}: not a sequence folder of any known layout (OTB, VOT, GOT-10k, LaSOT)")
        elif layout in ("vot", "got10k") and detect_sequence_layout(folder) == "vot-legacy":
            kind = "vot-legacy"  # frames at the root and VOT labels: its polygons and labels are kept
        out += read_sequence(folder, kind, missing_frames, strict)
    return out


# ---- what every summary prints -------------------------------------------------------------------------------------
def loader_differences(sequences: list[Sequence]) -> list[str]:
    """Why got10k's own loader would not give these sequences' numbers, one line per ground-truth file that names
    it (the plugin reads such files as the benchmark defines them; got10k's OTB-style loaders cannot)."""
    notes = []
    for seq in sequences:
        if seq.whitespace_lines:
            lines = seq.whitespace_lines
            notes.append(f"{seq.groundtruth}: {len(lines)} line(s) separated by spaces or tabs (first: line {lines[0]}), "
                         f"read as the {seq.layout.upper()} layout allows; got10k's own loader reads commas only and "
                         "cannot read this file, so these numbers are the plugin reader's, not got10k's")
    return notes


def groundtruth_counts(sequences: list[Sequence]) -> dict[str, int]:
    """Counts over the ground-truth files read: lines, absent (documented absences), refused (lenient reads), dropped
    (lines without a frame file, missing='drop'), unannotated (frame files an official folder holds without a line:
    David's 0001-0299)."""
    return {"sequences": len(sequences), "lines": int(sum(s.lines for s in sequences)),
            "absent": int(sum(s.absent_lines for s in sequences)),
            "refused": int(sum(len(s.refused) for s in sequences)),
            "dropped": int(sum(len(s.dropped_frames) for s in sequences)),
            "unannotated": int(sum(len(s.unannotated_frames) for s in sequences))}


def describe_counts(counts: dict[str, int]) -> str:
    """One line for a summary: 'ground truth: 120 lines, 0 absent, 0 refused, 0 dropped'."""
    text = (f"ground truth: {counts['lines']} lines, {counts['absent']} absent, {counts['refused']} refused, "
            f"{counts['dropped']} dropped (no frame file)")
    if counts.get("unannotated"):
        text += f"; {counts['unannotated']} unannotated frame files of official folders left out"
    return text
