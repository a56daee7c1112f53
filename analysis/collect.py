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

`frames` tables have one row per tracker x sequence x run x frame with columns
toolkit, experiment, tracker, sequence, run, frame, state (init | tracked | failure | skip), x, y, w, h (the
predicted box; NaN for special frames; polygons as their bounding box), time (s), confidence,
gt_x, gt_y, gt_w, gt_h (the ground truth's bounding box), overlap (the toolkit's overlap definition), and for
one-pass results center_error.
Nothing here imports torch or the network.
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

from . import measures

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

    @property
    def boxes(self) -> np.ndarray:
        return np.array([_bounding_box(r) for r in self.regions]).reshape(-1, 4)


def _bounding_box(values) -> np.ndarray:
    v = np.asarray(values, float).reshape(-1)
    if v.size == 4:
        return v.copy()
    if v.size >= 6 and np.all(np.isfinite(v)):
        xs, ys = v[0::2], v[1::2]
        return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])
    return np.full(4, np.nan)


def _read_regions(path: str) -> list[np.ndarray]:
    regions = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                regions.append(np.array([float(t) for t in re.split(r"[,\s]+", line) if t]))
            except ValueError:
                regions.append(np.full(4, np.nan))
    return regions


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
        regions = _read_regions(os.path.join(folder, "groundtruth.txt"))
        width, height = _image_size(folder)
        tags = {}
        for tag_file in sorted(glob.glob(os.path.join(folder, "*.tag"))):
            key = os.path.splitext(os.path.basename(tag_file))[0]
            values = read_value_file(tag_file, len(regions))
            tags[key] = np.nan_to_num(values, nan=0.0) > 0
        out[name] = VotSequence(name, len(regions), width, height, regions, tags, (), tuple(sorted(tags)))
    annotated = any(t in s.tag_files for s in out.values() for t in VOT_TAGS)
    if derive_missing and not annotated:
        for seq in out.values():
            seq.tags.update(derive_tags(seq.boxes))
            seq.derived_tags = ("motion_change", "size_change")
    return out


# ---- VOT results ---------------------------------------------------------------------------------------------------
_RUN_FILE = re.compile(r"^(?P<seq>.+)_(?P<run>\d{3})\.(?:bin|txt)$")


def collect_vot_frames(workspace: str, experiment: str | None = None, trackers: list[str] | None = None,
                       sequences: dict[str, VotSequence] | None = None) -> pd.DataFrame:
    """Every frame of every run under <ws>/results (optionally one experiment / some trackers)."""
    sequences = sequences if sequences is not None else read_vot_sequences(workspace)
    results_root = os.path.join(workspace, "results")
    rows: list[dict] = []
    if not os.path.isdir(results_root):
        return pd.DataFrame(columns=FRAME_COLUMNS)
    for tracker in sorted(os.listdir(results_root)):
        if trackers is not None and tracker not in trackers:
            continue
        tracker_dir = os.path.join(results_root, tracker)
        for exp in sorted(os.listdir(tracker_dir)) if os.path.isdir(tracker_dir) else []:
            if experiment is not None and exp != experiment:
                continue
            for seq_name in sorted(os.listdir(os.path.join(tracker_dir, exp))):
                seq_dir = os.path.join(tracker_dir, exp, seq_name)
                if not os.path.isdir(seq_dir) or seq_name not in sequences:
                    continue
                seq = sequences[seq_name]
                for entry in sorted(os.listdir(seq_dir)):
                    match = _RUN_FILE.match(entry)
                    if not match or match.group("seq") != seq_name:
                        continue
                    run = int(match.group("run"))
                    stem = os.path.join(seq_dir, f"{seq_name}_{run:03d}")
                    rows.extend(_vot_run_rows(tracker, exp, seq, run, os.path.join(seq_dir, entry), stem))
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    return frame


def _vot_run_rows(tracker: str, experiment: str, seq: VotSequence, run: int, path: str, stem: str) -> list[dict]:
    trajectory = read_vot_trajectory(path)
    n = len(trajectory)
    times = read_value_file(stem + "_time.value", n) if os.path.isfile(stem + "_time.value") else np.full(n, np.nan)
    conf_file = stem + "_confidence.value"
    confidence = read_value_file(conf_file, n) if os.path.isfile(conf_file) else np.full(n, np.nan)
    rows = []
    for f, (kind, value) in enumerate(trajectory):
        gt = seq.regions[f] if f < len(seq.regions) else np.full(4, np.nan)
        gt_box = _bounding_box(gt)
        if kind == "special":
            state, box, overlap = SPECIAL_STATES.get(int(value), "skip"), np.full(4, np.nan), 0.0
        elif kind in ("rectangle", "polygon"):
            state, box = "tracked", _bounding_box(value)
            overlap = measures.bounded_overlap(value, gt, seq.width, seq.height)
        else:  # masks and points are not analysed here
            state, box, overlap = "tracked", np.full(4, np.nan), np.nan
        rows.append({"toolkit": "vot", "experiment": experiment, "tracker": tracker, "sequence": seq.name,
                     "run": run, "frame": f, "state": state, "x": box[0], "y": box[1], "w": box[2], "h": box[3],
                     "time": times[f], "confidence": confidence[f], "gt_x": gt_box[0], "gt_y": gt_box[1],
                     "gt_w": gt_box[2], "gt_h": gt_box[3], "overlap": overlap, "center_error": np.nan})
    return rows


@dataclass
class VotAnalysis:
    """`vot analysis --format json` output, one experiment: summary (per tracker) and EAO curves."""

    path: str
    experiment: str
    summary: pd.DataFrame  # tracker, accuracy, failures, robustness, length, eao (+ cumulative_failures)
    curves: dict[str, np.ndarray]
    eao_low: int | None
    eao_high: int | None
    sensitivity: float | None
    parameters: dict
    per_sequence: pd.DataFrame = field(default_factory=pd.DataFrame)  # supervised_ar: tracker x sequence


def latest_vot_analysis(workspace: str) -> str | None:
    files = glob.glob(os.path.join(workspace, "analysis", "*.json"))
    return max(files, key=os.path.getmtime) if files else None


def read_vot_analysis(path: str, experiment: str | None = None) -> VotAnalysis:
    """Parse the toolkit's analysis JSON. Results are per analysis in the order of the stack's `analyses`, and
    within each, per tracker in the order of the document's `trackers`."""
    with open(path) as handle:
        doc = json.load(handle)
    trackers = list(doc.get("trackers", {}).keys())
    sequence_names = list(doc.get("sequences", {}).keys())
    experiments = doc.get("results", {})
    if not experiments:
        raise ValueError(f"{path} has no results")
    if experiment is None:
        experiment = next((e for e, v in experiments.items() if "Supervised" in v.get("type", "")
                           or "supervised" in v.get("type", "")), next(iter(experiments)))
    exp = experiments[experiment]
    analyses = exp["parameters"].get("analyses", [])
    rows = {t: {"tracker": t} for t in trackers}
    curves: dict[str, np.ndarray] = {}
    low = high = sensitivity = None
    per_sequence = []
    for spec, data in zip(analyses, exp["results"]):
        kind = spec.get("type", "").rsplit(".", 1)[-1]
        if kind == "AccuracyRobustness" and len(data) == len(trackers) * len(sequence_names):
            for index, values in enumerate(data):
                if values is None:
                    continue
                accuracy, failures, point, length = values
                per_sequence.append({"tracker": trackers[index // len(sequence_names)],
                                     "sequence": sequence_names[index % len(sequence_names)],
                                     "accuracy": accuracy, "failures": failures, "robustness": point[0],
                                     "length": length})
        elif kind == "CumulativeFailureCount":
            for t, values in zip(trackers, data):
                if values is not None:
                    rows[t]["cumulative_failures"] = values[0]
        elif kind == "AverageAccuracyRobustness":
            sensitivity = spec.get("sensitivity")
            for t, values in zip(trackers, data):
                if values is None:
                    continue
                accuracy, failures, point, length = values
                rows[t].update(accuracy=accuracy, failures=failures, robustness=point[0], length=length)
        elif kind == "EAOScore":
            low, high = spec.get("low"), spec.get("high")
            for t, values in zip(trackers, data):
                if values is not None:
                    rows[t]["eao"] = values[0]
        elif kind == "EAOCurve":
            for t, values in zip(trackers, data):
                if values is not None:
                    curves[t] = np.asarray(values[0], dtype=np.float64)
    summary = pd.DataFrame(list(rows.values()))
    for column in ("accuracy", "failures", "robustness", "length", "eao"):
        if column not in summary:
            summary[column] = np.nan
    return VotAnalysis(path, experiment, summary, curves, low, high, sensitivity, exp["parameters"],
                       pd.DataFrame(per_sequence, columns=["tracker", "sequence", "accuracy", "failures",
                                                           "robustness", "length"]))


# ---- got10k --------------------------------------------------------------------------------------------------------
def _load_boxes(path: str) -> np.ndarray:
    rows = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if line:
                try:
                    rows.append([float(v) for v in re.split(r"[,\s]+", line) if v][:4])
                except ValueError:
                    rows.append([np.nan] * 4)
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def _load_times(path: str, length: int) -> np.ndarray:
    return read_value_file(path, length) if os.path.isfile(path) else np.full(length, np.nan)


def got10k_runs(out_dir: str) -> list[dict]:
    """Every results file under <out>/results: dicts of experiment, tracker, sequence, run, boxes, times paths."""
    runs = []
    root = os.path.join(out_dir, "results")
    for exp in sorted(os.listdir(root)) if os.path.isdir(root) else []:
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
                elif os.path.isdir(path) and entry != "times":  # GOT-10k layout: <seq>/<seq>_001.txt
                    for run_file in sorted(glob.glob(os.path.join(path, f"{entry}_[0-9][0-9][0-9].txt"))):
                        run = int(run_file[-7:-4])
                        runs.append(dict(experiment=exp, tracker=tracker, sequence=entry, run=run, boxes=run_file,
                                         times=os.path.join(path, f"{entry}_time.txt")))
    return runs


def read_groundtruth(root: str, layout: str | None = None) -> dict[str, np.ndarray]:
    """Ground-truth boxes per sequence name of a dataset folder, read as the got10k runner reads them."""
    from siamfc_plugin.data.readers import read_sequences  # numpy-only readers of the benchmark layouts

    return {s.name: s.boxes for s in read_sequences(root, layout)}


def collect_got10k_frames(out_dir: str, groundtruth: dict[str, dict[str, np.ndarray]] | None = None
                          ) -> pd.DataFrame:
    """Every frame of every got10k results file. groundtruth: {experiment: {sequence: boxes}} (optional)."""
    rows: list[dict] = []
    for r in got10k_runs(out_dir):
        boxes = _load_boxes(r["boxes"])
        n = len(boxes)
        times = _load_times(r["times"], n)
        gt = (groundtruth or {}).get(r["experiment"], {}).get(r["sequence"])
        if gt is not None and len(gt) == n:
            scored = boxes.copy()
            scored[0] = gt[0]  # got10k scores frame 1 as the ground truth
            overlap = measures.rect_iou(scored, gt)
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


def read_got10k_reports(out_dir: str) -> tuple[pd.DataFrame, dict]:
    """got10k performance.json files -> (table, curves).

    table: one row per experiment x tracker x sequence (sequence '_overall_' for the overall numbers), with
    success_score, precision_score, success_rate, speed_fps (NaN where got10k wrote -1) and, for GOT-10k, ao, sr50,
    sr75. curves: {(experiment, tracker): {"success_curve": array, "precision_curve": array}} (overall).
    A report written for several trackers is read once per tracker; a tracker's own report folder wins.
    """
    rows, curves, seen = [], {}, {}
    files = sorted(glob.glob(os.path.join(out_dir, "reports", "*", "*", "performance.json")))
    for path in files:
        exp = os.path.basename(os.path.dirname(os.path.dirname(path)))
        owner = os.path.basename(os.path.dirname(path))
        with open(path) as handle:
            doc = json.load(handle)
        for tracker, perf in doc.items():
            if not isinstance(perf, dict):
                continue
            key = (exp, tracker)
            if key in seen and (seen[key] == tracker or owner != tracker):
                continue
            seen[key] = owner
            rows = [row for row in rows if (row["experiment"], row["tracker"]) != key]
            overall = perf.get("overall", perf)
            rows.append(_report_row(exp, tracker, "_overall_", overall, path))
            for seq, values in (perf.get("seq_wise") or {}).items():
                rows.append(_report_row(exp, tracker, seq, values, path))
            curves[key] = {k: np.asarray(overall[k], float) for k in ("success_curve", "precision_curve")
                           if k in overall}
    table = pd.DataFrame(rows)
    return table, curves


def _report_row(exp: str, tracker: str, seq: str, values: dict, path: str) -> dict:
    def number(key):
        value = values.get(key)
        if isinstance(value, (int, float)) and not (key == "speed_fps" and value < 0):
            return float(value)
        return np.nan

    return {"experiment": exp, "tracker": tracker, "sequence": seq, "success_score": number("success_score"),
            "precision_score": number("precision_score"), "success_rate": number("success_rate"),
            "speed_fps": number("speed_fps"), "ao": number("ao"), "sr50": number("sr"),
            "sr75": number("sr75") if "sr75" in values else np.nan, "report": path}
