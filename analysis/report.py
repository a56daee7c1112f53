"""Build the leaderboard folder from toolkit outputs: tables, figures, index.md and index.html.

Reads only what the toolkits wrote (got10k results/ and reports/, a VOT workspace's results/ and analysis/), plus
the datasets' ground truth, so it can be re-run at any time without tracking anything again:

    python -m analysis report --out leaderboard --got10k leaderboard/got10k --vot-workspace leaderboard/vot-workspace
"""
from __future__ import annotations

import datetime
import html
import json
import logging
import os
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass, field

import pandas as pd

from . import collect, figures, tables
from .collect import VOT_TAGS

log = logging.getLogger("analysis")

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


REPORT_ITEMS = ("figures", "tables", "index.md", "index.html", "summary.json")


def build_report(out: str, got10k_dir: str | None = None, vot_workspace: str | None = None,
                 otb_roots: dict[str, str] | None = None, title: str = "SiamFC leaderboard",
                 context: dict | None = None, trackers: list[str] | None = None,
                 datasize_curve: str | None = None) -> Outputs:
    """Collect, tabulate, plot and write index.md / index.html under `out`.

    otb_roots: {experiment: dataset root} of got10k one-pass experiments (OTB, DTB70, UAV123), for per-frame
    scores with absent frames excluded. trackers: only these (default: every tracker found in the outputs).
    datasize_curve: the shipped model's data-size curve (tables.read_datasize_curve), drawn beside Table 2.

    Everything is written into a temporary folder beside `out` first; the finished figures/, tables/, index.md,
    index.html and summary.json then replace those in `out` (other files there, such as a leaderboard run's
    got10k/ and vot-workspace/, are left alone). A result that cannot be read is listed in the report's
    "Incomplete or failed runs" section, never a crash."""
    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}-report-", dir=parent)
    try:
        result = _build(staging, got10k_dir, vot_workspace, otb_roots, title, context, trackers, datasize_curve)
        _move_into(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.out = out
    result.figures = {k: _rebase(v, staging, out) for k, v in result.figures.items()}
    result.tables = {k: {f: _rebase(p, staging, out) for f, p in v.items()} for k, v in result.tables.items()}
    result.index_md, result.index_html = (_rebase(result.index_md, staging, out),
                                          _rebase(result.index_html, staging, out))
    return result


def _rebase(path: str, old: str, new: str) -> str:
    return os.path.join(new, os.path.relpath(path, old)) if path else path


def _move_into(staging: str, out: str) -> None:
    """Each finished item replaces the old one by a rename (old ones are renamed away first, then deleted)."""
    os.makedirs(out, exist_ok=True)
    trash = tempfile.mkdtemp(prefix=".old-report-", dir=out)
    try:
        for item in REPORT_ITEMS:
            source, target = os.path.join(staging, item), os.path.join(out, item)
            if os.path.lexists(target):
                os.replace(target, os.path.join(trash, item))
            if os.path.lexists(source):
                os.replace(source, target)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _guarded(problems: list, toolkit: str, experiment: str, step):
    """Run one section; an unexpected error becomes a reported problem (the rest of the report still builds)."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - reported in the leaderboard, with the reason
        log.warning("%s %s: %s: %s", toolkit, experiment, type(exc).__name__, exc)
        problems.append(collect.Problem(toolkit, experiment, "", "", f"could not be read: {type(exc).__name__}: "
                                                                     f"{exc}"))
        return None


def _build(out: str, got10k_dir, vot_workspace, otb_roots, title, context, trackers, datasize_curve) -> Outputs:
    fig_dir, tab_dir = os.path.join(out, "figures"), os.path.join(out, "tables")
    os.makedirs(fig_dir)
    os.makedirs(tab_dir)
    result = Outputs(out)
    sections: list[Section] = []
    speed_points: list[dict] = []
    headlines: list[dict] = []  # tracker, column, value: the cross-toolkit table
    problems: list[collect.Problem] = []
    context = dict(context or {})
    style = figures.Style(list(trackers) + _published_names() if trackers is not None
                          else _all_trackers(got10k_dir, vot_workspace))
    state = dict(result=result, sections=sections, speed=speed_points, headlines=headlines, problems=problems,
                 style=style, trackers=trackers, fig_dir=fig_dir, tab_dir=tab_dir,
                 published_rows=_guarded(problems, "published", "", tables.published_table))

    if got10k_dir:
        if not os.path.isdir(got10k_dir):
            problems.append(collect.Problem("got10k", "", "", "", f"output folder {got10k_dir} does not exist"))
        else:
            _guarded(problems, "got10k", "", lambda: _got10k_sections(got10k_dir, otb_roots or {}, state))
    supervised = None
    if vot_workspace:
        if not os.path.isdir(vot_workspace):
            problems.append(collect.Problem("vot", "", "", "", f"workspace {vot_workspace} does not exist"))
        else:
            supervised = _guarded(problems, "vot", "", lambda: _vot_sections(vot_workspace, state))
    _guarded(problems, "published", "", lambda: _published_section(supervised, datasize_curve, state))

    if headlines:
        table = _across_toolkits(headlines)
        columns = [tables.Column("tracker", "tracker")] + [
            tables.Column(c, c, "{:.3f}") for c in table.columns if c != "tracker"]
        result.tables["trackers"] = tables.write_table(
            table, columns, os.path.join(tab_dir, "trackers"),
            "Every tracker, one row across toolkits (headline number of each benchmark)", "tab:trackers")
        result.data["trackers"] = table
        sections.insert(0, Section("Trackers across toolkits", [
            ("text", "One row per tracker: names that differ only in case, spaces or punctuation (got10k's "
                     "\"SiamFC\", a VOT registry's \"siamfc\") are one tracker, with one colour in every figure. "
                     "Each column is one benchmark's headline number, as in its own section below."),
            ("table", (table, columns))]))

    points = pd.DataFrame(speed_points)
    if len(points):
        points = points[~points["tracker"].map(tables.tracker_key).isin(tables.NO_SPEED)].dropna(
            subset=["fps", "score"])
        points = points[points["fps"] > 0]
    if len(points):
        machine = speed_machine(collect.read_speed_records(got10k_dir, vot_workspace), points)
        result.figures["speed_accuracy"] = figures.speed_accuracy(
            points, os.path.join(fig_dir, "speed_accuracy.png"), style, note=machine)
        sections.append(Section("Speed vs accuracy", [
            ("text", f"Measured speeds only ({machine}; from the machine.json beside each tracker's results: "
                     "the load average is that of the whole machine, so a busy machine slows every tracker). "
                     "Published speeds were measured on other hardware and are not plotted here. The static box "
                     "(no computation) has no meaningful speed: its fps is shown as '-' and it is left out here. "
                     "VOT speeds include the trax round trip and the tracker's own frame decoding; got10k speeds "
                     "are update times only."),
            ("figure", result.figures["speed_accuracy"])]))

    problem_table = collect.problems_table(problems)
    result.data["problems"] = problem_table
    problem_table.to_csv(os.path.join(tab_dir, "problems.csv"), index=False)
    if len(problem_table):
        columns = [tables.Column(c, c) for c in collect.PROBLEM_COLUMNS]
        sections.append(Section("Incomplete or failed runs", [
            ("text", f"{len(problem_table)} problem(s): results missing, partial, damaged or unreadable, and abnormal "
                     "tracker answers, each naming its file, rows or frames. The numbers above use what "
                     "was there; a tracker with missing sequences is scored on fewer sequences than the others."),
            ("table", (problem_table, columns))]))

    context.setdefault("generated", datetime.datetime.now().isoformat(timespec="seconds"))
    context.setdefault("machine", f"{platform.machine()}, {_cpu_name()}, {os.cpu_count()} CPU cores, Python "
                                  f"{platform.python_version()}")
    result.index_md = _write_markdown(out, title, context, sections, result)
    result.index_html = _write_html(out, title, context, sections, result)
    summary = {"context": context, "figures": {k: os.path.relpath(v, out) for k, v in result.figures.items()},
               "tables": {k: {f: os.path.relpath(p, out) for f, p in v.items()} for k, v in result.tables.items()},
               "problems": [vars(p) for p in problems], "warnings": state.get("warnings", [])}
    result.data["warnings"] = state.get("warnings", [])
    for key, value in result.data.items():
        if isinstance(value, pd.DataFrame):
            summary[key] = json.loads(value.to_json(orient="records"))
    with open(os.path.join(out, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=2, default=str)
    return result


def speed_machine(records: dict[tuple, dict], points: pd.DataFrame) -> str:
    """One line naming where the plotted speeds were measured: the CPU(s), cores, and the 1-minute load average
    range over the runs' starts and ends, from the results' records; which trackers have none."""
    cpus, loads, missing = {}, [], []
    for key, tracker in zip(points["record"], points["tracker"]):
        record = records.get(tuple(key)) if isinstance(key, (tuple, list)) else None
        if record is None:
            missing.append(tracker)
            continue
        cpus.setdefault(f"{record['cpu']}, {record.get('logical_cores', '?')} logical cores", []).append(tracker)
        loads += [v[0] for v in (record.get("load_average_start"), record.get("load_average_end"))
                  if isinstance(v, list) and v]
    parts = []
    if len(cpus) == 1:
        parts.append(f"CPU: {next(iter(cpus))}")
    elif cpus:
        parts.append("CPUs: " + "; ".join(f"{cpu} ({', '.join(dict.fromkeys(t))})" for cpu, t in cpus.items()))
    if loads:
        low, high = min(loads), max(loads)
        parts.append(f"load average {low:.1f}" + (f"-{high:.1f}" if high > low else "")
                     + " (1 min, at the runs' starts and ends)")
    if missing:
        parts.append("CPU and load not recorded for " + ", ".join(dict.fromkeys(missing)))
    return "; ".join(parts)


def _cpu_name() -> str:
    """The CPU's model name (speeds name their CPU). siamfc_plugin.commands.bench has the same lookup; analysis
    imports nothing of the plugin, so it keeps its own."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _keep(table: pd.DataFrame, trackers) -> pd.DataFrame:
    return table if trackers is None or not len(table) else table[table["tracker"].isin(trackers)].reset_index(
        drop=True)


# ---- got10k ----------------------------------------------------------------------------------------------------------
ONE_PASS_TEXT = ("One pass from the first ground-truth box, no re-initialisation. Success AUC: mean of the success "
                 "curve over 21 IoU thresholds; precision: centre error <= 20 px; fps: got10k's mean of 1/time per "
                 "frame, this machine.")


def _got10k_sections(got10k_dir: str, roots: dict[str, str], state: dict) -> None:
    result, problems, trackers = state["result"], state["problems"], state["trackers"]
    reports, curves = collect.read_got10k_reports(got10k_dir, problems)
    reports = _keep(reports, trackers)
    groundtruth = {}
    for exp, root in roots.items():
        if root and os.path.isdir(root):
            truth = _guarded(problems, "got10k", exp, lambda root=root, exp=exp: collect.read_groundtruth(root, exp))
            if truth is not None:
                _groundtruth_counts(state, "got10k", exp, root, truth.counts)
                if truth.refused:  # never scored as absent: listed, and the page keeps got10k's own numbers
                    problems += [collect.Problem("got10k", exp, "", "", f"ground truth {line} (refused: "
                                                 f"{exp}'s scores are got10k's report, not recomputed per frame)")
                                 for line in truth.refused]
                    truth = None
            groundtruth[exp] = truth
    read_problems: list = []
    frames = _keep(collect.collect_got10k_frames(got10k_dir, {k: v for k, v in groundtruth.items() if v},
                                                 read_problems), trackers)
    problems += [p for p in read_problems if trackers is None or p.tracker in trackers]
    result.frames["got10k"] = frames
    state["got10k_runs"] = collect.got10k_runs(got10k_dir)
    frames.to_csv(os.path.join(state["tab_dir"], "frames_got10k.csv"), index=False)
    problems += got10k_problems(got10k_dir, reports, frames, groundtruth, trackers)
    for exp in sorted(reports["experiment"].unique()):
        kind = reports.loc[reports["experiment"] == exp, "kind"].iloc[0]
        if kind == "one-pass":
            _guarded(problems, "got10k", exp, lambda exp=exp: _one_pass_section(
                exp, reports, curves, frames, exp in groundtruth and groundtruth[exp] is not None, state))
        elif kind == "got10k":
            _guarded(problems, "got10k", exp, lambda exp=exp: _got10k_section(exp, reports, curves, state))
        elif kind == "vot":
            _guarded(problems, "got10k", exp, lambda exp=exp: _got10k_vot_section(exp, reports, state))


def _groundtruth_counts(state: dict, toolkit: str, experiment: str, root: str, counts: dict) -> None:
    """The reader's counts of one experiment's ground truth (lines, absent, refused, dropped): summary.json
    ('groundtruth') and the line under the experiment's section (_groundtruth_text)."""
    rows = state.setdefault("groundtruth", [])
    rows.append({"toolkit": toolkit, "experiment": experiment, "root": root, **counts})
    state["result"].data["groundtruth"] = pd.DataFrame(rows)


def _groundtruth_text(state: dict, toolkit: str, experiment: str) -> str:
    """'Ground truth: N lines, A absent, R refused.' for a section, from the reader's counts ('' when not read)."""
    for row in state.get("groundtruth", []):
        if row["toolkit"] == toolkit and row["experiment"] == experiment:
            return (f" Ground truth ({row['root']}): {row['lines']} lines, {row['absent']} marking the target absent, "
                    f"{row['refused']} refused (listed under problems).")
    return ""


def got10k_problems(got10k_dir: str, reports: pd.DataFrame, frames: pd.DataFrame, groundtruth: dict,
                    trackers=None) -> list[collect.Problem]:
    """Results without a report, trackers with fewer sequences than the others, box files of the wrong length."""
    found = []
    runs = pd.DataFrame(collect.got10k_runs(got10k_dir), columns=["experiment", "tracker", "sequence", "run",
                                                                   "boxes", "times"])
    runs = _keep(runs, trackers)
    reported = set(zip(reports["experiment"], reports["tracker"])) if len(reports) else set()
    for (exp, tracker), sub in runs.groupby(["experiment", "tracker"]):
        own_report = os.path.join(got10k_dir, "reports", exp.split("/")[0], tracker, "performance.json")
        if (exp.split("/")[0], tracker) not in reported and not os.path.exists(own_report):
            found.append(collect.Problem("got10k", exp, tracker, "", "results but no report (performance.json): "
                                                                     "got10k's report() did not run or failed"))
    for exp, sub in runs.groupby("experiment"):
        sequences = set(sub["sequence"]) | set(groundtruth.get(exp) or {})
        for tracker, mine in sub.groupby("tracker"):
            for seq in sorted(sequences - set(mine["sequence"])):
                found.append(collect.Problem("got10k", exp, tracker, seq, "no results for this sequence"))
    # box files of the wrong length or empty: collect.collect_got10k_frames lists them, with their paths
    return found


def _one_pass_section(exp: str, reports, curves, frames, has_truth: bool, state: dict) -> None:
    result, style, problems = state["result"], state["style"], state["problems"]
    scores = tables.one_pass_scores(frames, exp) if has_truth else {}
    board, my_curves = tables.otb_leaderboard(reports, exp, scores)
    exp_curves = {t: my_curves.get(t, c) for (e, t), c in curves.items() if e == exp and "success_curve" in c}
    exp_curves.update(my_curves)
    key = exp.lower()
    result.data[f"otb_{exp}"] = board.drop(columns=["recomputed"])
    stem = os.path.join(state["tab_dir"], f"leaderboard_{key}")
    result.tables[f"leaderboard_{key}"] = tables.write_table(
        board, tables.OTB_COLUMNS, stem, f"{exp} one-pass evaluation (got10k), sorted by success AUC", f"tab:{key}")
    per_seq = tables.otb_per_sequence(reports, exp, scores)
    result.data[f"otb_{exp}_per_sequence"] = per_seq
    seq_columns = [tables.Column("tracker", "tracker")] + [
        tables.Column(c, c, "{:.3f}") for c in per_seq.columns if c != "tracker"]
    recomputed = set(board.loc[board["recomputed"], "tracker"])
    source = ("recomputed from the results files, as the board above" if recomputed == set(board["tracker"]) else
              "got10k's report" if not recomputed else
              f"recomputed for {', '.join(sorted(recomputed))}, got10k's report for the others, as the board above")
    result.tables[f"per_sequence_{key}"] = tables.write_table(
        per_seq, seq_columns, os.path.join(state["tab_dir"], f"per_sequence_{key}"),
        f"{exp}: success AUC per sequence ({source})", f"tab:{key}-seq")
    absent = int(board["absent_frames"].max()) if len(board) else 0
    result.figures[f"otb_{key}"] = figures.otb_plots(
        exp_curves, os.path.join(state["fig_dir"], f"otb_{key}_success_precision.png"),
        f"{exp} one-pass evaluation (got10k): {int(board['sequences'].max())} sequences"
        + (f"; {absent} frames with the target absent excluded" if absent else ""), style)
    count = int(board["sequences"].max()) if len(board) else 0
    for _, row in board.iterrows():
        state["speed"].append({"benchmark": f"{exp} one-pass (got10k): {count} sequences", "tracker": row["tracker"],
                               "fps": row["fps"], "score": row["success_auc"], "metric": "success AUC",
                               "record": ("got10k", exp, row["tracker"])})
        state["headlines"].append({"tracker": row["tracker"], "column": f"{exp} success AUC",
                                   "value": row["success_auc"]})
    damaged = {(p.tracker, p.sequence) for p in problems if p.toolkit == "got10k" and p.experiment == exp
               and p.sequence}
    stale = [d for d in tables.report_disagreements(reports, exp, scores) if (d[0], d[1]) not in damaged]
    files = {(r["tracker"], r["sequence"]): r["boxes"] for r in state.get("got10k_runs", []) if r["experiment"] == exp}
    for tracker, name, reported, recomputed_value in stale:
        problems.append(collect.Problem("got10k", exp, tracker, name, (
            f"got10k's report (performance.json) gives success AUC {reported:.4f}, the results file "
            f"{files.get((tracker, name), '')} gives {recomputed_value:.4f} by got10k's own rule: the file changed "
            "after the report was made (or the report was made on other ground truth); the board shows the numbers "
            "from the results files")))
    convention = _one_pass_convention(board, has_truth, absent, stale, damaged)
    state["sections"].append(Section(f"{exp} one-pass evaluation (got10k)", [
        ("text", ONE_PASS_TEXT + " " + convention + _groundtruth_text(state, "got10k", exp)),
        ("table", (board, tables.OTB_COLUMNS)),
        ("figure", result.figures[f"otb_{key}"]),
        ("table", (per_seq, seq_columns))]))


def _one_pass_convention(board, has_truth: bool, absent: int, stale: list, damaged: set) -> str:
    """What the one-pass numbers are and how they relate to got10k's report: an equality only where it was checked
    (each tracker's recomputed AUC against its report), otherwise the difference and why."""
    if not has_truth or not board["recomputed"].any():
        return ("Scores from got10k's performance.json, not checked against the results files (no dataset root "
                "given: frames where the target is absent, if any, count as failures there; pass --otb-root / "
                "--dataset-root to recompute them and exclude those frames).")
    text = ("Scores recomputed from the results files and the ground truth; the per-sequence table below comes from "
            "the same computation. Absent frames: where the ground truth marks the target absent (a NaN row, as "
            "UAV123 does) the frame is left out of success and precision, the benchmark's own convention")
    text += (f" ({absent} such frames here; got10k's OTB report counts them as failures)." if absent else
             " (none here).")
    scored = board[board["recomputed"]]
    equal = [t for t, mine, theirs in zip(scored["tracker"], scored["success_auc"], scored["success_auc_got10k"])
             if abs(mine - theirs) <= 1e-9]
    differ = [t for t in scored["tracker"] if t not in equal]
    if equal:
        text += (" Checked: the success AUC of " + ", ".join(equal) + " equals got10k's report "
                 "(column 'success AUC (got10k report)').")
    if differ:
        reasons = []
        if absent:
            reasons.append("absent frames are excluded here and counted as failures there")
        if damaged:
            reasons.append("results files with rows that are not boxes (listed under 'Incomplete or failed runs')")
        if stale:
            reasons.append("got10k's report is older than the results files (listed)")
        text += (" The success AUC of " + ", ".join(differ) + " differs from got10k's report"
                 + (": " + "; ".join(reasons) if reasons else "") + ".")
    return text


def _got10k_section(exp: str, reports, curves, state: dict) -> None:
    result = state["result"]
    board = tables.got10k_leaderboard(reports, exp)
    key = re.sub(r"[^0-9a-z]+", "", exp.lower())
    result.data[f"got10k_{exp}"] = board
    result.tables[f"leaderboard_{key}"] = tables.write_table(
        board, tables.GOT10K_COLUMNS, os.path.join(state["tab_dir"], f"leaderboard_{key}"),
        f"{exp} (got10k), sorted by AO", f"tab:{key}")
    exp_curves = {t: c["ao_curve"] for (e, t), c in curves.items() if e == exp and "ao_curve" in c}
    blocks = [("text", "got10k's GOT-10k report: AO = mean overlap, SR@0.5 / SR@0.75 = share of frames with "
                       "overlap above 0.5 / 0.75, over every frame but the first. Absent frames follow GOT-10k's "
                       "own convention: frames where cover.label is 0 (the target not visible) are left out. "
                       "A val folder needs list.txt, and per sequence groundtruth.txt, absence.label, cover.label "
                       "and meta_info.ini (with `resolution: (W, H)`)."),
              ("table", (board, tables.GOT10K_COLUMNS))]
    if exp_curves:
        result.figures[f"got10k_{key}"] = figures.got10k_plot(
            exp_curves, os.path.join(state["fig_dir"], f"got10k_{key}_success.png"),
            f"{exp} (got10k): {int(board['sequences'].max())} sequences", state["style"])
        blocks.append(("figure", result.figures[f"got10k_{key}"]))
    count = int(board["sequences"].max()) if len(board) else 0
    for _, row in board.iterrows():
        state["speed"].append({"benchmark": f"{exp} (got10k): {count} sequences", "tracker": row["tracker"],
                               "fps": row["fps"], "score": row["ao"], "metric": "AO",
                               "record": ("got10k", exp, row["tracker"])})
        state["headlines"].append({"tracker": row["tracker"], "column": f"{exp} AO", "value": row["ao"]})
    state["sections"].append(Section(f"{exp} (got10k)", blocks))


def _got10k_vot_section(exp: str, reports, state: dict) -> None:
    board = tables.got10k_vot_leaderboard(reports, exp)
    key = re.sub(r"[^0-9a-z]+", "", exp.lower())
    state["result"].tables[f"leaderboard_got10k_{key}"] = tables.write_table(
        board, tables.GOT10K_VOT_COLUMNS, os.path.join(state["tab_dir"], f"leaderboard_got10k_{key}"),
        f"{exp} through got10k's ExperimentVOT", f"tab:got10k-{key}")
    for _, row in board.iterrows():
        state["headlines"].append({"tracker": row["tracker"], "column": f"{exp} (got10k) accuracy",
                                   "value": row["accuracy"]})
    state["sections"].append(Section(f"{exp} (got10k's VOT experiment)", [
        ("text", "got10k's own VOT experiment (not vot-toolkit): accuracy and its failure count weighted over the "
                 "VOT tags, which got10k calls robustness; got10k computes no EAO."),
        ("table", (board, tables.GOT10K_VOT_COLUMNS))]))


PUBLISHED_EAO_INTERVAL = (108, 371)  # VOT2015's, the interval of the SiamFC paper's published EAOs
STACK_NAMES = {"supervised": "VOT2015-style supervised stack (re-initialisation)",
               "multistart": "VOT2020-style multistart stack (anchors)",
               "unsupervised": "unsupervised (one pass)",
               "longterm": "VOT-LT long-term stack (precision/recall/F-score over the confidence)",
               "vots": "VOTS multi-object stack (quality, accuracy, robustness)"}


def _vot_sections(workspace: str, state: dict):
    """One section per experiment of the workspace's latest analysis JSON(s); returns the supervised board."""
    result, problems, trackers = state["result"], state["problems"], state["trackers"]
    sequences = collect.read_vot_sequences(workspace)
    _groundtruth_counts(state, "vot", "", os.path.join(workspace, "sequences"), {
        "sequences": len(sequences), "lines": sum(s.length for s in sequences.values()),
        "absent": sum(s.absent for s in sequences.values()), "refused": sum(len(s.refused) for s in sequences.values()),
        "dropped": 0, "unannotated": 0})
    problems += [collect.Problem("vot", "", "", name, f"ground truth {line} (refused: that frame is not scored)")
                 for name, seq in sequences.items() for line in seq.refused]
    results_root = os.path.join(workspace, "results")
    ran = {}
    for tracker in sorted(os.listdir(results_root)) if os.path.isdir(results_root) else []:
        if trackers is not None and tracker not in trackers:
            continue
        if not os.path.isdir(os.path.join(results_root, tracker)):
            continue
        for exp in sorted(os.listdir(os.path.join(results_root, tracker))):
            if os.path.isdir(os.path.join(results_root, tracker, exp)):  # not files such as tracker-spec.json
                ran.setdefault(exp, []).append(tracker)
    # an experiment whose stack names no analysis (VOT-LT's redetection) has nothing to report: say so once
    unanalysed = _unanalysed_experiments(workspace, ran)
    for exp in unanalysed:
        ran.pop(exp, None)
    if unanalysed:
        state["sections"].append(Section("VOT experiments without analyses", [("text", (
            "The stack defines no analysis for " + ", ".join(sorted(unanalysed)) + " (vot-toolkit's VOT-LT stacks "
            "give the redetection experiment none), so the toolkit computes no number for it; its trajectories "
            "are in results/<tracker>/<experiment>/."))]))
    # the newest analysis of an experiment is the base; trackers it leaves out come from older ones or are problems
    analyses = collect.merge_vot_analyses(collect.vot_analysis_files(workspace), ran, problems)
    for exp in unanalysed:
        analyses.pop(exp, None)
    for exp in sorted(set(ran) - set(analyses)):
        problems.append(collect.Problem("vot", exp, ", ".join(ran[exp]), "",
                                        "results but no analysis JSON of this experiment: run `vot analysis "
                                        "--format json` (or `siamfc vot evaluate`) on the workspace"))
    order = sorted(analyses.values(), key=lambda a: (a.kind != "supervised", a.kind != "multistart", a.experiment))
    all_frames, supervised = [], None
    for index, analysis in enumerate(order):
        if analysis.kind in ("longterm", "vots"):
            _guarded(problems, "vot", analysis.experiment, lambda a=analysis: _kind_section(
                a, "_" + re.sub(r"[^0-9a-z_]+", "", a.experiment.lower()), state))
            continue
        board = _guarded(problems, "vot", analysis.experiment, lambda a=analysis, i=index: _vot_section(
            workspace, a, sequences, "" if i == 0 else "_" + re.sub(r"[^0-9a-z_]+", "", a.experiment.lower()),
            state, all_frames))
        if board is not None and analysis.kind == "supervised" and supervised is None:
            supervised = board
    frames = pd.concat(all_frames, ignore_index=True) if all_frames else pd.DataFrame(columns=collect.FRAME_COLUMNS)
    result.frames["vot"] = frames
    frames.to_csv(os.path.join(state["tab_dir"], "frames_vot.csv"), index=False)
    return supervised


def _unanalysed_experiments(workspace: str, ran: dict) -> set[str]:
    """Experiments with results whose newest analysis JSON lists no analyses for them."""
    found = {}
    for path in collect.vot_analysis_files(workspace):
        try:
            with open(path) as handle:
                doc = json.load(handle)
        except (OSError, ValueError):
            continue
        for exp, block in ((doc or {}).get("results") or {}).items():
            found[exp] = not ((block or {}).get("parameters") or {}).get("analyses")
    return {exp for exp in ran if found.get(exp)}


KIND_TEXT = {
    "longterm": (
        "Long-term experiment (VOT-LT): one pass, no re-initialisation; the target may leave the frame. Every frame "
        "the tracker reports a region and a confidence (SiamFC: the sigmoid of its score-map peak). For a confidence "
        "threshold, frames below it count as 'target absent'; tracking precision is the mean overlap over the "
        "frames reported present, tracking recall the overlap summed over them divided by the frames where the "
        "target is visible. The F-score is their harmonic mean, taken at the threshold where it is highest (marked "
        "on both curves); the F-score curve shows it for every threshold."),
    "vots": (
        "Multi-object experiment (VOTS): every object of a sequence followed from its first frame to the end, one "
        "pass. Quality: mean overlap over all frames with known ground truth, the target's absence included (an "
        "empty answer where the target is absent counts 1). Accuracy: mean overlap over the frames tracked; VOTS "
        "robustness: the share of the frames where the target is visible in which it is tracked (overlap > 0). "
        "NRE: share of visible frames with no answer; DRE: share with a wrong answer (overlap 0); AD: how often an "
        "absence is reported as such (n/a when the target never leaves)."),
}


def _kind_section(analysis, suffix: str, state: dict) -> None:
    """A VOT-LT or VOTS experiment: its own numbers, words and figures."""
    result, style, trackers = state["result"], state["style"], state["trackers"]
    exp, kind = analysis.experiment, analysis.kind
    names = [t for t in analysis.summary["tracker"] if trackers is None or t in trackers]
    analysis.summary = analysis.summary[analysis.summary["tracker"].isin(names)].reset_index(drop=True)
    board = tables.kind_leaderboard(analysis)
    columns = tables.vot_columns(kind)
    stack = STACK_NAMES.get(kind, kind)
    result.data[f"vot{suffix}"] = board
    headline = "F-score" if kind == "longterm" else "quality"
    result.tables[f"leaderboard_vot{suffix}"] = tables.write_table(
        board, columns, os.path.join(state["tab_dir"], f"leaderboard_vot{suffix}"),
        f"VOT experiment {exp}: {stack} (vot-toolkit), sorted by {headline}", f"tab:vot{suffix}")
    if kind == "longterm":
        scores = dict(zip(board["tracker"], board["fscore"]))
        figure = figures.longterm_plots({t: c for t, c in analysis.pr_curves.items() if t in names},
                                        {t: c for t, c in analysis.curves.items() if t in names}, scores,
                                        os.path.join(state["fig_dir"], f"vot{suffix}_longterm.png"), style,
                                        title=f"VOT {exp}, {stack}: {len(analysis.sequences or ())} sequences")
    else:
        figure = figures.vots_plots(board, {t: c for t, c in analysis.pr_curves.items() if t in names},
                                    os.path.join(state["fig_dir"], f"vot{suffix}_vots.png"), style,
                                    title=f"VOT {exp}, {stack}: {len(analysis.sequences or ())} sequences")
    result.figures[f"{kind}{suffix}"] = figure
    for _, row in board.iterrows():
        key = "fscore" if kind == "longterm" else "quality"
        state["headlines"].append({"tracker": row["tracker"], "column": f"VOT {exp} {headline}", "value": row[key]})
    text = KIND_TEXT[kind] + f" Numbers from the toolkit's own analysis ({os.path.basename(analysis.path)})."
    state["sections"].append(Section(f"VOT {exp}: {_stack_words(analysis, stack)} (vot-toolkit)",
                                     [("text", text), ("table", (board, columns)), ("figure", figure)]))


def _vot_section(workspace: str, analysis, sequences, suffix: str, state: dict, all_frames: list):
    result, problems, style, trackers = state["result"], state["problems"], state["style"], state["trackers"]
    exp, kind = analysis.experiment, analysis.kind
    analysed = {k: v for k, v in sequences.items() if k in set(analysis.sequences or ())}
    if analysed:  # a workspace whose stacks ran on different sequences: each experiment on its own
        sequences = analysed
    names = [t for t in analysis.summary["tracker"] if trackers is None or t in trackers]
    summary = analysis.summary[analysis.summary["tracker"].isin(names)].reset_index(drop=True)
    analysis.summary = summary
    problems += collect.missing_vot_results(workspace, exp, names, kind, sequences)
    problems += collect.vot_abnormal_answers(workspace, exp, names, sequences)
    problems += [collect.Problem("vot", exp, t, "", why) for t, why in analysis.missing if t in names]
    frames = collect.collect_vot_frames(workspace, exp, names, sequences, problems)
    all_frames.append(frames)
    longest = max((sq.length for sq in sequences.values()), default=0)
    intervals = collect.eao_intervals(analysis, longest)
    board = tables.vot_leaderboard(analysis, frames, intervals)
    stack_interval = (analysis.eao_low, analysis.eao_high)
    used = sorted({i for i in intervals.values() if i is not None})
    shortened = [i for i in used if tuple(i) != tuple(stack_interval)]
    if shortened:
        state.setdefault("warnings", []).append(
            f"vot {exp}: the sequences (longest {longest} frames) are shorter than the stack's EAO interval "
            f"[{analysis.eao_low}, {analysis.eao_high}]: the EAO is averaged over "
            f"{', '.join(tables.format_interval(i) for i in used)} only, not comparable with EAOs over "
            f"[{analysis.eao_low}, {analysis.eao_high}]")
    columns = tables.vot_columns(kind)
    stack = STACK_NAMES.get(kind, kind)
    result.data[f"vot{suffix}"] = board
    result.tables[f"leaderboard_vot{suffix}"] = tables.write_table(
        board, columns, os.path.join(state["tab_dir"], f"leaderboard_vot{suffix}"),
        f"VOT experiment {exp}: {stack} (vot-toolkit), sorted by EAO", f"tab:vot{suffix}")
    # the published VOT2015 table belongs beside a VOT2015-style colour stack, not beside VOT-TIR or VOT2013
    title = analysis.stack_title
    published = state.get("published_rows") if kind == "supervised" and (
        not title or ("2015" in title and "TIR" not in title.upper())) else None
    # the published VOT2015 EAOs are over [108, 371]: a measured EAO over any other interval is not comparable
    comparable = bool(used) and all(tuple(i) == PUBLISHED_EAO_INTERVAL for i in used)
    not_comparable = "" if comparable or not used else \
        "not comparable: interval " + ", ".join(tables.format_interval(i) for i in used)
    result.figures[f"eao_ranking{suffix}"] = figures.eao_ranking(
        board, os.path.join(state["fig_dir"], f"vot{suffix}_eao_ranking.png"), published,
        measured_title=f"measured here ({exp}): {len(sequences)} sequences"
                       + (f"; {not_comparable}" if not_comparable else ""),
        published_title="published VOT2015 (SiamFC paper, Table 3; not measured here; interval "
                        f"[{PUBLISHED_EAO_INTERVAL[0]}, {PUBLISHED_EAO_INTERVAL[1]}])", style=style,
        title=f"VOT {exp}, {stack}")  # the measured panel's title has the sequence count; the published is VOT2015's
    result.figures[f"ar_plot{suffix}"] = figures.ar_plot(
        board, os.path.join(state["fig_dir"], f"vot{suffix}_ar_plot.png"), analysis.sensitivity,
        title=f"Accuracy-robustness, VOT {exp} "
              f"({'VOT2020-style multistart' if kind == 'multistart' else 'VOT2015-style supervised'}): "
              f"{len(sequences)} sequences", style=style, kind=kind)
    result.figures[f"eao_curves{suffix}"] = figures.eao_curves(
        analysis.curves, os.path.join(state["fig_dir"], f"vot{suffix}_eao_curves.png"), analysis.eao_low,
        analysis.eao_high, dict(zip(board["tracker"], board["eao"])), style,
        title=f"VOT {exp}, {stack}: {len(sequences)} sequences")
    for _, row in board.iterrows():
        state["speed"].append({"benchmark": f"VOT {exp} (vot-toolkit): {len(sequences)} sequences",
                               "tracker": row["tracker"], "fps": row["fps"], "score": row["eao"], "metric": "EAO",
                               "record": ("vot", None, row["tracker"])})
        state["headlines"].append({"tracker": row["tracker"], "column": f"VOT {exp} EAO", "value": row["eao"]})
    if kind == "multistart":
        text = (f"Multistart experiment (VOT2020 style): the tracker starts at every anchor frame "
                f"(anchor.value) and runs forward or backward to the sequence's end; a run fails when the "
                f"overlap stays <= 0.1 for 10 frames. Accuracy: mean overlap before the failure; VOT2020 "
                f"robustness: the share of frames tracked before the failure (0-1, higher is better); no failure "
                f"count exists in this stack. EAO over [{analysis.eao_low}, {analysis.eao_high}].")
    else:
        text = (f"Supervised experiment (VOT2015 style): a failure (overlap 0) re-initialises the tracker 5 frames "
                f"later. Accuracy: mean overlap outside the 10-frame burn-in; failures per sequence (mean over "
                f"runs); AR-plot robustness exp(-{analysis.sensitivity or 30:g} x failures / frames), the x of the "
                f"AR plot (the toolkit's own 'robustness' column of this stack is the failure count). EAO over "
                f"sequence lengths [{analysis.eao_low}, {analysis.eao_high}].")
    if analysis.eao_low is None and analysis.eao_high is None and not analysis.curves:
        text = text.replace(f" EAO over [{analysis.eao_low}, {analysis.eao_high}].", "").replace(
            f" EAO over sequence lengths [{analysis.eao_low}, {analysis.eao_high}].", "")
        text += " This stack computes no EAO (its analyses are the AR ones only): the EAO columns stay empty."
    if shortened:
        text += (f" The sequences (longest {longest} frames) are shorter than this interval: the toolkit's EAO is "
                 f"averaged over {', '.join(tables.format_interval(i) for i in used)} only (column 'EAO interval "
                 f"used'), so it is not comparable with an EAO over [{analysis.eao_low}, {analysis.eao_high}].")
    text += (f" Numbers from the toolkit's own analysis ({os.path.basename(analysis.path)}); fps: 1 / mean update "
             "time in the trajectories.")
    older = {t: p for t, p in analysis.sources.items() if t in names}
    if older:
        text += (" Not in that analysis, so from the newest older analysis of the same sequences that covers them: "
                 + "; ".join(f"{t} from {os.path.basename(p)}" for t, p in sorted(older.items())) + ".")
    if board["eao"].isna().any() and analysis.eao_low is not None and analysis.eao_low >= longest:
        text += (f" EAO '-': the interval starts at {analysis.eao_low} frames, beyond the longest sequence "
                 f"({longest} frames), so the score is undefined (NaN in the toolkit's JSON).")
    elif board["eao"].isna().any():
        text += (" EAO '-': no run of the tracker lasted into the EAO interval without a failure; vot-toolkit "
                 "0.9.0 builds the EAO curve only up to the longest run between failures, so the score is "
                 "undefined (NaN in its JSON).")
    text += _groundtruth_text(state, "vot", "")
    if published is not None and len(published):
        if not comparable:
            text += (f" The published EAOs beside it are over [{PUBLISHED_EAO_INTERVAL[0]}, "
                     f"{PUBLISHED_EAO_INTERVAL[1]}] on VOT2015: {not_comparable or 'not comparable: no EAO here'}.")
        blocks = [("text", text), ("side", ((board, columns), (published, tables.PUBLISHED_COLUMNS)))]
        state["published_shown"] = True
    else:
        blocks = [("text", text), ("table", (board, columns))]
    blocks += [("figure", result.figures[f"eao_ranking{suffix}"]), ("figure", result.figures[f"ar_plot{suffix}"]),
               ("figure", result.figures[f"eao_curves{suffix}"])]
    if kind == "supervised":
        per_seq_columns = [tables.Column("tracker", "tracker"), tables.Column("sequence", "sequence"),
                           tables.Column("accuracy", "accuracy", "{:.3f}"),
                           tables.Column("failures", "failures", "{:.2f}"),
                           tables.Column("length", "frames", "{:g}")]
        if len(analysis.per_sequence):
            per_sequence = analysis.per_sequence[analysis.per_sequence["tracker"].isin(names)]
            result.tables[f"per_sequence_vot{suffix}"] = tables.write_table(
                per_sequence, per_seq_columns, os.path.join(state["tab_dir"], f"per_sequence_vot{suffix}"),
                f"VOT {exp} per sequence (accuracy, failures: mean over runs)", f"tab:vot{suffix}-seq")
            blocks.append(("table", (per_sequence, per_seq_columns)))
        derived = tuple(sorted({t for sq in sequences.values() for t in sq.derived_tags}))
        attributes = tables.attribute_table(frames, sequences, VOT_TAGS, analysis=analysis)
        result.data[f"attributes{suffix}"] = attributes
        result.tables[f"attributes_vot{suffix}"] = tables.write_table(
            attributes, tables.ATTRIBUTE_COLUMNS, os.path.join(state["tab_dir"], f"attributes_vot{suffix}"),
            f"VOT {exp} per attribute" + (" (* derived from the ground truth)" if derived else ""),
            f"tab:vot{suffix}-attributes")
        result.figures[f"attributes{suffix}"] = figures.attribute_bars(
            attributes, os.path.join(state["fig_dir"], f"vot{suffix}_attributes.png"), derived, style,
            title=f"VOT {exp}: {len(sequences)} sequences")
        blocks += [
            ("text", "Per attribute: VOT tags (camera motion, illumination change, motion change, occlusion, size "
                     "change) from the sequences' .tag files; 'all' is the toolkit's accuracy (so it equals the "
                     "leaderboard's), the attributes pool their tagged frames." +
                     (" These sequences have no .tag files: size change and motion change (marked *) are derived "
                      "here from the ground truth; the other attributes are not annotated." if derived else "")),
            ("figure", result.figures[f"attributes{suffix}"]),
            ("table", (attributes, tables.ATTRIBUTE_COLUMNS))]
    state["sections"].append(Section(f"VOT {exp}: {_stack_words(analysis, stack)} (vot-toolkit)", blocks))
    return board


def _stack_words(analysis, kind_words: str) -> str:
    """'VOT-TIR2016 challenge (vot2016/tir), VOT2015-style supervised stack ...' where the stack is known."""
    title, source = analysis.stack_title, analysis.stack.get("source")
    if not title:
        return kind_words
    return f"{title}" + (f" ({source})" if source else "") + f", {kind_words}"


def _published_section(supervised, datasize_curve: str | None, state: dict) -> None:
    """The SiamFC paper's numbers, only where the page has something to set them beside: its VOT2015 table (Table 3)
    beside a VOT2015-style supervised section (where that section does not already show it), and its data-size
    table and figure (Table 2, VOT2015 EAOs) beside such a section or a shipped data-size curve. A got10k-only page
    carries neither."""
    result = state["result"]
    published = state.get("published_rows")
    shipped = tables.read_datasize_curve(datasize_curve) if datasize_curve else None
    if supervised is None and shipped is None:
        return
    blocks = []
    if supervised is not None and published is not None and len(published):
        result.tables["published_vot2015"] = tables.write_table(
            published, tables.PUBLISHED_COLUMNS, os.path.join(state["tab_dir"], "published_vot2015"),
            "Published VOT2015 numbers (SiamFC paper, Table 3; reference, not measured here)", "tab:published")
        if not state.get("published_shown"):
            blocks.append(("published", (published, tables.PUBLISHED_COLUMNS)))
    datasize = tables.published_datasize()
    result.tables["published_datasize"] = tables.write_table(
        datasize, tables.DATASIZE_COLUMNS, os.path.join(state["tab_dir"], "published_datasize"),
        "Effect of the amount of training data (SiamFC paper, Table 2; published)", "tab:datasize")
    result.figures["datasize"] = figures.datasize_plot(datasize, os.path.join(state["fig_dir"], "datasize.png"),
                                                       shipped)
    blocks += [("text", "Published (SiamFC paper, Table 2): VOT2015 accuracy, failures and EAO of SiameseFC-AlexNet "
                        "trained on a share of ImageNet VID. " +
                        (f"Beside it, measured: the shipped model's own data-size curve ({os.path.basename(datasize_curve)}: "
                         "dev success AUC against the share of its training objects): another benchmark and "
                         "measure, so a separate panel." if shipped is not None else
                         "No data-size curve of the shipped model was given (--datasize-curve).")),
               ("table", (datasize, tables.DATASIZE_COLUMNS)), ("figure", result.figures["datasize"])]
    state["sections"].append(Section("Published reference (SiamFC paper)", blocks))


def _across_toolkits(headlines: list[dict]) -> pd.DataFrame:
    """tracker key -> one row, one column per benchmark headline, shown under one display name."""
    frame = pd.DataFrame(headlines)
    frame["key"] = frame["tracker"].map(tables.tracker_key)
    names = tables.display_names(frame["tracker"])
    columns = list(dict.fromkeys(frame["column"]))
    wide = frame.pivot_table(index="key", columns="column", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=columns)
    wide.insert(0, "tracker", [names[k] for k in wide.index])
    wide = wide.sort_values(columns[0], ascending=False, na_position="last")
    return wide.reset_index(drop=True)


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
    per_frame = [f"[{label}](tables/frames_{key}.csv)" for key, label in (("got10k", "got10k"), ("vot", "VOT"))
                 if os.path.isfile(os.path.join(out, "tables", f"frames_{key}.csv"))]
    lines.append("- per-frame data: " + ", ".join(per_frame) if per_frame else "")
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
