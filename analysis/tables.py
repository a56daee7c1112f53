"""Summary tables from the collected data, and writers for Markdown, CSV and LaTeX (booktabs).

Leaderboards are sorted by their headline metric (OTB: success AUC; VOT: EAO) and carry speed. The published
reference table (analysis/data/*.csv) is a separate table, always labelled as published: never concatenated with
measured rows.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from . import measures
from .collect import VOT_TAGS, VotAnalysis, VotSequence
from .errors import AnalysisInputError


@dataclass
class Column:
    key: str
    header: str
    fmt: str = "{}"  # format of a value; NaN is written as a dash
    latex: str | None = None  # header in LaTeX (default: header, escaped)


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def _latex_escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\^{}")):
        text = text.replace(a, b)
    return text


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def to_markdown(table: pd.DataFrame, columns: list[Column]) -> str:
    header = "| " + " | ".join(c.header for c in columns) + " |"
    align = "|" + "|".join("---:" if _numeric(table[c.key]) else "---" for c in columns) + "|"
    lines = [header, align]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(_cell(row[c.key], c.fmt).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines) + "\n"


def to_latex(table: pd.DataFrame, columns: list[Column], caption: str = "", label: str = "") -> str:
    """A booktabs table (needs \\usepackage{booktabs})."""
    spec = "".join("r" if _numeric(table[c.key]) else "l" for c in columns)
    lines = [r"\begin{table}[t]", r"\centering"]
    if caption:
        lines.append(r"\caption{" + _latex_escape(caption) + "}")
    if label:
        lines.append(r"\label{" + label + "}")
    lines += [r"\begin{tabular}{" + spec + "}", r"\toprule",
              " & ".join(c.latex or _latex_escape(c.header) for c in columns) + r" \\", r"\midrule"]
    for _, row in table.iterrows():
        lines.append(" & ".join(_latex_escape(_cell(row[c.key], c.fmt)) for c in columns) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def to_html(table: pd.DataFrame, columns: list[Column], css_class: str = "board") -> str:
    import html

    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in columns)
    body = []
    for _, row in table.iterrows():
        cells = "".join(
            f"<td class=\"{'n' if _numeric(table[c.key]) else 't'}\">{html.escape(_cell(row[c.key], c.fmt))}</td>"
            for c in columns)
        body.append(f"<tr>{cells}</tr>")
    return f"<table class=\"{css_class}\"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def write_table(table: pd.DataFrame, columns: list[Column], stem: str, caption: str = "", label: str = ""
                ) -> dict[str, str]:
    """<stem>.md, <stem>.csv (all columns, full precision) and <stem>.tex; returns {format: path}."""
    os.makedirs(os.path.dirname(os.path.abspath(stem)), exist_ok=True)
    paths = {"md": stem + ".md", "csv": stem + ".csv", "tex": stem + ".tex"}
    with open(paths["md"], "w") as handle:
        handle.write((f"**{caption}**\n\n" if caption else "") + to_markdown(table, columns))
    table.to_csv(paths["csv"], index=False)
    with open(paths["tex"], "w") as handle:
        handle.write(to_latex(table, columns, caption, label))
    return paths


# ---- tracker identity ----------------------------------------------------------------------------------------------
def tracker_key(name: str) -> str:
    """One key per tracker across toolkits: case, spaces and punctuation do not count ("SiamFC" = "siamfc",
    "SiamFC-3s" = "siamfc_3s")."""
    return re.sub(r"[^0-9a-z]+", "", str(name).casefold())


def display_names(names) -> dict[str, str]:
    """key -> the name shown: of the spellings seen, the one with the most capitals (got10k's "SiamFC" over a VOT
    registry id "siamfc"), then the first."""
    out: dict[str, str] = {}
    for name in names:
        key = tracker_key(name)
        if key not in out or sum(c.isupper() for c in name) > sum(c.isupper() for c in out[key]):
            out[key] = name
    return out


# trackers whose speed means nothing (no computation): shown as "-" with a note, never plotted
NO_SPEED = ("static",)


def _blank_speed(table: pd.DataFrame) -> pd.DataFrame:
    if "fps" in table:
        table.loc[table["tracker"].map(tracker_key).isin(NO_SPEED), "fps"] = np.nan
    return table


# ---- one-pass (got10k: OTB, DTB70, UAV123) ---------------------------------------------------------------------------
OTB_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"),
               Column("success_auc", "success AUC", "{:.3f}"),
               Column("precision_20px", "precision @20px", "{:.3f}"),
               Column("success_rate_50", "success @0.5", "{:.3f}"),
               Column("success_auc_got10k", "success AUC (got10k report)", "{:.3f}"),
               Column("absent_frames", "absent frames (excluded)", "{:d}"), Column("fps", "fps", "{:.1f}"),
               Column("sequences", "sequences", "{:d}"), Column("frames", "frames", "{:d}")]


def one_pass_scores(frames: pd.DataFrame | None, experiment: str = "OTB") -> dict[str, dict[str, dict]]:
    """tracker -> sequence -> measures.one_pass_sequence of its frames (absent frames excluded), with
    "success_score_got10k": the same sequence's AUC with absent frames counted as failures, got10k's OTB convention.
    Only sequences with ground truth; the one computation behind the one-pass board and its per-sequence table."""
    out: dict[str, dict[str, dict]] = {}
    if frames is None or not len(frames):
        return out
    sub = frames[frames["experiment"] == experiment]
    for (tracker, name), seq in sub.groupby(["tracker", "sequence"], sort=True):
        truth = seq[["gt_x", "gt_y", "gt_w", "gt_h"]]
        if not truth.notna().any(axis=1).any():
            continue
        seq = seq.sort_values("frame")
        boxes, gt = seq[["x", "y", "w", "h"]].to_numpy(float), seq[["gt_x", "gt_y", "gt_w", "gt_h"]].to_numpy(float)
        result = measures.one_pass_sequence(boxes, gt)
        result["success_score_got10k"] = measures.one_pass_sequence(boxes, gt, exclude_absent=False)["success_score"]
        result["rows"] = len(seq)
        out.setdefault(tracker, {})[name] = result
    return out


def otb_leaderboard(reports: pd.DataFrame, experiment: str = "OTB", scores: dict | None = None
                    ) -> tuple[pd.DataFrame, dict[str, dict[str, np.ndarray]]]:
    """One row per tracker, sorted by success AUC, and the success/precision curves per tracker.

    scores (one_pass_scores): a tracker found there is scored from its results files with frames where the target
    is absent left out (measures.one_pass_sequence); got10k's own AUC stays beside it. Any other tracker keeps
    got10k's performance.json numbers."""
    rows = reports[(reports["experiment"] == experiment) & (reports["sequence"] == "_overall_")]
    per_seq = reports[(reports["experiment"] == experiment) & (reports["sequence"] != "_overall_")]
    table = pd.DataFrame({
        "tracker": rows["tracker"].to_numpy(object),
        "success_auc": rows["success_score"].to_numpy(float),
        "precision_20px": rows["precision_score"].to_numpy(float),
        "success_rate_50": rows["success_rate"].to_numpy(float),
        "success_auc_got10k": rows["success_score"].to_numpy(float),
        "absent_frames": 0,
        "fps": rows["speed_fps"].to_numpy(float)})
    table["sequences"] = [int((per_seq["tracker"] == t).sum()) for t in table["tracker"]]
    table["frames"] = 0
    table["recomputed"] = False
    curves: dict[str, dict[str, np.ndarray]] = {}
    for index, tracker in table["tracker"].items():
        mine = (scores or {}).get(tracker)
        if not mine:
            continue
        curve_s = np.mean([r["success_curve"] for r in mine.values()], axis=0)
        curve_p = np.mean([r["precision_curve"] for r in mine.values()], axis=0)
        curves[tracker] = {"success_curve": curve_s, "precision_curve": curve_p}
        table.loc[index, ["success_auc", "precision_20px", "success_rate_50"]] = \
            [float(curve_s.mean()), float(curve_p[20]), float(curve_s[len(measures.IOU_THRESHOLDS) // 2])]
        table.loc[index, "absent_frames"] = sum(r["absent"] for r in mine.values())
        table.loc[index, "frames"] = sum(r["rows"] for r in mine.values())
        table.loc[index, "sequences"] = len(mine)
        table.loc[index, "recomputed"] = True
    for column in ("absent_frames", "frames", "sequences"):
        table[column] = table[column].astype(int)
    return _ranked(_blank_speed(table), "success_auc"), curves


def otb_per_sequence(reports: pd.DataFrame, experiment: str = "OTB", scores: dict | None = None) -> pd.DataFrame:
    """tracker x sequence success AUC, from the same computation as otb_leaderboard: a tracker in `scores`
    (one_pass_scores) from its results files, any other from got10k's performance.json; 'mean' equals the board's
    success AUC (the AUC of the mean curve is the mean of the sequences' AUCs)."""
    sub = reports[(reports["experiment"] == experiment) & (reports["sequence"] != "_overall_")]
    values: dict[str, dict[str, float]] = {}
    for tracker, rows in sub.groupby("tracker", sort=False):
        if not (scores or {}).get(tracker):
            values[tracker] = dict(zip(rows["sequence"], rows["success_score"].astype(float)))
    for tracker, mine in (scores or {}).items():
        values[tracker] = {name: r["success_score"] for name, r in mine.items()}
    wide = pd.DataFrame.from_dict(values, orient="index")
    wide = wide.reindex(columns=sorted(wide.columns))
    wide.index.name = "tracker"
    wide["mean"] = wide.mean(axis=1)
    return wide.sort_values("mean", ascending=False).reset_index()


def report_disagreements(reports: pd.DataFrame, experiment: str, scores: dict) -> list[tuple[str, str, float, float]]:
    """(tracker, sequence, got10k's report, recomputed) where got10k's performance.json does not give the success
    AUC its own convention gives on the results files now on disk (absent frames counted as failures): a stale
    report (the files changed after it) or one made on other ground truth."""
    out = []
    sub = reports[(reports["experiment"] == experiment) & (reports["sequence"] != "_overall_")]
    reported = {(t, q): v for t, q, v in zip(sub["tracker"], sub["sequence"], sub["success_score"].astype(float))}
    for tracker, mine in scores.items():
        for name, result in sorted(mine.items()):
            value = reported.get((tracker, name))
            if value is not None and not abs(value - result["success_score_got10k"]) <= 1e-9:
                out.append((tracker, name, value, result["success_score_got10k"]))
    return out


# ---- GOT-10k ---------------------------------------------------------------------------------------------------------
GOT10K_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"), Column("ao", "AO", "{:.3f}"),
                  Column("sr50", "SR@0.5", "{:.3f}"), Column("sr75", "SR@0.75", "{:.3f}"),
                  Column("fps", "fps", "{:.1f}"), Column("sequences", "sequences", "{:d}")]


def got10k_leaderboard(reports: pd.DataFrame, experiment: str = "GOT-10k") -> pd.DataFrame:
    """got10k's GOT-10k numbers (its own convention: frame 1 and frames where the target is not visible,
    cover.label 0, are left out), sorted by AO."""
    rows = reports[(reports["experiment"] == experiment) & (reports["sequence"] == "_overall_")]
    per_seq = reports[(reports["experiment"] == experiment) & (reports["sequence"] != "_overall_")]
    table = pd.DataFrame({"tracker": rows["tracker"].to_numpy(object), "ao": rows["ao"].to_numpy(float),
                          "sr50": rows["sr50"].to_numpy(float), "sr75": rows["sr75"].to_numpy(float),
                          "fps": rows["speed_fps"].to_numpy(float)})
    table["sequences"] = [int((per_seq["tracker"] == t).sum()) for t in table["tracker"]]
    return _ranked(_blank_speed(table), "ao")


GOT10K_VOT_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"),
                      Column("accuracy", "accuracy", "{:.3f}"),
                      Column("failures_weighted", "failures (got10k: tag-weighted count)", "{:.2f}"),
                      Column("fps", "fps", "{:.1f}")]


def got10k_vot_leaderboard(reports: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """got10k's ExperimentVOT report (accuracy and its tag-weighted failure count; got10k has no EAO)."""
    rows = reports[(reports["experiment"] == experiment) & (reports["sequence"] == "_overall_")]
    table = pd.DataFrame({"tracker": rows["tracker"].to_numpy(object), "accuracy": rows["accuracy"].to_numpy(float),
                          "failures_weighted": rows["failures_weighted"].to_numpy(float),
                          "fps": rows["speed_fps"].to_numpy(float)})
    return _ranked(_blank_speed(table), "accuracy")


def _ranked(table: pd.DataFrame, key: str) -> pd.DataFrame:
    table = table.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


# ---- VOT -----------------------------------------------------------------------------------------------------------
# One vocabulary: "robustness" never stands alone. The supervised (VOT2015-style) stack counts failures per
# sequence and plots exp(-S * failures / frames) on the AR plot; the multistart (VOT2020-style) stack's robustness is
# the share of frames tracked before a failure. `siamfc vot table` uses the same words.
SUPERVISED_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"), Column("eao", "EAO", "{:.3f}"),
                      Column("eao_interval", "EAO interval used"),
                      Column("accuracy", "accuracy", "{:.3f}"),
                      Column("failures_per_sequence", "failures / sequence", "{:.2f}"),
                      Column("robustness_ar_plot", "AR-plot robustness exp(-30F/L)", "{:.3f}"),
                      Column("fps", "fps", "{:.1f}"), Column("runs", "runs", "{:d}")]
MULTISTART_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"), Column("eao", "EAO", "{:.3f}"),
                      Column("eao_interval", "EAO interval used"),
                      Column("accuracy", "accuracy", "{:.3f}"),
                      Column("robustness_share_tracked", "VOT2020 robustness (share of frames tracked)", "{:.3f}"),
                      Column("fps", "fps", "{:.1f}"), Column("runs", "anchors", "{:d}")]
VOT_COLUMNS = SUPERVISED_COLUMNS  # the leaderboard's own (supervised) stack


# VOT-LT and VOTS in their own words: the stack's numbers, none called plain "robustness" where another stack's
# robustness could be meant.
LONGTERM_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"), Column("fscore", "F-score", "{:.3f}"),
                    Column("precision", "tracking precision", "{:.3f}"), Column("recall", "tracking recall", "{:.3f}")]
VOTS_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"), Column("quality", "quality", "{:.3f}"),
                Column("accuracy", "accuracy", "{:.3f}"),
                Column("robustness", "VOTS robustness (share of visible frames tracked)", "{:.3f}"),
                Column("nre", "NRE (non-reported error)", "{:.3f}"), Column("dre", "DRE (drift-rate error)", "{:.3f}"),
                Column("ad", "AD (absence detection)", "{:.3f}")]


def vot_columns(kind: str) -> list[Column]:
    return {"multistart": MULTISTART_COLUMNS, "longterm": LONGTERM_COLUMNS, "vots": VOTS_COLUMNS}.get(
        kind, SUPERVISED_COLUMNS)


def kind_leaderboard(analysis: VotAnalysis) -> pd.DataFrame:
    """A VOT-LT (sorted by F-score) or VOTS (sorted by quality) experiment's board, the toolkit's numbers."""
    keys = [c.key for c in vot_columns(analysis.kind) if c.key not in ("rank",)]
    table = analysis.summary[[k for k in keys if k in analysis.summary]].copy()
    return _ranked(table, "fscore" if analysis.kind == "longterm" else "quality")


def vot_speed(frames: pd.DataFrame) -> pd.DataFrame:
    """tracker -> fps = 1 / mean time of the tracked (updated) frames in the trajectories, and runs per sequence
    (repetitions; anchors for multistart)."""
    rows = []
    for tracker, sub in frames.groupby("tracker", sort=False):
        tracked = sub[(sub["state"] == "tracked") & np.isfinite(sub["time"]) & (sub["time"] > 0)]
        fps = 1.0 / tracked["time"].mean() if len(tracked) else np.nan
        runs = sub.groupby("sequence")["run"].nunique()
        rows.append({"tracker": tracker, "fps": fps, "runs": int(runs.max()) if len(runs) else 0})
    return pd.DataFrame(rows, columns=["tracker", "fps", "runs"])


def vot_leaderboard(analysis: VotAnalysis, frames: pd.DataFrame | None = None,
                    intervals: dict | None = None) -> pd.DataFrame:
    """The toolkit's numbers (from its analysis JSON), speed from the per-frame times, sorted by EAO.
    intervals: tracker -> the EAO interval actually used (collect.eao_intervals), shown as eao_interval."""
    table = analysis.summary[["tracker", "eao", "accuracy", "failures_per_sequence", "robustness_ar_plot",
                              "robustness_share_tracked"]].copy()
    table.insert(2, "eao_interval", [format_interval((intervals or {}).get(t)) for t in table["tracker"]])
    if frames is not None and len(frames):
        table = table.merge(vot_speed(frames[frames["experiment"] == analysis.experiment]), on="tracker",
                            how="left")
    else:
        table["fps"], table["runs"] = np.nan, 0
    table["runs"] = table["runs"].fillna(0).astype(int)
    return _ranked(_blank_speed(table), "eao")


def format_interval(interval) -> str | None:
    return None if interval is None else f"[{interval[0]}, {interval[1]}]"


def recompute_vot(frames: pd.DataFrame, low: int, high: int, burnin: int = 10, sensitivity: float = 30.0
                  ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """AR and EAO recomputed from the trajectories (exact-geometry overlaps), as vot-toolkit 0.9.0 defines them.
    Used to check the toolkit's numbers; the leaderboard shows the toolkit's own."""
    rows, curves = [], {}
    for tracker, sub in frames.groupby("tracker", sort=False):
        segments, accuracy, failures, weights = [], [], [], []
        for seq, seq_frames in sub.groupby("sequence", sort=False):
            acc, fail = [], []
            for _, run in seq_frames.groupby("run"):
                run = run.sort_values("frame")
                segments += measures.eao_runs(run["state"].to_numpy(object), run["overlap"].to_numpy(float))
                acc.append(measures.vot_accuracy(run["state"].to_numpy(object), run["overlap"].to_numpy(float),
                                                 burnin)[0])
                fail.append(int((run["state"] == "failure").sum()))
            n = seq_frames["frame"].max() + 1
            accuracy.append(np.mean(acc) * n)
            failures.append(np.mean(fail) * n)
            weights.append(n)
        total = float(np.sum(weights))
        acc, fail = float(np.sum(accuracy) / total), float(np.sum(failures) / total)
        length = total / len(weights)
        curve = measures.eao_curve(segments)
        curves[tracker] = curve
        rows.append({"tracker": tracker, "accuracy": acc, "failures_per_sequence": fail,
                     "robustness_ar_plot": measures.robustness(fail, length, sensitivity), "length": length,
                     "eao": measures.eao_score(curve, low, high)})
    return pd.DataFrame(rows), curves


ATTRIBUTE_COLUMNS = [Column("tracker", "tracker"), Column("attribute", "attribute"), Column("source", "source"),
                     Column("frames", "frames", "{:d}"), Column("accuracy", "accuracy", "{:.3f}"),
                     Column("failures", "failures (sum over sequences)", "{:.2f}"),
                     Column("failures_per_100", "failures / 100 frames", "{:.2f}")]


def attribute_table(frames: pd.DataFrame, sequences: dict[str, VotSequence], attributes=VOT_TAGS,
                    burnin: int = 10, analysis: VotAnalysis | None = None) -> pd.DataFrame:
    """Per tracker x attribute (plus 'all'): source (tags | derived | not annotated: no sequence has the tag file |
    toolkit), tagged frames, accuracy (mean overlap on tagged frames counted for accuracy: not in the burn-in, not
    failure/skip), failures on tagged frames (mean over runs, summed over sequences) and failures per 100 tagged
    frames. The 'all' row's accuracy is the toolkit's own (from `analysis`, weighted per sequence as vot-toolkit
    does) when given, so that it equals the leaderboard's."""
    groups = ["all", *attributes]
    annotated = {"all"} | {t for s in sequences.values() for t in (*s.tag_files, *s.derived_tags)}
    derived = {t for s in sequences.values() for t in s.derived_tags}
    toolkit = analysis.summary.set_index("tracker")["accuracy"].to_dict() if analysis is not None else {}
    rows = []
    for tracker, sub in frames.groupby("tracker", sort=False):
        stats = {g: {"frames": 0, "overlap": [], "failures": 0.0} for g in groups}
        for seq_name, seq_frames in sub.groupby("sequence", sort=False):
            seq = sequences[seq_name]
            n = seq.length
            masks = {"all": np.ones(n, bool)}
            for a in attributes:
                m = seq.tags.get(a)
                masks[a] = np.zeros(n, bool) if m is None else np.asarray(m[:n], bool)
            run_fail = {g: [] for g in groups}
            for _, run in seq_frames.groupby("run"):
                run = run.sort_values("frame")
                states = run["state"].to_numpy(object)
                overlaps = run["overlap"].to_numpy(float)
                counted = _accuracy_mask(states, burnin)
                fails = states == "failure"
                for g in groups:
                    m = masks[g][: len(states)]
                    stats[g]["overlap"].extend(overlaps[m & counted].tolist())
                    run_fail[g].append(int(np.sum(m & fails)))
            for g in groups:
                stats[g]["frames"] += int(masks[g].sum())
                stats[g]["failures"] += float(np.mean(run_fail[g])) if run_fail[g] else 0.0
        for g in groups:
            s = stats[g]
            accuracy = float(np.mean(s["overlap"])) if s["overlap"] else np.nan
            source = "derived" if g in derived else "tags" if g in annotated else "not annotated"
            if g == "all" and np.isfinite(toolkit.get(tracker, np.nan)):
                accuracy, source = float(toolkit[tracker]), "toolkit"
            rows.append({"tracker": tracker, "attribute": g, "frames": s["frames"], "source": source,
                         "accuracy": accuracy, "failures": s["failures"] if s["frames"] else np.nan,
                         "failures_per_100": 100 * s["failures"] / s["frames"] if s["frames"] else np.nan})
    return pd.DataFrame(rows, columns=["tracker", "attribute", "source", "frames", "accuracy", "failures",
                                       "failures_per_100"])


def _accuracy_mask(states: np.ndarray, burnin: int) -> np.ndarray:
    mask = np.ones(len(states), bool)
    for i, s in enumerate(states):
        if s in ("skip", "failure"):
            mask[i] = False
        elif s == "init":
            mask[i: i + burnin] = False
    return mask


# ---- published reference -------------------------------------------------------------------------------------------
PUBLISHED_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker (published)"),
                     Column("eao", "EAO", "{:.4f}"), Column("accuracy", "accuracy", "{:.4f}"),
                     Column("failures", "failures (total, 60 sequences)", "{:g}"),
                     Column("speed", "speed (fps, as published)"), Column("kind", "kind")]
DATASIZE_COLUMNS = [Column("percent", "ImageNet VID used (%)", "{:g}"), Column("videos", "videos", "{:d}"),
                    Column("objects", "objects", "{}"), Column("accuracy", "accuracy", "{:.3f}"),
                    Column("failures", "failures", "{:g}"), Column("eao", "EAO", "{:.3f}"),
                    Column("kind", "kind")]


def _shipped_csv(name: str) -> pd.DataFrame:
    with resources.files("analysis").joinpath("data", name).open() as handle:
        return pd.read_csv(handle, comment="#", dtype={"speed": str, "objects": str})


def published_table(name: str = "vot2015_published.csv") -> pd.DataFrame:
    """The published VOT2015 rows shipped in analysis/data (Table 3 of the SiamFC paper), kind = 'published',
    sorted by EAO. `fps` is the speed as a number where the paper gives one plainly, `speed` as published."""
    table = _shipped_csv(name)
    for column in ("eao", "accuracy", "failures"):
        table[column] = pd.to_numeric(table.get(column), errors="coerce")
    table["fps"] = pd.to_numeric(table["speed"], errors="coerce")
    table["kind"] = "published"
    return _ranked(table, "eao")


def published_datasize(name: str = "siamfc_datasize_published.csv") -> pd.DataFrame:
    """Table 2 of the SiamFC paper: share of ImageNet VID used for training vs VOT2015 accuracy, failures, EAO."""
    table = _shipped_csv(name)
    table["kind"] = "published"
    return table


def read_datasize_curve(path: str) -> pd.DataFrame:
    """The shipped model's own data-size curve (optional input of the data-size figure).

    CSV with a header, or JSON (a list of objects, or {"points": [...], "label": ...}); per point `fraction` (share
    of the training objects used, 0-1) and `auc` (the model's dev success AUC), optionally `objects` (their
    number). Returns fraction, auc, objects (NaN when absent), sorted by fraction; the label in .attrs["label"]."""
    import json

    label = "shipped model (dev AUC)"
    try:
        if path.lower().endswith(".json"):
            with open(path) as handle:
                doc = json.load(handle)
            if isinstance(doc, dict):
                label = doc.get("label", label)
                doc = doc.get("points", [])
            if not isinstance(doc, list) or not all(isinstance(point, dict) for point in doc):
                raise AnalysisInputError(f"{path}: a data-size curve in JSON is a list of points (objects with "
                                         "fraction and auc), or {\"points\": [...]}")
            table = pd.DataFrame(doc)
        else:
            table = pd.read_csv(path, comment="#")
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(f"{path}: not a text file ({exc.reason} at byte {exc.start})") from None
    except (json.JSONDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AnalysisInputError(f"{path}: not a readable data-size curve ({exc})") from None
    missing = {"fraction", "auc"} - set(table.columns)
    if missing:
        raise AnalysisInputError(f"{path}: a data-size curve needs columns fraction and auc (missing: "
                         f"{', '.join(sorted(missing))})")
    if "objects" not in table:
        table["objects"] = np.nan
    table = table[["fraction", "auc", "objects"]].apply(pd.to_numeric, errors="coerce").dropna(
        subset=["fraction", "auc"])
    if not len(table) or not table["fraction"].between(0, 1).all():
        raise AnalysisInputError(f"{path}: fraction must be in [0, 1] and at least one point is needed")
    table = table.sort_values("fraction").reset_index(drop=True)
    table.attrs["label"] = label
    return table
