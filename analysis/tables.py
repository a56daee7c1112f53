"""Summary tables from the collected data, and writers for Markdown, CSV and LaTeX (booktabs).

Leaderboards are sorted by their headline metric (OTB: success AUC; VOT: EAO) and carry speed. The published
reference table (analysis/data/*.csv) is a separate table, always labelled as published: never concatenated with
measured rows.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from . import measures
from .collect import VOT_TAGS, VotAnalysis, VotSequence


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


# ---- OTB (got10k one-pass) -----------------------------------------------------------------------------------------
OTB_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"),
               Column("success_auc", "success AUC", "{:.3f}"),
               Column("precision_20px", "precision @20px", "{:.3f}"),
               Column("success_rate_50", "success @0.5", "{:.3f}"), Column("fps", "fps", "{:.1f}"),
               Column("sequences", "sequences", "{:d}"), Column("frames", "frames", "{:d}")]


def otb_leaderboard(reports: pd.DataFrame, experiment: str = "OTB", frames: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """One row per tracker from got10k's performance.json (overall), sorted by success AUC."""
    rows = reports[(reports["experiment"] == experiment) & (reports["sequence"] == "_overall_")]
    per_seq = reports[(reports["experiment"] == experiment) & (reports["sequence"] != "_overall_")]
    table = pd.DataFrame({
        "tracker": rows["tracker"].to_numpy(object),
        "success_auc": rows["success_score"].to_numpy(float),
        "precision_20px": rows["precision_score"].to_numpy(float),
        "success_rate_50": rows["success_rate"].to_numpy(float),
        "fps": rows["speed_fps"].to_numpy(float)})
    table["sequences"] = [int((per_seq["tracker"] == t).sum()) for t in table["tracker"]]
    if frames is not None and len(frames):
        sub = frames[frames["experiment"] == experiment]
        table["frames"] = [int((sub["tracker"] == t).sum()) for t in table["tracker"]]
    else:
        table["frames"] = 0
    return _ranked(table, "success_auc")


def otb_per_sequence(reports: pd.DataFrame, experiment: str = "OTB", value: str = "success_score") -> pd.DataFrame:
    """tracker x sequence table of one per-sequence value (default the success AUC)."""
    sub = reports[(reports["experiment"] == experiment) & (reports["sequence"] != "_overall_")]
    wide = sub.pivot_table(index="tracker", columns="sequence", values=value, aggfunc="first")
    wide["mean"] = wide.mean(axis=1)
    return wide.sort_values("mean", ascending=False).reset_index()


def _ranked(table: pd.DataFrame, key: str) -> pd.DataFrame:
    table = table.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


# ---- VOT -----------------------------------------------------------------------------------------------------------
VOT_COLUMNS = [Column("rank", "#", "{:d}"), Column("tracker", "tracker"), Column("eao", "EAO", "{:.3f}"),
               Column("accuracy", "accuracy", "{:.3f}"), Column("failures", "failures", "{:.2f}"),
               Column("robustness", "robustness", "{:.3f}"), Column("fps", "fps", "{:.1f}"),
               Column("runs", "runs", "{:d}")]


def vot_speed(frames: pd.DataFrame) -> pd.DataFrame:
    """tracker -> fps = 1 / mean time of the tracked (updated) frames in the trajectories, and runs per sequence."""
    rows = []
    for tracker, sub in frames.groupby("tracker", sort=False):
        tracked = sub[(sub["state"] == "tracked") & np.isfinite(sub["time"]) & (sub["time"] > 0)]
        fps = 1.0 / tracked["time"].mean() if len(tracked) else np.nan
        runs = sub.groupby("sequence")["run"].nunique()
        rows.append({"tracker": tracker, "fps": fps, "runs": int(runs.max()) if len(runs) else 0})
    return pd.DataFrame(rows, columns=["tracker", "fps", "runs"])


def vot_leaderboard(analysis: VotAnalysis, frames: pd.DataFrame | None = None) -> pd.DataFrame:
    """The toolkit's numbers (from its analysis JSON), speed from the per-frame times, sorted by EAO."""
    table = analysis.summary[["tracker", "eao", "accuracy", "failures", "robustness"]].copy()
    if frames is not None and len(frames):
        table = table.merge(vot_speed(frames[frames["experiment"] == analysis.experiment]), on="tracker",
                            how="left")
    else:
        table["fps"], table["runs"] = np.nan, 0
    table["runs"] = table["runs"].fillna(0).astype(int)
    return _ranked(table, "eao")


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
        rows.append({"tracker": tracker, "accuracy": acc, "failures": fail,
                     "robustness": measures.robustness(fail, length, sensitivity), "length": length,
                     "eao": measures.eao_score(curve, low, high)})
    return pd.DataFrame(rows), curves


ATTRIBUTE_COLUMNS = [Column("tracker", "tracker"), Column("attribute", "attribute"), Column("source", "source"),
                     Column("frames", "frames", "{:d}"), Column("accuracy", "accuracy", "{:.3f}"),
                     Column("failures", "failures (sum over sequences)", "{:.2f}"),
                     Column("failures_per_100", "failures / 100 frames",
                                                                       "{:.2f}")]


def attribute_table(frames: pd.DataFrame, sequences: dict[str, VotSequence], attributes=VOT_TAGS,
                    burnin: int = 10) -> pd.DataFrame:
    """Per tracker x attribute (plus 'all' and 'empty' = frames with no tag): source (tags | derived | not
    annotated: no sequence has the tag file), tagged frames, accuracy (mean
    overlap on tagged frames counted for accuracy: not in the burn-in, not failure/skip), failures on tagged
    frames (mean over runs, summed over sequences) and failures per 100 tagged frames."""
    groups = ["all", *attributes, "empty"]
    annotated = {"all", "empty"} | {t for s in sequences.values() for t in (*s.tag_files, *s.derived_tags)}
    derived = {t for s in sequences.values() for t in s.derived_tags}
    rows = []
    for tracker, sub in frames.groupby("tracker", sort=False):
        stats = {g: {"frames": 0, "overlap": [], "failures": 0.0} for g in groups}
        for seq_name, seq_frames in sub.groupby("sequence", sort=False):
            seq = sequences[seq_name]
            n = seq.length
            masks = {"all": np.ones(n, bool)}
            any_tag = np.zeros(n, bool)
            for a in attributes:
                m = seq.tags.get(a)
                masks[a] = np.zeros(n, bool) if m is None else np.asarray(m[:n], bool)
                any_tag |= masks[a]
            masks["empty"] = ~any_tag
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
            rows.append({"tracker": tracker, "attribute": g, "frames": s["frames"],
                         "source": "derived" if g in derived else "tags" if g in annotated else "not annotated",
                         "accuracy": float(np.mean(s["overlap"])) if s["overlap"] else np.nan,
                         "failures": s["failures"] if s["frames"] else np.nan,
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
                     Column("failures", "failures", "{:.4f}"), Column("fps", "fps", "{:g}"),
                     Column("hardware", "hardware"), Column("source", "source")]


def published_table(name: str = "vot2015_published.csv") -> pd.DataFrame:
    """The published reference numbers shipped in analysis/data (kind = 'published'), sorted by EAO."""
    with resources.files("analysis").joinpath("data", name).open() as handle:
        table = pd.read_csv(handle, comment="#")
    for column in ("eao", "accuracy", "failures", "fps"):
        table[column] = pd.to_numeric(table.get(column), errors="coerce")
    table["kind"] = "published"
    return _ranked(table, "eao")
