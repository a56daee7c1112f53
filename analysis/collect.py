"""Collectors: results as the toolkits write them -> tidy pandas DataFrames.

VOT workspace (vot-toolkit 0.9.0)::

    <ws>/sequences/list.txt, <ws>/sequences/<seq>/{sequence, groundtruth.txt, color/, *.tag}
    <ws>/results/<tracker>/<experiment>/<seq>/<seq>_<run:03d>.bin    (or .txt when VOT_RESULTS_BINARY=0)
    <ws>/results/<tracker>/<experiment>/<seq>/<seq>_<run:03d>_<key>.value   (time, confidence, ...)
    <ws>/analysis/<name>.json                                        (`vot analysis --format json`)

got10k (0.1.3)::

    <out>/results/<EXP>/<tracker>/<seq>.txt and times/<seq>_time.txt          (one-pass: OTB, UAV123, DTB70)
    <out>/results/<EXP>/<tracker>/<seq>/<seq>_<run:03d>.txt and <seq>_time.txt (GOT-10k)
    <out>/reports/<EXP>/<tracker>/performance.json

Where the times were taken (siamfc_plugin/common/speed_record.py): machine.json (CPU, cores, load average at the
start and end of the run) in <out>/results/<EXP>/<tracker>/ and <ws>/results/<tracker>/.

`frames` tables have one row per tracker x sequence x run x frame with columns
toolkit, experiment, tracker, sequence, run, frame, state (init | tracked | failure | skip), x, y, w, h (the
predicted box; NaN for special frames; polygons as their bounding box), time (s), confidence,
gt_x, gt_y, gt_w, gt_h (the ground truth's bounding box), overlap (the toolkit's overlap definition), and for
one-pass results center_error.
Nothing here imports torch or the network; ground truth is read by the plugin's ground floor (siamfc_plugin.formats),
the one reader the runs used.
"""
from __future__ import annotations

import glob
import json
import os
import re
import struct
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from siamfc_plugin.formats.lines import read_groundtruth as read_groundtruth_file

from . import measures
from .groundtruth import bounding_box, read_regions
from .result_files import ResultFileError, read_got10k_results, read_got10k_times, vot_region_issue

FRAME_COLUMNS = ["toolkit", "experiment", "tracker", "sequence", "run", "frame", "state", "x", "y", "w", "h",
                 "time", "confidence", "gt_x", "gt_y", "gt_w", "gt_h", "overlap", "center_error"]
VOT_TAGS = ("camera_motion", "illum_change", "motion_change", "occlusion", "size_change")
SPECIAL_STATES = {measures.SKIP: "skip", measures.INIT: "init", measures.FAILURE: "failure"}


# ---- VOT trajectories ----------------------------------------------------------------------------------------------
def read_vot_trajectory(path: str) -> list[tuple[str, object]]:
    """A vot-toolkit trajectory file (binary or text) as (kind, value) per frame.

    kind: 'special' (value: code 0 skip, 1 init, 2 failure), 'rectangle' (x,y,w,h), 'polygon' (2n values),
    'mask' (None: masks are not analysed here), 'point' (x, y).
    """
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) >= 6 and struct.unpack_from("<h", data, 0)[0] == 1:
        return _read_binary(data, path)
    return _read_text(data.decode("utf-8"), path)


def _read_binary(data: bytes, path: str) -> list[tuple[str, object]]:
    offset = 0

    def read(fmt: str):
        nonlocal offset
        values = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return values

    _, length = read("<hI")
    out: list[tuple[str, object]] = []
    for _ in range(length):
        kind, = read("<B")
        if kind == 0:
            out.append(("special", read("<I")[0]))
        elif kind == 1:
            out.append(("rectangle", np.array(read("<ffff"), dtype=np.float64)))
        elif kind == 2:
            n, = read("<H")
            out.append(("polygon", np.array(read(f"<{2 * n}f"), dtype=np.float64)))
        elif kind == 3:
            _, _, _, _, n = read("<hhHHH")
            read(f"<{n}H")
            out.append(("mask", None))
        elif kind == 4:
            out.append(("point", np.array(read("<ff"), dtype=np.float64)))
        else:
            raise ValueError(f"{path}: unknown region type {kind} in frame {len(out)}")
    return out


def _read_text(text: str, path: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("m"):
            out.append(("mask", None))
            continue
        values = [float(v) for v in re.split(r"[,\s]+", line) if v]
        if len(values) == 1:
            out.append(("special", int(values[0])))
        elif len(values) == 2:
            out.append(("point", np.array(values)))
        elif len(values) == 4:
            out.append(("rectangle", np.array(values)))
        elif len(values) >= 6 and len(values) % 2 == 0:
            out.append(("polygon", np.array(values)))
        else:
            raise ValueError(f"{path}:{number}: cannot parse region {line!r}")
    return out


def read_value_file(path: str, length: int | None = None) -> np.ndarray:
    """A `_<key>.value` file as floats per frame (NaN for an empty or non-numeric line), padded to `length`."""
    values = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            try:
                values.append(float(line) if line else np.nan)
            except ValueError:
                values.append(np.nan)
    array = np.array(values, dtype=np.float64)
    if length is not None and len(array) < length:
        array = np.concatenate([array, np.full(length - len(array), np.nan)])
    return array[:length] if length is not None else array


# ---- VOT sequences -------------------------------------------------------------------------------------------------
@dataclass
class VotSequence:
    name: str
    length: int
    width: int
    height: int
    regions: list  # ground-truth regions (4 or 2n values each, NaN rows where unknown)
    tags: dict[str, np.ndarray] = field(default_factory=dict)  # per-frame bool
    derived_tags: tuple[str, ...] = ()  # tags computed here from the ground truth (no .tag file)
    tag_files: tuple[str, ...] = ()  # tags read from <tag>.tag files
    absent: int = 0  # ground-truth lines that mark the target unknown (0 or NaN)
    refused: list = field(default_factory=list)  # 'file:line: reason' of lines that are no region (not scored)

    @property
    def boxes(self) -> np.ndarray:
        return np.array([bounding_box(r) for r in self.regions]).reshape(-1, 4)


def _image_size(folder: str) -> tuple[int, int]:
    from PIL import Image

    color = os.path.join(folder, "color")
    candidates = sorted(glob.glob(os.path.join(color if os.path.isdir(color) else folder, "*.jpg")) +
                        glob.glob(os.path.join(color if os.path.isdir(color) else folder, "*.png")))
    if not candidates:
        return 0, 0
    with Image.open(candidates[0]) as image:
        return image.size


def derive_tags(boxes: np.ndarray, window: int = 5, size_ratio: float = 1.25, motion_fraction: float = 0.1
                ) -> dict[str, np.ndarray]:
    """size_change and motion_change per frame from the ground-truth boxes, for sequences without .tag files.

    size_change: the box area changed by more than `size_ratio` (either way) over the last `window` frames.
    motion_change: the centre's displacement over the last `window` frames differs from that over the `window`
    frames before by more than `motion_fraction` of the target size (sqrt(w*h)) per frame.
    These are this package's rules, not the VOT committee's annotations: figures label them as derived.
    """
    boxes = np.asarray(boxes, float)
    n = len(boxes)
    area = boxes[:, 2] * boxes[:, 3]
    centre = boxes[:, :2] + boxes[:, 2:] / 2
    size = np.sqrt(np.clip(area, 1e-9, None))
    size_change = np.zeros(n, bool)
    motion_change = np.zeros(n, bool)
    for t in range(n):
        a = max(0, t - window)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = area[t] / area[a]
        size_change[t] = bool(np.isfinite(ratio) and (ratio > size_ratio or ratio < 1 / size_ratio))
        b = t - 2 * window
        if b >= 0:
            v1 = (centre[t] - centre[t - window]) / window
            v0 = (centre[t - window] - centre[b]) / window
            change = np.linalg.norm(v1 - v0)
            motion_change[t] = bool(np.isfinite(change) and change > motion_fraction * size[t])
    return {"size_change": size_change, "motion_change": motion_change}


def read_vot_sequences(workspace: str, derive_missing: bool = True) -> dict[str, VotSequence]:
    """The workspace's sequences (list.txt order) with ground truth, image size and per-frame tags.

    Tags come from the sequences' <tag>.tag files (a missing file: no frame has the tag, as in the VOT datasets).
    Only when no sequence of the workspace has any VOT tag file (and derive_missing) are size_change and
    motion_change derived from the ground truth for every sequence (see derive_tags), so that annotated and
    derived tags are never mixed.
    """
    root = os.path.join(workspace, "sequences")
    listed = os.path.join(root, "list.txt")
    if os.path.isfile(listed):
        with open(listed) as handle:
            names = [line.strip() for line in handle if line.strip()]
    else:
        names = sorted(d for d in os.listdir(root) if os.path.isfile(os.path.join(root, d, "groundtruth.txt")))
    out = {}
    for name in names:
        folder = os.path.join(root, name)
        if not os.path.isfile(os.path.join(folder, "groundtruth.txt")) and \
                glob.glob(os.path.join(folder, "groundtruth_*.txt")):
            continue  # a multi-object (VOTS) sequence: the toolkit's VOTS analyses score it, not per-frame boxes
        # the plugin's one line reader (siamfc_plugin.formats): unknown (0, NaN) and refused lines hold no region
        truth = read_groundtruth_file(os.path.join(folder, "groundtruth.txt"), "vot", strict=False)
        regions = [r if k in ("box", "polygon") else np.full(4, np.nan) for k, r in zip(truth.kinds, truth.regions)]
        width, height = _image_size(folder)
        tags = {}
        for tag_file in sorted(glob.glob(os.path.join(folder, "*.tag"))):
            key = os.path.splitext(os.path.basename(tag_file))[0]
            values = read_value_file(tag_file, len(regions))
            tags[key] = np.nan_to_num(values, nan=0.0) > 0
        out[name] = VotSequence(name, len(regions), width, height, regions, tags, (), tuple(sorted(tags)),
                                int(np.count_nonzero(truth.absent)),
                                [f"{truth.path}:{line}: {why}" for line, why in truth.refused])
    annotated = any(t in s.tag_files for s in out.values() for t in VOT_TAGS)
    if derive_missing and not annotated:
        for seq in out.values():
            seq.tags.update(derive_tags(seq.boxes))
            seq.derived_tags = ("motion_change", "size_change")
    return out


# ---- VOT results ---------------------------------------------------------------------------------------------------
_RUN_FILE = re.compile(r"^(?P<seq>.+)_(?P<run>\d{3})\.(?:bin|txt)$")  # supervised, unsupervised: repetition
_ANCHOR_FILE = re.compile(r"^(?P<seq>.+)_(?P<anchor>\d{8})\.(?:bin|txt)$")  # multistart: anchor frame


@dataclass
class Problem:
    """A result that is missing, partial, damaged or unreadable, or an abnormal tracker answer: listed in the
    leaderboard (naming the file and its rows or frames), never a crash."""

    toolkit: str
    experiment: str
    tracker: str
    sequence: str
    why: str

    def __str__(self) -> str:
        where = "/".join(p for p in (self.experiment, self.tracker, self.sequence) if p)
        return f"{self.toolkit} {where}: {self.why}"


PROBLEM_COLUMNS = ["toolkit", "experiment", "tracker", "sequence", "why"]


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([vars(p) for p in problems], columns=PROBLEM_COLUMNS)


def _anchors(folder: str, length: int) -> np.ndarray:
    """anchor.value of a VOT2020-style sequence: > 0 forward, < 0 backward, 0 none."""
    path = os.path.join(folder, "anchor.value")
    return read_value_file(path, length) if os.path.isfile(path) else np.zeros(length)


@dataclass
class VotRun:
    """One trajectory file of a VOT workspace: tracker, experiment, sequence, run (repetition, or the anchor frame
    of a multistart run), path, and how its entries map to sequence frames (frame = start + step * index)."""

    tracker: str
    experiment: str
    sequence: VotSequence
    run: int
    path: str
    start: int = 0
    step: int = 1
    anchored: bool = False  # a multistart run: `run` is its anchor frame

    @property
    def stem(self) -> str:
        return os.path.splitext(self.path)[0]

    @property
    def expected(self) -> int:
        """Frames the run must cover: to the sequence's end (forward) or its start (a backward multistart run)."""
        return self.sequence.length - self.start if self.step > 0 else self.start + 1


def vot_runs(workspace: str, experiment: str | None = None, trackers: list[str] | None = None,
             sequences: dict[str, VotSequence] | None = None) -> list[VotRun]:
    """Every trajectory file under <ws>/results (optionally one experiment / some trackers) of a known sequence.
    Multistart runs (<seq>_<anchor:08d>.bin) get run = anchor frame; backward ones step -1 (anchor.value < 0)."""
    sequences = sequences if sequences is not None else read_vot_sequences(workspace)
    results_root = os.path.join(workspace, "results")
    runs: list[VotRun] = []
    for tracker in sorted(os.listdir(results_root)) if os.path.isdir(results_root) else []:
        if trackers is not None and tracker not in trackers:
            continue
        tracker_dir = os.path.join(results_root, tracker)
        for exp in sorted(os.listdir(tracker_dir)) if os.path.isdir(tracker_dir) else []:
            if experiment is not None and exp != experiment or not os.path.isdir(os.path.join(tracker_dir, exp)):
                continue
            for seq_name in sorted(os.listdir(os.path.join(tracker_dir, exp))):
                seq_dir = os.path.join(tracker_dir, exp, seq_name)
                if not os.path.isdir(seq_dir) or seq_name not in sequences:
                    continue
                seq = sequences[seq_name]
                anchors = None
                for entry in sorted(os.listdir(seq_dir)):
                    match = _RUN_FILE.match(entry)
                    anchor = _ANCHOR_FILE.match(entry) if not match else None
                    if not (match or anchor) or (match or anchor).group("seq") != seq_name:
                        continue
                    path = os.path.join(seq_dir, entry)
                    if match:
                        runs.append(VotRun(tracker, exp, seq, int(match.group("run")), path))
                        continue
                    if anchors is None:
                        anchors = _anchors(os.path.join(workspace, "sequences", seq_name), seq.length)
                    start = int(anchor.group("anchor"))
                    step = -1 if start < len(anchors) and anchors[start] < 0 else 1
                    runs.append(VotRun(tracker, exp, seq, start, path, start, step, anchored=True))
    return runs


def collect_vot_frames(workspace: str, experiment: str | None = None, trackers: list[str] | None = None,
                       sequences: dict[str, VotSequence] | None = None, problems: list[Problem] | None = None
                       ) -> pd.DataFrame:
    """Every frame of every run under <ws>/results (optionally one experiment / some trackers). Multistart runs
    (<seq>_<anchor:08d>.bin) get run = anchor frame, and backward runs are mapped back to sequence frames.
    Listed in `problems`, naming the file: an unreadable or empty trajectory (left out), one shorter than its
    sequence (kept as far as it goes) or longer (the frames past the sequence's end left out), and entries the
    toolkit cannot score (analysis.result_files.vot_region_issue: an unknown special code, NaN values)."""
    problems = problems if problems is not None else []
    rows: list[dict] = []
    for r in vot_runs(workspace, experiment, trackers, sequences):
        where = ("vot", r.experiment, r.tracker, r.sequence.name)
        try:
            trajectory = read_vot_trajectory(r.path)
        except (ValueError, struct.error, UnicodeDecodeError, OSError) as exc:
            problems.append(Problem(*where, f"{r.path} is unreadable ({exc})"))
            continue
        if not trajectory:
            problems.append(Problem(*where, f"{r.path} is empty ({os.path.getsize(r.path)} bytes): re-run it"))
            continue
        if len(trajectory) < r.expected:
            problems.append(Problem(*where, f"{r.path} stops after {len(trajectory)} of {r.expected} frames "
                                            "(the run was interrupted)"))
        elif len(trajectory) > r.expected:
            problems.append(Problem(*where, f"{r.path} has {len(trajectory)} frames, the sequence {r.expected} "
                                            "(another sequence's results?): the frames past its end are left out"))
            trajectory = trajectory[:r.expected]
        issues = [(i, why) for i, (kind, value) in enumerate(trajectory)
                  for why in [vot_region_issue(kind, value)] if why]
        if issues:
            listed = "; ".join(f"frame {r.start + r.step * i + 1}: {why}" for i, why in issues[:6])
            more = f"; and {len(issues) - 6} more" if len(issues) > 6 else ""
            problems.append(Problem(*where, f"{r.path}: {listed}{more} -- not a region the toolkit can "
                                            "score (the file was damaged or the tracker is broken)"))
        rows.extend(_vot_run_rows(r.tracker, r.experiment, r.sequence, r.run, trajectory, r.stem, r.start, r.step))
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


# the `error` property of the plugin's trax server (siamfc_plugin/toolkits/vot/trax_server.py), stored by the
# toolkit as <run>_error.value (one line per frame, empty when the answer was normal), and what each code means
TRAX_ERRORS = {
    "frame_unreadable": "the frame file is missing or cannot be decoded: the tracker answered its last box with "
                        "confidence 0",
    "bad_image": "the frame has a shape or type the tracker cannot use: the tracker answered its last box with "
                 "confidence 0",
    "bad_region": "the initialisation region was refused (NaN, no area, outside the frame): the tracker had no "
                  "target until the next initialisation",
    "not_initialized": "the tracker had no target (a refused initialisation): it answered the empty box",
    "bad_request": "the toolkit's request lacked a frame or a region",
}


def read_property_file(path: str) -> list[str]:
    """A `_<key>.value` file of text values (one line per frame, '' where the frame has none)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return [line.strip() for line in handle.read().splitlines()]


def _frame_file(workspace: str, sequence: str, frame: int) -> str:
    """The color channel's file of a 1-based frame number, from the sequence file's pattern ('' if unknown)."""
    try:
        with open(os.path.join(workspace, "sequences", sequence, "sequence")) as handle:
            for line in handle:
                key, _, value = line.strip().partition("=")
                if key.strip() == "channels.color":
                    return value.strip() % frame
    except (OSError, TypeError, ValueError):
        pass
    return ""


def _spans(numbers: list[int]) -> str:
    """1, 2, 3, 7 -> '1-3, 7'."""
    numbers, out = sorted(set(numbers)), []
    for n in numbers:
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in out)


def vot_abnormal_answers(workspace: str, experiment: str | None = None, trackers: list[str] | None = None,
                         sequences: dict[str, VotSequence] | None = None) -> list[Problem]:
    """Every abnormal answer of a trax tracker (the `error` property its answers carry: an unreadable frame, a
    failed decode, a refused region), one problem per tracker, experiment, sequence and kind, naming the frames
    (1-based, with the frame file) and the runs. The toolkit scores these answers like any other."""
    found: dict[tuple, dict] = {}
    for r in vot_runs(workspace, experiment, trackers, sequences):
        path = r.stem + "_error.value"
        if not os.path.isfile(path):
            continue
        try:
            values = read_property_file(path)
        except OSError:
            continue
        for index, code in enumerate(values):
            if not code:
                continue
            entry = found.setdefault((r.tracker, r.experiment, r.sequence.name, code),
                                     {"frames": [], "runs": [], "anchored": r.anchored})
            entry["frames"].append(r.start + r.step * index + 1)
            entry["runs"].append(r.run)
    problems = []
    for (tracker, exp, name, code), entry in sorted(found.items()):
        frames = sorted(set(entry["frames"]))
        files = [f for f in (_frame_file(workspace, name, f) for f in frames[:3]) if f]
        where = f"frame {_spans(frames)}" if len(frames) == 1 else f"frames {_spans(frames)}"
        if files:
            where += " (" + ", ".join(files) + (", ..." if len(frames) > 3 else "") + ")"
        runs = sorted(set(entry["runs"]))
        meaning = TRAX_ERRORS.get(code, "an answer the tracker marked abnormal")
        runs_text = (f"in the run{'s' if len(runs) > 1 else ''} from anchor frame{'s' if len(runs) > 1 else ''} "
                     f"{_spans(runs)}" if entry["anchored"] else f"in run{'s' if len(runs) > 1 else ''} {_spans(runs)}")
        problems.append(Problem("vot", exp, tracker, name, (
            f"the tracker answered '{code}' at {where}, {runs_text}: "
            f"{meaning}; the toolkit's scores include these answers")))
    return problems


def _vot_run_rows(tracker: str, experiment: str, seq: VotSequence, run: int, trajectory, stem: str,
                  start: int = 0, step: int = 1) -> list[dict]:
    n = len(trajectory)
    times = read_value_file(stem + "_time.value", n) if os.path.isfile(stem + "_time.value") else np.full(n, np.nan)
    conf_file = stem + "_confidence.value"
    confidence = read_value_file(conf_file, n) if os.path.isfile(conf_file) else np.full(n, np.nan)
    rows = []
    for i, (kind, value) in enumerate(trajectory):
        f = start + step * i
        gt = seq.regions[f] if 0 <= f < len(seq.regions) else np.full(4, np.nan)
        gt_box = bounding_box(gt)
        if kind == "special":
            state, box, overlap = SPECIAL_STATES.get(int(value), "skip"), np.full(4, np.nan), 0.0
        elif kind in ("rectangle", "polygon"):
            state, box = "tracked", bounding_box(value)
            overlap = measures.bounded_overlap(value, gt, seq.width, seq.height)
        else:  # masks and points are not analysed here
            state, box, overlap = "tracked", np.full(4, np.nan), np.nan
        rows.append({"toolkit": "vot", "experiment": experiment, "tracker": tracker, "sequence": seq.name,
                     "run": run, "frame": f, "state": state, "x": box[0], "y": box[1], "w": box[2], "h": box[3],
                     "time": times[i], "confidence": confidence[i], "gt_x": gt_box[0], "gt_y": gt_box[1],
                     "gt_w": gt_box[2], "gt_h": gt_box[3], "overlap": overlap, "center_error": np.nan})
    return rows


def missing_vot_results(workspace: str, experiment: str, trackers: list[str], kind: str,
                        sequences: dict[str, VotSequence]) -> list[Problem]:
    """(tracker, sequence) pairs of an experiment without results: no folder, no run, or a missing anchor."""
    problems = []
    for tracker in trackers:
        for name, seq in sequences.items():
            folder = os.path.join(workspace, "results", tracker, experiment, name)
            entries = os.listdir(folder) if os.path.isdir(folder) else []
            if kind == "multistart":
                anchors = _anchors(os.path.join(workspace, "sequences", name), seq.length)
                wanted = [i for i in np.flatnonzero(anchors != 0)]
                if not wanted:
                    problems.append(Problem("vot", experiment, tracker, name,
                                            "the sequence has no anchor.value: multistart cannot run on it "
                                            "(`siamfc vot prepare` writes VOT2020-style anchors)"))
                    continue
                absent = [i for i in wanted if not any(e.startswith(f"{name}_{i:08d}.") for e in entries)]
                if absent:
                    problems.append(Problem("vot", experiment, tracker, name,
                                            f"no run from anchor frame(s) {', '.join(map(str, absent))} "
                                            f"({len(wanted) - len(absent)} of {len(wanted)} present)"))
            elif not any(_RUN_FILE.match(e) for e in entries):
                problems.append(Problem("vot", experiment, tracker, name, "no results"))
    return problems


VOT_KINDS = ("supervised", "multistart", "unsupervised")


@dataclass
class VotAnalysis:
    """`vot analysis --format json` output, one experiment: summary (per tracker) and EAO curves.

    kind: 'supervised' (VOT2013-2019 baseline, re-initialisation), 'multistart' (VOT2020-2022 anchors),
    'longterm' (VOT-LT: precision, recall, fscore; curves: the F-score per confidence threshold; pr_curves),
    'vots' (multi-object: quality, accuracy, robustness, nre, dre, ad; pr_curves: the quality plot) or
    'unsupervised'. summary columns (one vocabulary for every stack; NaN where the stack has no such number):
    accuracy, eao, failures_per_sequence (supervised: failures per sequence, averaged as the toolkit does),
    robustness_ar_plot (supervised: exp(-S * failures / frames), the x of the AR plot), robustness_share_tracked
    (multistart: the share of frames tracked before the failure, VOT2020's robustness), length.
    """

    path: str
    experiment: str
    summary: pd.DataFrame
    curves: dict[str, np.ndarray]
    eao_low: int | None
    eao_high: int | None
    sensitivity: float | None
    parameters: dict
    per_sequence: pd.DataFrame = field(default_factory=pd.DataFrame)  # supervised_ar: tracker x sequence
    kind: str = "supervised"
    missing: list = field(default_factory=list)  # (tracker, why): trackers the toolkit gave no number for
    sequences: list = field(default_factory=list)  # the sequences the toolkit analysed
    sources: dict = field(default_factory=dict)  # tracker -> analysis JSON its numbers come from, where not `path`
    # longterm: (recall, precision, confidence threshold) rows; vots: the quality plot, (overlap threshold, share)
    pr_curves: dict = field(default_factory=dict)
    # the stack that produced it (`siamfc vot evaluate` writes <name>.stack.txt beside the JSON): stack, title,
    # source (the stock stack's name); empty when unknown
    stack: dict = field(default_factory=dict)
    sequence_lengths: dict = field(default_factory=dict)  # sequence -> frames, as the analysis JSON gives them

    @property
    def stack_title(self) -> str:
        return self.stack.get("title") or ""


def read_stack_note(analysis_json: str) -> dict:
    """`key: value` lines of <name>.stack.txt beside an analysis JSON ({} when there is none)."""
    note = os.path.splitext(analysis_json)[0] + ".stack.txt"
    out = {}
    if os.path.isfile(note):
        with open(note) as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if value.strip():
                    out[key.strip()] = value.strip()
    return out


def eao_intervals(analysis: "VotAnalysis", longest: int) -> dict[str, tuple[int, int] | None]:
    """tracker -> the EAO interval [low, high] the toolkit's score actually averages, or None (empty: no score).

    vot-toolkit 0.9.0 averages the EAO curve over [low, high] as far as the curve goes: a supervised curve ends at
    the tracker's longest run (at most the longest sequence), so on short sequences the mean is over
    [low, longest - 1]; a multistart curve is padded to high with lengths no sequence has (no run is that long).
    Either way only [low, min(high, longest - 1)] holds data, and an EAO over another interval than a published one
    is not comparable with it."""
    if analysis.eao_low is None or analysis.eao_high is None:
        return {}
    low, high = int(analysis.eao_low), int(analysis.eao_high)
    out = {}
    for tracker in analysis.summary["tracker"]:
        top = longest - 1
        if analysis.kind != "multistart" and tracker in analysis.curves:
            top = min(top, len(analysis.curves[tracker]) - 1)
        used = min(high, top)
        out[tracker] = (low, used) if used >= low else None
    return out


def merge_vot_analyses(files: list[str], ran: dict[str, list[str]], problems: list[Problem]
                       ) -> dict[str, VotAnalysis]:
    """{experiment: analysis} from analysis JSONs (oldest first). The newest analysis of an experiment is the base;
    a tracker with results for the experiment but absent from it takes its numbers from the newest older analysis
    that covers it (same sequences, same analysis parameters; `sources` says which file). A tracker with results
    that no analysis covers, or only one made on other sequences or parameters, is appended to `problems`, so that
    no tracker with results silently leaves the board."""
    found: dict[str, list[VotAnalysis]] = {}
    for path in files:
        try:
            for analysis in read_vot_analyses(path):
                found.setdefault(analysis.experiment, []).append(analysis)
        except ValueError as exc:
            problems.append(Problem("vot", "", "", "", str(exc)))
    merged = {}
    for exp, versions in found.items():
        base = versions[-1]
        covered = {t for t in base.summary["tracker"] if (t, "the toolkit's analysis has no number for it")
                   not in base.missing}
        for tracker in ran.get(exp, []):
            if tracker in covered:
                continue
            older = [a for a in reversed(versions[:-1]) if tracker in set(a.summary["tracker"])]
            usable = [a for a in older if a.sequences == base.sequences and a.parameters == base.parameters]
            if usable:
                source = usable[0]
                row = source.summary[source.summary["tracker"] == tracker]
                base.summary = pd.concat([base.summary[base.summary["tracker"] != tracker], row],
                                         ignore_index=True)
                if tracker in source.curves:
                    base.curves[tracker] = source.curves[tracker]
                if tracker in source.pr_curves:
                    base.pr_curves[tracker] = source.pr_curves[tracker]
                if len(source.per_sequence):
                    rows = source.per_sequence[source.per_sequence["tracker"] == tracker]
                    base.per_sequence = pd.concat([base.per_sequence, rows], ignore_index=True) \
                        if len(base.per_sequence) else rows.reset_index(drop=True)
                base.missing = [(t, why) for t, why in base.missing if t != tracker]
                base.sources[tracker] = source.path
            elif older:
                problems.append(Problem("vot", exp, tracker, "", (
                    f"results on disk, but the newest analysis ({os.path.basename(base.path)}) does not cover it "
                    f"and the older one that does ({os.path.basename(older[0].path)}) was made on other sequences "
                    f"or analysis parameters: run `vot analysis --format json` with every tracker")))
            else:
                problems.append(Problem("vot", exp, tracker, "", (
                    f"results on disk, but no analysis JSON covers it (newest: {os.path.basename(base.path)}): "
                    f"run `vot analysis --workspace WS --format json --experiments {exp} {tracker} ...` with "
                    "every tracker")))
        merged[exp] = base
    return merged


SUMMARY_COLUMNS = ["tracker", "accuracy", "eao", "failures_per_sequence", "robustness_ar_plot",
                   "robustness_share_tracked", "length"]
# the columns of the other kinds (VOT-LT, VOTS), in their own vocabulary; and the number without which a tracker
# counts as not analysed
KIND_COLUMNS = {"longterm": ["precision", "recall", "fscore"],
                "vots": ["quality", "robustness", "nre", "dre", "ad"]}
HEADLINE = {"longterm": "fscore", "vots": "quality"}
PER_SEQUENCE_COLUMNS = ["tracker", "sequence", "accuracy", "failures", "robustness_ar_plot", "length"]


def latest_vot_analysis(workspace: str) -> str | None:
    files = glob.glob(os.path.join(workspace, "analysis", "*.json"))
    return max(files, key=os.path.getmtime) if files else None


def vot_analysis_files(workspace: str) -> list[str]:
    """Every analysis JSON of a workspace, oldest first (a later file for the same experiment replaces it)."""
    return sorted(glob.glob(os.path.join(workspace, "analysis", "*.json")), key=os.path.getmtime)


LONGTERM_ANALYSES = ("vot.analysis.longterm.PrecisionRecall", "vot.analysis.longterm.PrecisionRecallCurve",
                     "vot.analysis.longterm.FScoreCurve")
VOTS_ANALYSES = ("vot.analysis.longterm.AccuracyRobustness", "vot.analysis.longterm.AverageQualityAuxiliary")


def experiment_kind(experiment: dict) -> str:
    """vots | longterm | supervised | multistart | unsupervised | other, from the experiment class, its
    `multiobject` flag or its analyses' modules. vots: a multi-object experiment or one with VOTS's analyses
    (quality, long-term accuracy/robustness, NRE/DRE/AD); longterm: VOT-LT's precision/recall/F-score."""
    parameters = experiment.get("parameters") or {}
    analyses = [str(a.get("type", "")) for a in parameters.get("analyses", [])]
    if parameters.get("multiobject") or any(a in VOTS_ANALYSES for a in analyses):
        return "vots"
    if any(a in LONGTERM_ANALYSES for a in analyses):
        return "longterm"
    names = [str(experiment.get("type", ""))] + analyses
    for kind in ("multistart", "supervised", "unsupervised"):  # 'supervised' is inside 'unsupervised': order
        if kind == "supervised":
            if any(re.search(r"(^|[._])supervised", n, re.I) and "unsupervised" not in n.lower() for n in names):
                return kind
        elif any(kind in n.lower() for n in names):
            return kind
    return "other"


def read_vot_analyses(path: str) -> list[VotAnalysis]:
    """Every experiment of one analysis JSON. Results are per analysis in the order of the stack's `analyses`,
    and within each, per tracker in the order of the document's `trackers` (None where the toolkit had none)."""
    try:
        with open(path) as handle:
            doc = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable vot-toolkit analysis JSON ({exc})") from exc
    experiments = doc.get("results") if isinstance(doc, dict) else None
    if not experiments:
        raise ValueError(f"{path} has no results (was `vot analysis` interrupted?)")
    return [_read_experiment(path, doc, name, exp) for name, exp in experiments.items()]


def read_vot_analysis(path: str, experiment: str | None = None) -> VotAnalysis:
    """One experiment of an analysis JSON (default: the first supervised one, else the first)."""
    analyses = read_vot_analyses(path)
    if experiment is not None:
        for analysis in analyses:
            if analysis.experiment == experiment:
                return analysis
        raise ValueError(f"{path} has no experiment {experiment!r} (it has {[a.experiment for a in analyses]})")
    return next((a for a in analyses if a.kind == "supervised"), analyses[0])


def _values(data, count: int, path: str, what: str):
    """data as one entry per tracker/sequence; a clear error when the shape is not what the toolkit writes."""
    if not isinstance(data, list) or len(data) != count:
        raise ValueError(f"{path}: {what}: expected {count} entries, found "
                         f"{len(data) if isinstance(data, list) else type(data).__name__}")
    return data


def _read_experiment(path: str, doc: dict, name: str, exp: dict) -> VotAnalysis:
    trackers = list((doc.get("trackers") or {}).keys())
    sequence_names = list((doc.get("sequences") or {}).keys())
    kind = experiment_kind(exp)
    analyses = (exp.get("parameters") or {}).get("analyses", [])
    rows = {t: {"tracker": t} for t in trackers}
    curves: dict[str, np.ndarray] = {}
    pr_curves: dict[str, np.ndarray] = {}
    low = high = sensitivity = None
    per_sequence = []
    for spec, data in zip(analyses, exp.get("results") or []):
        module, _, analysis = spec.get("type", "").rpartition(".")
        family = module.rsplit(".", 1)[-1]  # supervised | multistart | accuracy | failures ...
        what = f"experiment {name}, {spec.get('type')}"
        if analysis == "AccuracyRobustness" and family == "supervised" and data is not None and \
                len(data) == len(trackers) * len(sequence_names):
            for index, values in enumerate(data):
                if values is None:
                    continue
                accuracy, failures, point, length = values[:4]
                per_sequence.append({"tracker": trackers[index // len(sequence_names)],
                                     "sequence": sequence_names[index % len(sequence_names)],
                                     "accuracy": accuracy, "failures": failures, "robustness_ar_plot": point[0],
                                     "length": length})
        elif analysis == "CumulativeFailureCount":
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t]["cumulative_failures"] = values[0]
        elif analysis == "AverageAccuracyRobustness" and family == "multistart":
            # (accuracy, robustness = share of frames tracked, AR point, accuracy weight, robustness weight)
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t].update(accuracy=values[0], robustness_share_tracked=values[1], length=values[4])
        elif analysis == "AverageAccuracyRobustness":
            # (accuracy, failures per sequence, AR point = (exp(-S F / L), accuracy), length)
            sensitivity = spec.get("sensitivity", 30)
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t].update(accuracy=values[0], failures_per_sequence=values[1],
                                   robustness_ar_plot=values[2][0], length=values[3])
        elif analysis == "AverageAccuracy":
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t]["quality" if kind == "vots" else "accuracy"] = values[0]
        elif analysis == "PrecisionRecall":  # VOT-LT: at the confidence threshold with the best F-score
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t].update(precision=values[0], recall=values[1], fscore=values[2])
        elif analysis == "PrecisionRecallCurve":  # (recall, precision) per confidence threshold; the thresholds
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    points = np.asarray(values[0], dtype=np.float64).reshape(-1, 2)
                    thresholds = np.asarray(values[1] if len(values) > 1 else [np.nan] * len(points), np.float64)
                    pr_curves[t] = np.column_stack([points, thresholds[:len(points)]])
        elif analysis == "FScoreCurve":  # F-score per confidence threshold (highest threshold first)
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    curves[t] = np.asarray([np.nan if v is None else v for v in values[0]], dtype=np.float64)
        elif analysis == "AccuracyRobustness" and family == "longterm":  # VOTS: (accuracy, robustness, point)
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t].update(accuracy=values[0], robustness=values[1])
        elif analysis == "AverageQualityAuxiliary":  # VOTS: non-reported error, drift-rate error, absence detection
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t].update(nre=values[0], dre=values[1], ad=values[2])
        elif analysis == "AverageSuccessPlot":  # (threshold, share of frames) pairs
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    pr_curves[t] = np.asarray(values[0], dtype=np.float64).reshape(-1, 2)
        elif analysis == "EAOScore":
            low, high = spec.get("low"), spec.get("high")
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    rows[t]["eao"] = values[0]
        elif analysis == "EAOCurve":
            high = high if high is not None else spec.get("high")
            for t, values in zip(trackers, _values(data, len(trackers), path, what)):
                if values is not None:
                    curves[t] = np.asarray(values[0], dtype=np.float64)
    summary = pd.DataFrame(list(rows.values()))
    for column in SUMMARY_COLUMNS + KIND_COLUMNS.get(kind, []):
        if column not in summary:
            summary[column] = np.nan
    summary = summary.astype({c: float for c in SUMMARY_COLUMNS[1:] + KIND_COLUMNS.get(kind, [])})
    headline = HEADLINE.get(kind, "accuracy")
    missing = [(t, "the toolkit's analysis has no number for it") for t in trackers
               if not np.isfinite(summary.loc[summary["tracker"] == t, headline]).any()]
    return VotAnalysis(path, name, summary, curves, low, high, sensitivity, exp.get("parameters") or {},
                       pd.DataFrame(per_sequence, columns=PER_SEQUENCE_COLUMNS), kind, missing, sequence_names,
                       pr_curves=pr_curves, stack=read_stack_note(path),
                       sequence_lengths={seq: int(info.get("length", 0)) for seq, info in
                                         (doc.get("sequences") or {}).items() if isinstance(info, dict)})


# ---- got10k --------------------------------------------------------------------------------------------------------
def _load_times(path: str, length: int, problems: list[Problem], where: tuple) -> np.ndarray:
    """Per-frame times of a got10k times file (NaN where there is none), padded or cut to `length`; lines that
    got10k's loader cannot read are listed (the speed then comes from the other frames)."""
    if not os.path.isfile(path):
        return np.full(length, np.nan)
    try:
        times, issues = read_got10k_times(path)
    except (OSError, ResultFileError) as exc:
        problems.append(Problem(*where, f"{path} is unreadable ({exc}): no speed for this sequence"))
        return np.full(length, np.nan)
    if issues:
        listed = "; ".join(f"line {i.line}: {i.why}" for i in issues[:6])
        problems.append(Problem(*where, f"{path}: {listed}" + (f"; and {len(issues) - 6} more" if len(issues) > 6
                                                               else "") + " -- the speed comes from the other frames"))
    times = times[:length]
    return np.concatenate([times, np.full(length - len(times), np.nan)])


GOT10K_VOT_MODES = ("baseline", "unsupervised", "realtime")  # got10k's ExperimentVOT sub-folders


def got10k_runs(out_dir: str) -> list[dict]:
    """Every results file under <out>/results: dicts of experiment, tracker, sequence, run, boxes, times paths.

    Layouts: one-pass (OTB, DTB70, UAV123: <tracker>/<seq>.txt + times/), GOT-10k (<tracker>/<seq>/<seq>_001.txt)
    and got10k's VOT (<tracker>/baseline/<seq>/<seq>_001.txt; experiment reported as VOT/baseline)."""
    runs = []
    root = os.path.join(out_dir, "results")
    for exp in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        if not os.path.isdir(os.path.join(root, exp)):
            continue
        for tracker in sorted(os.listdir(os.path.join(root, exp))):
            tdir = os.path.join(root, exp, tracker)
            if not os.path.isdir(tdir):
                continue
            for entry in sorted(os.listdir(tdir)):
                path = os.path.join(tdir, entry)
                if entry.endswith(".txt") and os.path.isfile(path):  # one-pass layout
                    seq = entry[:-4]
                    runs.append(dict(experiment=exp, tracker=tracker, sequence=seq, run=1, boxes=path,
                                     times=os.path.join(tdir, "times", f"{seq}_time.txt")))
                elif os.path.isdir(path) and entry in GOT10K_VOT_MODES and not glob.glob(
                        os.path.join(path, f"{entry}_[0-9][0-9][0-9].txt")):
                    for seq in sorted(os.listdir(path)):  # got10k's VOT: records with special codes, not scored
                        for run_file in sorted(glob.glob(os.path.join(path, seq, f"{seq}_[0-9][0-9][0-9].txt"))):
                            runs.append(dict(experiment=f"{exp}/{entry}", tracker=tracker, sequence=seq,
                                             run=int(run_file[-7:-4]), boxes=run_file,
                                             times=os.path.join(path, seq, f"{seq}_time.txt")))
                elif os.path.isdir(path) and entry != "times":  # GOT-10k layout: <seq>/<seq>_001.txt
                    for run_file in sorted(glob.glob(os.path.join(path, f"{entry}_[0-9][0-9][0-9].txt"))):
                        run = int(run_file[-7:-4])
                        runs.append(dict(experiment=exp, tracker=tracker, sequence=entry, run=run, boxes=run_file,
                                         times=os.path.join(path, f"{entry}_time.txt")))
    return runs


def read_groundtruth(root: str, experiment: str = "OTB") -> dict[str, np.ndarray]:
    """Ground-truth boxes per sequence name of a one-pass dataset folder, read as the got10k runner reads them (the
    plugin's one reader; .counts and .refused: groundtruth.GroundTruth)."""
    from .groundtruth import read_one_pass_groundtruth

    return read_one_pass_groundtruth(root, experiment)


def collect_got10k_frames(out_dir: str, groundtruth: dict[str, dict[str, np.ndarray]] | None = None,
                          problems: list[Problem] | None = None) -> pd.DataFrame:
    """Every frame of every got10k results file, each read by the rules of analysis.result_files.
    groundtruth: {experiment: {sequence: boxes}} (optional; the row count is checked against it).

    Listed in `problems`, naming the file and its lines: an unreadable or empty file (left out); rows that are not
    valid boxes (other separators, another number of values, NaN, width or height <= 0: kept as failures, box NaN,
    overlap 0); a file with fewer rows than the sequence has frames (scored as far as it goes, the rest is missing,
    not absent) or more (left out: not this sequence's results). Every other file is kept as it is."""
    problems = problems if problems is not None else []
    rows: list[pd.DataFrame] = []
    for r in got10k_runs(out_dir):
        where = ("got10k", r["experiment"], r["tracker"], r["sequence"])
        gt = (groundtruth or {}).get(r["experiment"], {}).get(r["sequence"])
        try:
            record = read_got10k_results(r["boxes"], len(gt) if gt is not None else None,
                                         special_codes="/" in r["experiment"])
        except (OSError, ResultFileError) as exc:
            problems.append(Problem(*where, f"{r['boxes']} is unreadable ({exc})"))
            continue
        n = record.rows
        if n == 0:
            problems.append(Problem(*where, f"{r['boxes']} is empty ({os.path.getsize(r['boxes'])} bytes): "
                                            "the run did not finish or the file was damaged; re-run this sequence"))
            continue
        if record.issues or record.length_issue:
            consequence = []
            if record.issues:
                consequence.append(f"{len(record.issues)} row(s) not a valid box: scored as failures (overlap 0)")
            if record.length_issue and gt is not None and n < len(gt):
                consequence.append("its frames are scored as far as they go, the rest is missing, not absent")
            elif record.length_issue:
                consequence.append("not scored")
            problems.append(Problem(*where, record.describe() + " -- " + "; ".join(consequence)))
        if gt is not None and n > len(gt):
            continue
        boxes = record.boxes
        times = _load_times(r["times"], n, problems, where)
        if gt is not None:
            gt = gt[:n]
            scored = boxes.copy()
            scored[0] = gt[0]  # got10k scores frame 1 as the ground truth
            overlap = measures.rect_iou(scored, gt)
            overlap[~np.all(np.isfinite(scored), axis=1) & np.all(np.isfinite(gt), axis=1)] = 0.0  # a failure
            error = measures.center_error(scored, gt)
        else:
            gt = np.full((n, 4), np.nan)
            overlap = error = np.full(n, np.nan)
        frame = pd.DataFrame({
            "toolkit": "got10k", "experiment": r["experiment"], "tracker": r["tracker"], "sequence": r["sequence"],
            "run": r["run"], "frame": np.arange(n), "state": ["init"] + ["tracked"] * (n - 1),
            "x": boxes[:, 0], "y": boxes[:, 1], "w": boxes[:, 2], "h": boxes[:, 3], "time": times,
            "confidence": np.nan, "gt_x": gt[:, 0], "gt_y": gt[:, 1], "gt_w": gt[:, 2], "gt_h": gt[:, 3],
            "overlap": overlap, "center_error": error})
        rows.append(frame)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=FRAME_COLUMNS)


def read_got10k_reports(out_dir: str, problems: list[Problem] | None = None) -> tuple[pd.DataFrame, dict]:
    """got10k performance.json files of any experiment -> (table, curves).

    table: one row per experiment x tracker x sequence (sequence '_overall_' for the overall numbers) with `kind`
    (one-pass: OTB, DTB70, UAV123; got10k: GOT-10k's AO/SR; vot: got10k's ExperimentVOT) and success_score,
    precision_score, success_rate, speed_fps (NaN where got10k wrote -1), ao, sr50, sr75, accuracy,
    failures_weighted (got10k's VOT "robustness": a tag-weighted failure count). curves: {(experiment, tracker):
    {"success_curve", "precision_curve"}} for one-pass and {"ao_curve"} (101 thresholds) for GOT-10k.
    A report written for several trackers is read once per tracker; a tracker's own report folder wins.
    Unreadable reports are appended to `problems`.
    """
    problems = problems if problems is not None else []
    rows, curves, seen = [], {}, {}
    files = sorted(glob.glob(os.path.join(out_dir, "reports", "*", "*", "performance.json")))
    for path in files:
        exp = os.path.basename(os.path.dirname(os.path.dirname(path)))
        owner = os.path.basename(os.path.dirname(path))
        try:
            with open(path) as handle:
                doc = json.load(handle)
            if not isinstance(doc, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            problems.append(Problem("got10k", exp, owner, "", f"report {path} is unreadable ({exc})"))
            continue
        for tracker, perf in doc.items():
            if not isinstance(perf, dict):
                continue
            key = (exp, tracker)
            if key in seen and (seen[key] == tracker or owner != tracker):
                continue
            seen[key] = owner
            rows = [row for row in rows if (row["experiment"], row["tracker"]) != key]
            overall = perf.get("overall", perf)
            kind = got10k_kind(overall)
            rows.append(_report_row(exp, tracker, "_overall_", overall, path, kind))
            for seq, values in (perf.get("seq_wise") or {}).items():
                rows.append(_report_row(exp, tracker, seq, values, path, kind))
            curves[key] = {k: np.asarray(overall[k], float) for k in ("success_curve", "precision_curve")
                           if k in overall}
            if "succ_curve" in overall:
                curves[key]["ao_curve"] = np.asarray(overall["succ_curve"], float)
    table = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    return table, curves


REPORT_COLUMNS = ["experiment", "tracker", "sequence", "kind", "success_score", "precision_score", "success_rate",
                  "speed_fps", "ao", "sr50", "sr75", "accuracy", "failures_weighted", "report"]


def got10k_kind(values: dict) -> str:
    """one-pass (OTB, DTB70, UAV123), got10k (GOT-10k) or vot (got10k's ExperimentVOT), from a report's keys."""
    if "success_curve" in values or "success_score" in values:
        return "one-pass"
    if "ao" in values:
        return "got10k"
    if "accuracy" in values:
        return "vot"
    return "unknown"


def _report_row(exp: str, tracker: str, seq: str, values: dict, path: str, kind: str) -> dict:
    def number(key):
        value = values.get(key)
        if isinstance(value, (int, float)) and not (key == "speed_fps" and value < 0):
            return float(value)
        return np.nan

    sr75 = np.nan
    if isinstance(values.get("succ_curve"), list) and len(values["succ_curve"]) == 101:
        sr75 = float(values["succ_curve"][75])  # thresholds linspace(0, 1, 101): index 75 is IoU > 0.75
    return {"experiment": exp, "tracker": tracker, "sequence": seq, "kind": kind,
            "success_score": number("success_score"), "precision_score": number("precision_score"),
            "success_rate": number("success_rate"), "speed_fps": number("speed_fps"), "ao": number("ao"),
            "sr50": number("sr"), "sr75": sr75, "accuracy": number("accuracy"),
            "failures_weighted": number("robustness"), "report": path}


SPEED_RECORD = "machine.json"


def read_speed_records(got10k_dir: str | None = None, vot_workspace: str | None = None) -> dict[tuple, dict]:
    """{(toolkit, experiment, tracker): record} from the machine.json files beside the results (experiment None
    for VOT: one record per tracker's results folder). Unreadable records are left out (the figure then says the
    CPU was not recorded)."""
    found = {}
    patterns = []
    if got10k_dir:
        patterns.append(("got10k", os.path.join(got10k_dir, "results", "*", "*", SPEED_RECORD)))
    if vot_workspace:
        patterns.append(("vot", os.path.join(vot_workspace, "results", "*", SPEED_RECORD)))
    for toolkit, pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            parts = os.path.normpath(path).split(os.sep)
            try:
                with open(path) as handle:
                    record = json.load(handle)
            except (OSError, ValueError):
                continue
            if isinstance(record, dict) and record.get("cpu"):
                key = (toolkit, parts[-3], parts[-2]) if toolkit == "got10k" else (toolkit, None, parts[-2])
                found[key] = record
    return found
