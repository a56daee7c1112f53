"""Build the leaderboard folder from toolkit outputs: tables, figures, index.md and index.html.

Reads only what the toolkits wrote (got10k results/ and reports/, a VOT workspace's results/ and analysis/), plus
the datasets' ground truth, so it can be re-run at any time without tracking anything again:

    python -m analysis report --out leaderboard --got10k leaderboard/got10k --vot-workspace leaderboard/vot-workspace
"""
from __future__ import annotations

import datetime
import html
import json
import os
import platform
from dataclasses import dataclass, field

import pandas as pd

from . import collect, figures, tables
from .collect import VOT_TAGS

CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222}h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table.board{border-collapse:collapse;margin:.6em 0 1.2em 0;font-size:.92em}table.board th,table.board td{
padding:.25em .7em;border-bottom:1px solid #e3e3e3}table.board th{border-bottom:2px solid #999;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;border:1px solid #eee;margin:.4em 0}
.note{color:#555;font-size:.9em}.published{background:#fff8e6;border-left:4px solid #e0a800;padding:.4em .8em}
.side{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start}.side>div{flex:1 1 420px}"""


@dataclass
class Section:
    title: str
    blocks: list[tuple[str, object]] = field(default_factory=list)  # (kind, payload): text|table|figure|published


@dataclass
class Outputs:
    out: str
    figures: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    data: dict[str, object] = field(default_factory=dict)
    index_md: str = ""
    index_html: str = ""


def build_report(out: str, got10k_dir: str | None = None, vot_workspace: str | None = None,
                 otb_roots: dict[str, str] | None = None, title: str = "SiamFC leaderboard",
                 context: dict | None = None, trackers: list[str] | None = None) -> Outputs:
    """Collect, tabulate, plot and write index.md / index.html under `out`. otb_roots: {experiment: dataset root}
    for the got10k ground truth. trackers: only these (default: every tracker found in the outputs)."""
    out = os.path.abspath(out)
    fig_dir, tab_dir = os.path.join(out, "figures"), os.path.join(out, "tables")
    result = Outputs(out)
    sections: list[Section] = []
    speed_points = []
    context = dict(context or {})
    style = figures.Style(list(trackers) + _published_names() if trackers is not None
                          else _all_trackers(got10k_dir, vot_workspace))

    # ---- got10k one-pass --------------------------------------------------------------------------------------
    if got10k_dir and os.path.isdir(os.path.join(got10k_dir, "reports")):
        reports, curves = collect.read_got10k_reports(got10k_dir)
        if trackers is not None:
            reports = reports[reports["tracker"].isin(trackers)]
            curves = {k: v for k, v in curves.items() if k[1] in trackers}
        groundtruth = {exp: collect.read_groundtruth(root, "otb") for exp, root in (otb_roots or {}).items()
                       if root and os.path.isdir(root)}
        frames = collect.collect_got10k_frames(got10k_dir, groundtruth)
        if trackers is not None:
            frames = frames[frames["tracker"].isin(trackers)].reset_index(drop=True)
        result.frames["got10k"] = frames
        frames.to_csv(os.path.join(_mkdir(tab_dir), "frames_got10k.csv"), index=False)
        for exp in sorted(reports["experiment"].unique()):
            board = tables.otb_leaderboard(reports, exp, frames)
            result.data[f"otb_{exp}"] = board
            stem = os.path.join(tab_dir, f"leaderboard_{exp.lower()}")
            result.tables[f"leaderboard_{exp.lower()}"] = tables.write_table(
                board, tables.OTB_COLUMNS, stem, f"{exp} one-pass evaluation (got10k), sorted by success AUC",
                f"tab:{exp.lower()}")
            per_seq = tables.otb_per_sequence(reports, exp)
            seq_columns = [tables.Column("tracker", "tracker")] + [
                tables.Column(c, c, "{:.3f}") for c in per_seq.columns if c != "tracker"]
            result.tables[f"per_sequence_{exp.lower()}"] = tables.write_table(
                per_seq, seq_columns, os.path.join(tab_dir, f"per_sequence_{exp.lower()}"),
                f"{exp}: success AUC per sequence", f"tab:{exp.lower()}-seq")
            exp_curves = {t: c for (e, t), c in curves.items() if e == exp}
            result.figures[f"otb_{exp.lower()}"] = figures.otb_plots(
                exp_curves, os.path.join(fig_dir, f"otb_{exp.lower()}_success_precision.png"),
                f"{exp} one-pass evaluation (got10k): {int(board['sequences'].max())} sequences", style)
            for _, row in board.iterrows():
                speed_points.append({"benchmark": f"{exp} one-pass (got10k)", "tracker": row["tracker"],
                                     "fps": row["fps"], "score": row["success_auc"], "metric": "success AUC"})
            section = Section(f"{exp} one-pass evaluation (got10k)")
            section.blocks += [
                ("text", "One pass from the first ground-truth box, no re-initialisation. Success AUC: mean of "
                         "the success curve over 21 IoU thresholds; precision: centre error <= 20 px; fps: "
                         "got10k's mean of 1/time per frame, this machine. Source: got10k's performance.json."),
                ("table", (board, tables.OTB_COLUMNS)),
                ("figure", result.figures[f"otb_{exp.lower()}"]),
                ("table", (per_seq, seq_columns))]
            sections.append(section)

    # ---- VOT baseline -----------------------------------------------------------------------------------------
    published = None
    try:
        published = tables.published_table()
    except FileNotFoundError:
        published = None
    analysis_path = collect.latest_vot_analysis(vot_workspace) if vot_workspace else None
    if analysis_path:
        leaderboard_json = os.path.join(vot_workspace, "analysis", "leaderboard.json")
        if os.path.isfile(leaderboard_json):
            analysis_path = leaderboard_json
        analysis = collect.read_vot_analysis(analysis_path)
        sequences = collect.read_vot_sequences(vot_workspace)
        trackers = list(analysis.summary["tracker"])
        frames = collect.collect_vot_frames(vot_workspace, analysis.experiment, trackers, sequences)
        result.frames["vot"] = frames
        frames.to_csv(os.path.join(_mkdir(tab_dir), "frames_vot.csv"), index=False)
        board = tables.vot_leaderboard(analysis, frames)
        result.data["vot"] = board
        result.data["vot_analysis"] = analysis
        result.tables["leaderboard_vot"] = tables.write_table(
            board, tables.VOT_COLUMNS, os.path.join(tab_dir, "leaderboard_vot"),
            "VOT baseline (vot-toolkit, supervised with re-initialisation), sorted by EAO", "tab:vot")
        per_seq_columns = [tables.Column("tracker", "tracker"), tables.Column("sequence", "sequence"),
                           tables.Column("accuracy", "accuracy", "{:.3f}"),
                           tables.Column("failures", "failures", "{:.2f}"), tables.Column("length", "frames", "{:g}")]
        if len(analysis.per_sequence):
            result.tables["per_sequence_vot"] = tables.write_table(
                analysis.per_sequence, per_seq_columns, os.path.join(tab_dir, "per_sequence_vot"),
                "VOT baseline per sequence (accuracy, failures: mean over runs)", "tab:vot-seq")
        derived = tuple(sorted({t for s in sequences.values() for t in s.derived_tags}))
        attributes = tables.attribute_table(frames, sequences, VOT_TAGS)
        result.data["attributes"] = attributes
        result.tables["attributes_vot"] = tables.write_table(
            attributes, tables.ATTRIBUTE_COLUMNS, os.path.join(tab_dir, "attributes_vot"),
            "VOT baseline per attribute" + (" (* derived from the ground truth)" if derived else ""),
            "tab:vot-attributes")
        pub = published if published is not None and len(published) else None
        result.figures["eao_ranking"] = figures.eao_ranking(
            board, os.path.join(fig_dir, "vot_eao_ranking.png"), pub,
            measured_title=f"measured here: {len(sequences)} sequences, {board['runs'].max()} run(s)",
            published_title="published VOT2015 (not measured here)", style=style)
        result.figures["ar_plot"] = figures.ar_plot(board, os.path.join(fig_dir, "vot_ar_plot.png"),
                                                    analysis.sensitivity, style=style)
        result.figures["eao_curves"] = figures.eao_curves(
            analysis.curves, os.path.join(fig_dir, "vot_eao_curves.png"), analysis.eao_low, analysis.eao_high,
            dict(zip(board["tracker"], board["eao"])), style)
        plot_attrs = attributes[attributes["attribute"] != "empty"]
        result.figures["attributes"] = figures.attribute_bars(
            plot_attrs, os.path.join(fig_dir, "vot_attributes.png"), derived, style)
        for _, row in board.iterrows():
            speed_points.append({"benchmark": "VOT baseline (vot-toolkit)", "tracker": row["tracker"],
                                 "fps": row["fps"], "score": row["eao"], "metric": "EAO"})
        section = Section("VOT baseline (vot-toolkit)")
        section.blocks += [
            ("text", f"Supervised experiment: a failure (overlap 0) re-initialises the tracker 5 frames later. "
                     f"Accuracy: mean overlap outside the 10-frame burn-in; failures per sequence (mean over runs); "
                     f"robustness exp(-{analysis.sensitivity or 30:g} x failures / frames); EAO over sequence "
                     f"lengths [{analysis.eao_low}, {analysis.eao_high}]. Numbers from the toolkit's own analysis "
                     f"({os.path.basename(analysis_path)}); fps: 1 / mean update time in the trajectories." +
                     (" EAO '-': no run of the tracker lasted into the EAO interval without a failure; "
                      "vot-toolkit 0.9.0 builds the EAO curve only up to the longest run between failures, so "
                      "the score is undefined (NaN in its JSON)." if board["eao"].isna().any() else "")),
            ("side", ((board, tables.VOT_COLUMNS), (published, tables.PUBLISHED_COLUMNS) if pub is not None
                      else None)),
            ("figure", result.figures["eao_ranking"]),
            ("figure", result.figures["ar_plot"]),
            ("figure", result.figures["eao_curves"])]
        if len(analysis.per_sequence):
            section.blocks.append(("table", (analysis.per_sequence, per_seq_columns)))
        section.blocks += [
            ("text", "Per attribute: VOT tags (camera motion, illumination change, motion change, occlusion, size "
                     "change) from the sequences' .tag files." +
                     (" These sequences have no .tag files: size change and motion change (marked *) are derived "
                      "here from the ground truth; the other attributes are not annotated." if derived else "")),
            ("figure", result.figures["attributes"]),
            ("table", (attributes, tables.ATTRIBUTE_COLUMNS))]
        sections.append(section)

    if published is not None and len(published):
        result.tables["published_vot2015"] = tables.write_table(
            published, tables.PUBLISHED_COLUMNS, os.path.join(tab_dir, "published_vot2015"),
            "Published VOT2015 numbers (reference, not measured here)", "tab:published")
        if not analysis_path:
            sections.append(Section("Published reference (VOT2015)", [("published", (published,
                                                                                      tables.PUBLISHED_COLUMNS))]))

    points = pd.DataFrame(speed_points)
    if len(points):
        points = points[~points["tracker"].isin(NO_SPEED)]
    if len(points):
        result.figures["speed_accuracy"] = figures.speed_accuracy(
            points, os.path.join(fig_dir, "speed_accuracy.png"), style)
        sections.append(Section("Speed vs accuracy", [
            ("text", "Measured on this machine only (CPU unless a GPU device was given); published speeds were "
                     "measured on other hardware and are not plotted here. The static box (no computation) has "
                     "no meaningful speed and is left out. VOT speeds include the trax round trip and the "
                     "tracker's own frame decoding; got10k speeds are update times only."),
            ("figure", result.figures["speed_accuracy"])]))

    context.setdefault("generated", datetime.datetime.now().isoformat(timespec="seconds"))
    context.setdefault("machine", f"{platform.machine()}, {os.cpu_count()} CPU cores, Python "
                                  f"{platform.python_version()}")
    result.index_md = _write_markdown(out, title, context, sections, result)
    result.index_html = _write_html(out, title, context, sections, result)
    summary = {"context": context, "figures": {k: os.path.relpath(v, out) for k, v in result.figures.items()},
               "tables": {k: {f: os.path.relpath(p, out) for f, p in v.items()} for k, v in result.tables.items()}}
    for key in ("otb_OTB", "vot"):
        if key in result.data:
            summary[key] = json.loads(result.data[key].to_json(orient="records"))
    with open(os.path.join(out, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=2, default=str)
    return result


NO_SPEED = ("Static",)


def _all_trackers(got10k_dir: str | None, vot_workspace: str | None) -> list[str]:
    """Every tracker name in the outputs and the published table, so that colours agree across figures."""
    names: list[str] = []
    got10k_results = os.path.join(got10k_dir, "results") if got10k_dir else ""
    if os.path.isdir(got10k_results):  # results/<EXP>/<tracker>
        for exp in sorted(os.listdir(got10k_results)):
            if os.path.isdir(os.path.join(got10k_results, exp)):
                names += sorted(os.listdir(os.path.join(got10k_results, exp)))
    vot_results = os.path.join(vot_workspace, "results") if vot_workspace else ""
    if os.path.isdir(vot_results):  # results/<tracker>
        names += sorted(os.listdir(vot_results))
    return list(dict.fromkeys(names + _published_names()))


def _published_names() -> list[str]:
    try:
        return list(tables.published_table()["tracker"])
    except FileNotFoundError:
        return []


def _mkdir(path: str) -> str:
    os.makedirs(path, exist_ok=True)
    return path


def _rel(out: str, path: str) -> str:
    return os.path.relpath(path, out).replace(os.sep, "/")


def _file_links(out: str, result: Outputs) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(key, [(fmt, _rel(out, p)) for fmt, p in paths.items()]) for key, paths in result.tables.items()]


def _write_markdown(out: str, title: str, context: dict, sections: list[Section], result: Outputs) -> str:
    lines = [f"# {title}", ""]
    lines += [f"- **{k}**: {v}" for k, v in context.items()]
    lines.append("")
    for section in sections:
        lines += [f"## {section.title}", ""]
        for kind, payload in section.blocks:
            if kind == "text":
                lines += [str(payload), ""]
            elif kind == "table":
                table, columns = payload
                lines += [tables.to_markdown(table, columns)]
            elif kind == "figure":
                png = _rel(out, payload)
                pdf = png[:-4] + ".pdf"
                lines += [f"![{os.path.basename(png)}]({png})", f"([PDF]({pdf}))", ""]
            elif kind in ("side", "published"):
                measured, reference = (payload if kind == "side" else (None, payload))
                if measured is not None:
                    lines += ["**Measured here**", "", tables.to_markdown(*measured)]
                if reference is not None:
                    lines += ["**Published (VOT2015, reference only; other sequences and hardware, never merged "
                              "with the rows above)**", "", tables.to_markdown(*reference)]
    lines += ["## Files", ""]
    for key, links in _file_links(out, result):
        lines.append(f"- {key}: " + ", ".join(f"[{fmt}]({path})" for fmt, path in links))
    lines.append("- per-frame data: [got10k](tables/frames_got10k.csv), [VOT](tables/frames_vot.csv)"
                 if result.frames else "")
    text = "\n".join(lines).rstrip() + "\n"
    path = os.path.join(out, "index.md")
    with open(path, "w") as handle:
        handle.write(text)
    return path


def _write_html(out: str, title: str, context: dict, sections: list[Section], result: Outputs) -> str:
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
             f"<style>{CSS}</style></head><body><h1>{e(title)}</h1><ul class=\"note\">"]
    parts += [f"<li><b>{e(str(k))}</b>: {e(str(v))}</li>" for k, v in context.items()]
    parts.append("</ul>")
    for section in sections:
        parts.append(f"<h2>{e(section.title)}</h2>")
        for kind, payload in section.blocks:
            if kind == "text":
                parts.append(f"<p class=\"note\">{e(str(payload))}</p>")
            elif kind == "table":
                parts.append(tables.to_html(*payload))
            elif kind == "figure":
                png = _rel(out, payload)
                parts.append(f"<figure><img src=\"{e(png)}\" alt=\"{e(os.path.basename(png))}\">"
                             f"<figcaption class=\"note\"><a href=\"{e(png[:-4])}.pdf\">PDF</a></figcaption></figure>")
            elif kind in ("side", "published"):
                measured, reference = (payload if kind == "side" else (None, payload))
                parts.append("<div class=\"side\">")
                if measured is not None:
                    parts.append("<div><h3>Measured here</h3>" + tables.to_html(*measured) + "</div>")
                if reference is not None:
                    parts.append("<div class=\"published\"><h3>Published VOT2015 (reference only)</h3>"
                                 "<p class=\"note\">Numbers as published: other sequences, other hardware; never "
                                 "merged with measured rows.</p>" + tables.to_html(*reference) + "</div>")
                parts.append("</div>")
    parts.append("<h2>Files</h2><ul>")
    for key, links in _file_links(out, result):
        parts.append(f"<li>{e(key)}: " + ", ".join(f"<a href=\"{e(p)}\">{e(f)}</a>" for f, p in links) + "</li>")
    parts.append("</ul></body></html>")
    path = os.path.join(out, "index.html")
    with open(path, "w") as handle:
        handle.write("\n".join(parts) + "\n")
    return path
