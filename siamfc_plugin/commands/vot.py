"""`siamfc vot ...`: prepare a VOT workspace, test the trax tracker, run the real toolkit and read its analysis.

The toolkit is run as `python -m vot ...` in a subprocess. `vot test` and `vot evaluate` exit 0 even when the tracker
failed, so every command here checks the output and the results on disk and fails loudly (exit status 2, a message
naming the tracker, experiment and sequence) when something is missing.
"""
from __future__ import annotations

import configparser
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

from ..toolkits.vot import workspace as ws
from ..toolkits.vot.workspace import VotError
from ..common.errors import InputNotFoundError, UsageError

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# ---- running the toolkit -------------------------------------------------------------------------------------------
def run_toolkit(arguments: list[str], env: dict[str, str] | None = None, echo: bool = True,
                timeout: float | None = None, cwd: str | None = None, on_line=None) -> tuple[int, str]:
    """Run `python -m vot ARGUMENTS`; return (exit status, output without colour codes). Output is echoed to stderr
    as it comes when `echo`, except the lines `on_line(line)` (called with each) answers True for: those it shows
    its own way (toolkits/vot/progress.py)."""
    environment = dict(os.environ)
    environment.update(env or {})
    environment.setdefault("PYTHONUNBUFFERED", "1")
    command = [sys.executable, "-m", "vot"] + arguments
    if echo:
        print("$ " + shlex.join(["python", *command[1:]]), file=sys.stderr, flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment, cwd=cwd,
                               text=True, errors="replace")
    lines = []
    try:
        import threading

        timer = None
        if timeout:
            timer = threading.Timer(timeout, process.kill)
            timer.daemon = True
            timer.start()
        from tqdm import tqdm

        for line in process.stdout:
            lines.append(ANSI.sub("", line))
            if on_line is not None and on_line(lines[-1]):
                continue
            if echo:  # above a progress bar, if one is drawn
                tqdm.write(line.rstrip("\n"), file=sys.stderr)
        process.wait()
        if timer:
            timer.cancel()
    except BaseException:
        process.kill()
        process.wait()
        raise
    output = "".join(lines)
    if timeout and process.returncode in (-9, 137):
        raise VotError(f"`vot {' '.join(arguments)}` did not finish in {timeout:.0f} s and was stopped")
    return process.returncode, output


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


# ---- registry helpers ----------------------------------------------------------------------------------------------
def _read_ini(path: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.optionxform = str  # keep the case the file uses
    if not parser.read(path):
        raise InputNotFoundError(f"tracker registry not found: {path}")
    return parser


def tracker_env_from_args(args) -> dict[str, str]:
    """SIAMFC_* variables for the tracker options given on the command line (they override a registry entry's)."""
    from ..backends.spec import TrackerSpec

    return TrackerSpec.from_args(args).to_env(fields=TrackerSpec.given(args))


def derived_registry(source: str, tracker: str, env: dict[str, str], folder: str) -> str:
    """A trackers.ini in `folder` with the entry `tracker` of `source` (paths made absolute) plus env overrides."""
    parser = _read_ini(source)
    if tracker not in parser:
        raise VotError(f"tracker {tracker!r} is not in {source}; entries: {parser.sections()}")
    entry = dict(parser[tracker])
    root = os.path.dirname(os.path.abspath(source))
    if "paths" in entry:
        entry["paths"] = os.pathsep.join(os.path.normpath(os.path.join(root, p))
                                         for p in entry["paths"].split(os.pathsep) if p)
    checkpoint_key = next((k for k in entry if k.upper() == "ENV_SIAMFC_CHECKPOINT"), None)
    if checkpoint_key and not os.path.isabs(entry[checkpoint_key]):
        from ..toolkits.vot.siamfc_trax import resolve_path

        entry[checkpoint_key] = resolve_path(entry[checkpoint_key], {"PYTHONPATH": entry.get("paths", root)})
    for key in [k for k in entry if k.lower().startswith("env_") and k[4:].upper() in env]:
        del entry[key]
    for variable, value in env.items():
        entry[f"env_{variable}"] = value
    out = configparser.ConfigParser()
    out.optionxform = str
    out[tracker] = entry
    path = os.path.join(folder, "trackers.ini")
    with open(path, "w") as handle:
        out.write(handle)
    return path


def registry_specs(workspace: str, trackers: list[str]) -> dict:
    """{tracker: TrackerSpec} for the SiamFC entries (siamfc_trax) among `trackers` in the workspace's registries."""
    from ..backends.spec import TrackerSpec
    from ..toolkits.vot.siamfc_trax import resolve_path

    registries = ws.read_config(workspace).get("registry") or []
    specs = {}
    for registry in registries if isinstance(registries, list) else [registries]:
        path = os.path.normpath(os.path.join(workspace, registry))
        if not os.path.isfile(path):
            continue
        parser = _read_ini(path)
        for tracker in trackers:
            if tracker in specs or tracker not in parser or not parser[tracker].get("command", "").endswith(
                    "siamfc_trax"):
                continue
            entry = parser[tracker]
            roots = os.pathsep.join(os.path.normpath(os.path.join(os.path.dirname(path), p))
                                    for p in entry.get("paths", ".").split(os.pathsep) if p)
            env = {k[4:].upper(): v for k, v in entry.items() if k.lower().startswith("env_")}
            spec = TrackerSpec.from_env(env, resolve_path=lambda text: resolve_path(text, {"PYTHONPATH": roots}))
            specs[tracker] = spec.replace(name=tracker)
    return specs


def claim_results(workspace: str, trackers: list[str], overwrite: bool = False) -> None:
    """Each SiamFC entry's results folder (results/<entry>/) carries the spec its registry entry describes
    (tracker-spec.json); an entry now describing another tracker than the one whose results are there is an error
    naming both (--force replaces them): the toolkit would otherwise keep the old sequences and run only the rest."""
    from ..backends.spec import claim_folder

    for tracker, spec in registry_specs(workspace, trackers).items():
        claim_folder(os.path.join(workspace, "results", tracker), spec, overwrite, flag="--force")


def default_registry() -> str:
    if os.path.isfile(ws.REPO_TRACKERS_INI):
        return ws.REPO_TRACKERS_INI
    raise VotError("no trackers.ini given and none beside this package: pass --registry PATH "
                   "(or prepare a workspace, which writes one)")


# ---- commands ------------------------------------------------------------------------------------------------------
def cmd_prepare(args) -> int:
    if args.anchor_spacing < 1:
        raise UsageError(f"--anchor-spacing must be at least 1 frame, not {args.anchor_spacing}")
    names = [n for n in (args.names or "").split(",") if n] or None
    new_workspace = not os.path.exists(args.workspace)
    try:
        written = ws.init_workspace(args.workspace, stack=args.stack)
        prepared = ws.prepare_sequences(args.workspace, source=args.source, synthetic=args.synthetic,
                                        layout=args.layout, count=args.sequences, names=names,
                                        max_frames=args.frames, synthetic_frames=args.synthetic_frames,
                                        seed=args.seed, overwrite=args.overwrite, anchor_spacing=args.anchor_spacing,
                                        missing_frames=args.missing_frames, add=args.add)
    except BaseException:
        if new_workspace and os.path.isdir(args.workspace):  # no half-made workspace left behind
            import shutil

            shutil.rmtree(args.workspace, ignore_errors=True)
        raise
    for path in written:
        print(f"wrote {path}")
    total = sum(p.frames for p in prepared)
    print(f"prepared {len(prepared)} sequences ({total} frames) in {os.path.join(args.workspace, 'sequences')}: "
          + ", ".join(f"{p.name} ({p.frames}{', ' + p.layout if p.layout else ''})" for p in prepared))
    from ..formats.sequences import describe_counts

    totals = {k: sum(p.groundtruth.get(k, 0) for p in prepared) for k in ("lines", "absent", "refused", "dropped",
                                                                          "unannotated")}
    print(describe_counts(totals) + "".join(
        f"; {p.name}: {p.groundtruth['absent']} absent" for p in prepared if p.groundtruth.get("absent")))
    for p in prepared:
        if p.dropped:
            print(f"{p.name}: frame(s) {', '.join(map(str, p.dropped))} have no frame file: dropped with their "
                  "ground truth (--missing-frames drop); every other frame keeps its own box", file=sys.stderr)
    anchored = [p.name for p in prepared if p.anchors_written]
    if anchored:
        print(f"wrote VOT2020-style anchors (anchor.value, for multistart stacks) into {len(anchored)} sequence(s) "
              f"that had none: frame 0 and every {args.anchor_spacing} frames, each run towards the longer part "
              "of the sequence")
    _warn_eao_range(args.workspace, max(p.frames for p in prepared))
    _warn_burn_in(args.workspace, {p.name: p.frames for p in prepared})
    return 0


def _warn_burn_in(workspace: str, lengths: dict[str, int]) -> None:
    """Sequences no longer than an experiment's burn-in, by the toolkit's own reading of the stack."""
    try:
        warnings = ws.short_of_burn_in(workspace, lengths)
    except Exception as exc:  # noqa: BLE001 - a stack the toolkit cannot load is reported by `vot evaluate`
        print(f"note: the burn-in of the workspace's stack could not be read ({type(exc).__name__}: {exc}); "
              "sequences shorter than it were not looked for", file=sys.stderr)
        return
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _warn_eao_range(workspace: str, longest: int) -> None:
    try:
        import yaml

        stack = ws.read_config(workspace).get("stack", "")
        path = os.path.join(workspace, stack)
        if not os.path.isfile(path):
            return
        with open(path) as handle:
            data = yaml.safe_load(handle) or {}
        for name, experiment in (data.get("experiments") or {}).items():
            for analysis in experiment.get("analyses") or []:
                if not str(analysis.get("type", "")).endswith("eao_score"):
                    continue
                low, high = int(analysis.get("low", 0)), int(analysis.get("high", 0))
                if low >= longest:
                    print(f"note: experiment {name}: the EAO interval [{low}, {high}] starts beyond the longest "
                          f"sequence ({longest} frames): the EAO score will be n/a. Edit low/high in {path} for "
                          "this data.", file=sys.stderr)
                elif high > longest - 1:
                    print(f"warning: experiment {name}: the longest sequence has {longest} frames, fewer than the "
                          f"EAO interval [{low}, {high}] needs: the EAO will be averaged over [{low}, "
                          f"{longest - 1}] at most, not comparable with EAOs over [{low}, {high}] (published "
                          f"ones). Edit low/high in {path} for this data.", file=sys.stderr)
    except Exception:  # a hint only
        pass


def cmd_test(args) -> int:
    registry = os.path.abspath(args.registry) if args.registry else default_registry()
    tracker = args.tracker or "SiamFC-3s"
    if registry.endswith(".ini"):  # the toolkit says only "Tracker does not exist" and exits 0
        entries = _read_ini(registry).sections()
        if tracker not in entries:
            raise VotError(unknown_tracker(tracker, entries, registry))
    env = tracker_env_from_args(args)
    with tempfile.TemporaryDirectory(prefix="siamfc-vot-test-") as tmp:
        if env:
            registry = derived_registry(registry, tracker, env, tmp)
        command = ["--registry", registry, "test", tracker]
        if args.sequence:
            command += ["--sequence", os.path.abspath(args.sequence)]
        code, output = run_toolkit(command, echo=not args.quiet, timeout=args.timeout, cwd=tmp)
    problems = [line.strip() for line in output.splitlines()
                if re.search(r"Error during tracker execution|Tracker does not exist|Unable to continue|Traceback",
                             line)]
    if code != 0 or problems or "Test concluded successfuly" not in output:
        raise VotError(f"`vot test {tracker}` failed (exit status {code}): "
                       + ("; ".join(problems) if problems else "no 'Test concluded' line")
                       + f"\n--- last output ---\n{_tail(output)}")
    print(f"vot test {tracker}: ok")
    return 0


def _load_workspace(path: str):
    from vot.workspace import Workspace

    return Workspace.load(path)


def unknown_tracker(reference: str, entries: list[str], where: str) -> str:
    """The message for a tracker name that is no registry entry: the closest entry, then all of them."""
    import difflib

    close = difflib.get_close_matches(reference, entries, n=1, cutoff=0.6)
    return (f"tracker {reference!r} is not in {where}" + (f" (did you mean {close[0]}?)" if close else "")
            + f"; entries: {', '.join(entries)}")


def check_tracker_names(workspace: str, trackers: list[str]) -> None:
    """Every tracker named is an entry of the workspace's registries, as the toolkit resolves them, checked before
    the toolkit starts: it would otherwise prepare its run, then end in a ToolkitException that lists nothing."""
    from vot.tracker import parse_reference

    known = _load_workspace(workspace).registry.identifiers()
    registries = ws.read_config(workspace).get("registry") or []
    where = "the registry of " + workspace + " (" + ", ".join(
        registries if isinstance(registries, list) else [registries]) + ")"
    for reference in trackers:
        if reference.startswith("#"):  # the toolkit's plural reference: every tracker with this tag
            continue
        identifier, _ = parse_reference(reference)
        if identifier not in known:
            raise VotError(unknown_tracker(reference, known, where))


def check_results(workspace_dir: str, trackers: list[str], experiments: list[str] | None = None
                  ) -> list[tuple[str, str, str]]:
    """(tracker, experiment, sequence) for every sequence without complete results, by the toolkit's own scan."""
    workspace = _load_workspace(workspace_dir)
    resolved = workspace.registry.resolve(*trackers, storage=workspace.storage.substorage("results"),
                                          skip_unknown=False)
    missing = []
    for tracker in resolved:
        for key, experiment in workspace.stack.experiments.items():
            if experiments and key not in experiments:
                continue
            for sequence in workspace.dataset:
                for transformed in experiment.transform(sequence):
                    complete, _, _ = experiment.scan(tracker, transformed)
                    if not complete:
                        missing.append((tracker.identifier, key, transformed.name))
    return missing


def _runs(workspace: str, trackers: list[str], experiments: list[str] | None) -> list:
    """The runs to show progress for; none where the toolkit cannot even load the workspace (it says why itself)."""
    from ..toolkits.vot.progress import evaluation_runs

    try:
        return evaluation_runs(workspace, trackers, experiments)
    except Exception:  # noqa: BLE001 - a progress display only; the evaluation reports the real error
        return []


ERROR_LINE = re.compile(r"Tracker (\S+) encountered an error at sequence (\S+): (.*)")
LOG_LINE = re.compile(r"Tracker output written to file: (\S+)")


def cmd_evaluate(args) -> int:
    workspace = os.path.abspath(args.workspace)
    if not workspace.isascii():
        # vot-trax 4.0.2 cannot pass a frame path with non-ASCII characters to the tracker ("Protocol error,
        # illegal argument number"): run the toolkit through an ASCII-named link to the workspace
        alias_dir = tempfile.mkdtemp(prefix="siamfc-vot-")
        if not alias_dir.isascii():
            raise VotError(f"the workspace path {workspace} has non-ASCII characters, which vot-trax cannot pass to "
                           "a tracker, and the temporary folder is not ASCII either: move the workspace")
        alias = os.path.join(alias_dir, "workspace")
        os.symlink(workspace, alias)
        print(f"note: {workspace} has non-ASCII characters (vot-trax cannot pass them to a tracker): the toolkit "
              f"runs on it through {alias}", file=sys.stderr)
        try:
            args.workspace, args.real_workspace = alias, workspace
            return cmd_evaluate(args)
        finally:
            os.remove(alias)
            os.rmdir(alias_dir)
    ws.list_sequences(workspace)  # a clear message when the workspace or its sequences are missing
    ws.check_sequence_files(workspace)  # a missing frame named, before the toolkit fails on it without a name
    check_tracker_names(workspace, args.trackers)
    if args.stack:
        if ws.is_stock_stack(workspace, args.stack):  # run through the compat experiments (0.9.0's crash)
            path = ws.patch_stack(args.stack, workspace)
            print(f"stack of {workspace}: {os.path.basename(path)} (the stock {args.stack} with the compat "
                  "experiments; see its header)")
        else:
            print(f"stack of {workspace}: {ws.set_stack(workspace, args.stack)}")
    experiments = [e for e in (args.experiments or "").split(",") if e] or None
    if experiments:  # the toolkit runs nothing for an unknown name and still says it is done
        known = list(_load_workspace(workspace).stack.experiments)
        unknown = [e for e in experiments if e not in known]
        if unknown:
            raise VotError(f"--experiments {','.join(unknown)}: the stack of {workspace} has no such experiment "
                           f"(it has {', '.join(known)})")
    claim_results(workspace, args.trackers, overwrite=args.force)
    command = ["evaluate", "--workspace", workspace] + (["--force"] if args.force else []) + \
        (["--experiments", ",".join(experiments)] if experiments else []) + list(args.trackers)
    from ..common import progress
    from ..common.speed_record import load_average
    from ..toolkits.vot.progress import EvaluationProgress

    shown = EvaluationProgress(_runs(workspace, args.trackers, experiments) if progress.wanted(args.quiet) else [],
                               quiet=args.quiet)
    load_at_start, started = load_average(), time.time()
    try:
        code, output = run_toolkit(command, echo=not args.quiet, timeout=args.timeout, on_line=shown)
    finally:
        shown.close()

    errors = ERROR_LINE.findall(output)
    logs = LOG_LINE.findall(output)
    try:
        missing = check_results(workspace, args.trackers, experiments)
    except Exception as exc:  # the toolkit cannot even load the workspace or resolve a tracker
        raise VotError(f"cannot check the results of {args.trackers} in {workspace}: {type(exc).__name__}: {exc}"
                       f"\n--- last toolkit output ---\n{_tail(output)}") from exc
    if code != 0 or errors or missing or "Evaluation interrupted" in output:
        lines = [f"`vot evaluate` did not produce complete results (exit status {code}, "
                 f"which the toolkit keeps at 0 even when a tracker fails):"]
        for tracker, sequence, message in errors:
            lines.append(f"  tracker {tracker} crashed on sequence {sequence}: {message}")
        for tracker, experiment, sequence in missing:
            lines.append(f"  no results: tracker {tracker}, experiment {experiment}, sequence {sequence}")
        for log in logs:
            lines.append(f"  tracker log: {log}")
            try:
                with open(log) as handle:
                    lines.append("    " + _tail(handle.read(), 12).replace("\n", "\n    "))
            except OSError:
                pass
        if not errors and not missing:
            lines.append(_tail(output))
        raise VotError("\n".join(lines))
    ws.record_speeds(workspace, [t for t in args.trackers if not t.startswith("#")], load_at_start, started)
    print(f"evaluation complete: {', '.join(args.trackers)} on {len(ws.list_sequences(workspace))} sequences")
    report_abnormal_answers(workspace, args.trackers, experiments)
    if args.no_analysis:
        return 0
    path = run_analysis(workspace, args.trackers, args.name, experiments, echo=not args.quiet)
    print(f"analysis: {os.path.join(getattr(args, 'real_workspace', workspace), os.path.relpath(path, workspace))}")
    print(format_table(read_analysis(path)))
    return 0


def report_abnormal_answers(workspace: str, trackers: list[str], experiments: list[str] | None = None) -> list:
    """Print every abnormal trax answer of these trackers' runs (an unreadable frame, a failed decode, a refused
    region: analysis.collect.vot_abnormal_answers) on stderr, naming sequence and frames; returns them. The toolkit
    scores such answers like any other, so its numbers stand, but never silently."""
    from analysis.collect import vot_abnormal_answers

    found = [p for p in vot_abnormal_answers(workspace, trackers=trackers)
             if experiments is None or p.experiment in experiments]
    if found:
        print(f"warning: {len(found)} abnormal tracker answer(s); the scores below include them:", file=sys.stderr)
        for problem in found:
            print(f"  {problem.tracker} {problem.experiment}/{problem.sequence}: {problem.why}", file=sys.stderr)
    return found


def run_analysis(workspace: str, trackers: list[str], name: str | None = None, experiments: list[str] | None = None,
                 echo: bool = True, timeout: float | None = None) -> str:
    """`vot analysis --format json` with the persistent cache off (stale results otherwise); the JSON's path."""
    name = name or "siamfc-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    command = ["analysis", "--workspace", workspace, "--format", "json", "--name", name]
    command += (["--experiments", ",".join(experiments)] if experiments else []) + list(trackers)
    code, output = run_toolkit(command, env={"VOT_PERSISTENT_CACHE": "0"}, echo=echo, timeout=timeout)
    path = os.path.join(workspace, "analysis", name + ".json")
    if "Errors occured during analysis" in output:  # the toolkit's spelling; it writes nothing and exits 0
        raise VotError("`vot analysis` could not analyse every experiment of the stack (it says \"Errors occured "
                       "during analysis, incomplete.\", writes no JSON and exits 0): stock stacks name experiments "
                       "that were not run here (VOT2020's realtime and unsupervised); pass --experiments NAME[,NAME] "
                       f"to analyse only the ones that ran.\n{_tail(output)}")
    if code != 0 or not os.path.isfile(path):
        raise VotError(f"`vot analysis` failed (exit status {code}, no {path}):\n{_tail(output)}")
    ws.write_stack_note(workspace, path)
    return path


# ---- reading the analysis ------------------------------------------------------------------------------------------
def _finite(value):
    """A JSON-ready number: None where the toolkit gave NaN or nothing."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def read_analysis(path: str) -> dict:
    """{experiment: {tracker: {...}}} from the JSON `vot analysis --format json` writes, read by the leaderboard's
    reader (analysis.collect.read_vot_analyses): the same validation and the same vocabulary as analysis/ and the
    leaderboard; numbers are None where the toolkit gave NaN. A malformed file is a VotError naming it.

    A row holds the summary columns its experiment's analyses produce (supervised: accuracy, failures_per_sequence
    = the toolkit's average AR "robustness", robustness_ar_plot = exp(-S F / L), eao, cumulative_failures;
    multistart: accuracy, robustness_share_tracked = VOT2020's robustness, eao; unsupervised: accuracy, the average
    overlap; VOT-LT: precision, recall, fscore; VOTS: quality, accuracy, robustness, nre, dre, ad), its curves
    (eao_curve; VOT-LT: f_curve and pr_curve; success_plot), per_sequence (supervised: accuracy, failures, frames)
    and, with an EAO, the interval the stack names and the one the toolkit's mean covers here."""
    from analysis.collect import eao_intervals, read_vot_analyses

    try:
        analyses = read_vot_analyses(path)
    except ValueError as exc:  # the reader's own refusals name the file
        raise VotError(str(exc)) from exc
    except (TypeError, KeyError, IndexError, AttributeError) as exc:  # JSON of another shape: name the file here
        raise VotError(f"{path}: not an analysis JSON as vot-toolkit writes it ({type(exc).__name__}: {exc})") \
            from exc
    first = analyses[0]
    longest = max(first.sequence_lengths.values(), default=0)
    table = {"_trackers": list(first.summary["tracker"]), "_sequences": list(first.sequences), "_path": path,
             "_longest": longest, "_kinds": {a.experiment: a.kind for a in analyses}}
    for analysis in analyses:
        summary = analysis.summary
        produced = [c for c in summary.columns if c != "tracker" and summary[c].notna().any()]
        if analysis.eao_low is not None and "eao" not in produced:
            produced.append("eao")  # the stack has an EAO; the toolkit gave no number (n/a, explained in the table)
        intervals = eao_intervals(analysis, longest)
        rows = {}
        for record in summary.to_dict("records"):
            tracker = record["tracker"]
            row = {column: _finite(record[column]) for column in produced}
            if tracker in analysis.curves:
                row["f_curve" if analysis.kind == "longterm" else "eao_curve"] = [
                    _finite(v) for v in analysis.curves[tracker]]
            if tracker in analysis.pr_curves:
                row["pr_curve" if analysis.kind == "longterm" else "success_plot"] = [
                    [_finite(v) for v in point[:2]] for point in analysis.pr_curves[tracker]]
            per_sequence = analysis.per_sequence[analysis.per_sequence["tracker"] == tracker]
            if len(per_sequence):
                row["per_sequence"] = {r["sequence"]: {"accuracy": _finite(r["accuracy"]),
                                                       "failures": _finite(r["failures"]), "frames": r["length"]}
                                       for r in per_sequence.to_dict("records")}
            if analysis.eao_low is not None and analysis.eao_high is not None:
                row["eao_interval_stack"] = [int(analysis.eao_low), int(analysis.eao_high)]
                used = intervals.get(tracker)
                row["eao_interval"] = list(used) if used else None
            rows[tracker] = row
        table[analysis.experiment] = rows
    return table


def format_table(table: dict) -> str:
    def fmt(value, spec=".3f"):
        return "n/a" if value is None else format(value, spec)

    out = []
    kinds = table.get("_kinds", {})
    for experiment, rows in table.items():
        if experiment.startswith("_"):
            continue
        kind = kinds.get(experiment, "supervised")
        out.append(f"experiment {experiment}")
        if kind == "multistart":  # VOT2020 style
            out.append(f"  {'tracker':<24} {'accuracy':>9} {'VOT2020 robustness (share tracked)':>35} {'EAO':>7}")
            for tracker, r in rows.items():
                out.append(f"  {tracker:<24} {fmt(r.get('accuracy')):>9} "
                           f"{fmt(r.get('robustness_share_tracked')):>35} {fmt(r.get('eao')):>7}")
        elif kind == "supervised":
            out.append(f"  {'tracker':<24} {'accuracy':>9} {'failures/seq':>12} {'AR-plot robustness':>19} "
                       f"{'EAO':>7}")
            for tracker, r in rows.items():
                out.append(f"  {tracker:<24} {fmt(r.get('accuracy')):>9} {fmt(r.get('failures_per_sequence'), '.2f'):>12}"
                           f" {fmt(r.get('robustness_ar_plot')):>19} {fmt(r.get('eao')):>7}")
            out.append("  (failures/seq: failures per sequence, mean over runs; AR-plot robustness: "
                       "exp(-30 x failures / frames))")
        elif kind == "longterm":  # VOT-LT
            out.append(f"  {'tracker':<24} {'precision':>9} {'recall':>7} {'F-score':>8}")
            for tracker, r in rows.items():
                out.append(f"  {tracker:<24} {fmt(r.get('precision')):>9} {fmt(r.get('recall')):>7} "
                           f"{fmt(r.get('fscore')):>8}")
            out.append("  (at the confidence threshold with the best F-score)")
        elif kind == "vots":
            out.append(f"  {'tracker':<24} {'quality':>8} {'accuracy':>9} {'robustness':>11} {'NRE':>6} {'DRE':>6} "
                       f"{'AD':>6}")
            for tracker, r in rows.items():
                out.append(f"  {tracker:<24} {fmt(r.get('quality')):>8} {fmt(r.get('accuracy')):>9} "
                           f"{fmt(r.get('robustness')):>11} {fmt(r.get('nre')):>6} {fmt(r.get('dre')):>6} "
                           f"{fmt(r.get('ad')):>6}")
        elif any("accuracy" in r for r in rows.values()):  # unsupervised (one pass)
            out.append(f"  {'tracker':<24} {'average overlap':>16}")
            for tracker, r in rows.items():
                out.append(f"  {tracker:<24} {fmt(r.get('accuracy')):>16}")
        longest = table.get("_longest", 0)
        for tracker, r in rows.items():
            stack, used = r.get("eao_interval_stack"), r.get("eao_interval")
            if stack is None:
                continue
            if "eao" in r and r["eao"] is None:
                why = (f"the interval [{stack[0]}, {stack[1]}] starts beyond the longest sequence ({longest} frames)"
                       if stack[0] >= longest else
                       f"no run lasted {stack[0]} frames without a failure (its EAO curve ends at "
                       f"{len(r.get('eao_curve') or []) - 1})")
                out.append(f"  (EAO of {tracker} n/a: {why})")
            elif used is not None and list(used) != list(stack):
                out.append(f"  (EAO of {tracker} averaged over [{used[0]}, {used[1]}], not the stack's "
                           f"[{stack[0]}, {stack[1]}]: the sequences are shorter; not comparable with EAOs over "
                           f"[{stack[0]}, {stack[1]}])")
    return "\n".join(out)


def cmd_table(args) -> int:
    path = args.analysis or ws.latest_analysis(os.path.abspath(args.workspace))
    table = read_analysis(path)
    if args.json:
        print(json.dumps({k: v for k, v in table.items() if not k.startswith("_")}, default=str))
    else:
        print(f"analysis: {path}")
        print(format_table(table))
    return 0


def cmd_patch_stack(args) -> int:
    path = ws.patch_stack(args.stack, os.path.abspath(args.workspace), args.output, point_config=not args.keep_config)
    print(f"wrote {path}" + ("" if args.keep_config else " and pointed config.yaml at it"))
    with open(path) as handle:  # the file's header says what was replaced or renamed
        for line in handle:
            if line.startswith("#   "):
                print("  " + line[4:].rstrip())
    return 0


def _cmd_stacks(args) -> int:
    from ..toolkits.vot.stacks import cmd_stacks

    return cmd_stacks(args)


# ---- registration --------------------------------------------------------------------------------------------------
def register(subparsers, common) -> None:
    parser = subparsers.add_parser("vot", help="VOT toolkit: prepare a workspace, test, evaluate, print results")
    sub = parser.add_subparsers(dest="vot_command", required=True)
    default_ws = "workspace"

    p = sub.add_parser("prepare", help="fill a workspace's sequences/ from an OTB, VOT or GOT-10k folder or the "
                                      "synthetic generator (creates config.yaml and stacks/ when missing)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from", dest="source", metavar="PATH", help="dataset folder (OTB, VOT or GOT-10k layout)")
    source.add_argument("--synthetic", action="store_true", help="use the embedded synthetic generator")
    p.add_argument("--workspace", default=default_ws, help=f"workspace folder (default ./{default_ws})")
    p.add_argument("--sequences", type=int, help="take only the first N sequences")
    p.add_argument("--names", help="comma-separated sequence names to take")
    p.add_argument("--frames", type=int, help="cut every sequence to its first N frames (quick runs)")
    p.add_argument("--layout", choices=["otb", "vot", "got10k"],
                   help="source layout (default: detected per sequence; VOT2013-2016 folders with frames at the "
                        "sequence root and *.label files are read as VOT, 'vot-legacy')")
    p.add_argument("--synthetic-frames", type=int, default=80, help="frames per synthetic sequence")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic generator")
    p.add_argument("--stack", default=ws.DEFAULT_STACK,
                   help=f"stack for a new config.yaml: {', '.join(ws.STACKS)} or a toolkit stack name")
    p.add_argument("--overwrite", action="store_true", help="replace an already prepared sequences/")
    p.add_argument("--add", action="store_true",
                   help="add these sequences beside those already prepared (a second source); a sequence name "
                        "already there is refused")
    p.add_argument("--missing-frames", choices=["error", "drop"], default="error",
                   help="a ground-truth line whose frame file is missing: error (default; names the sequence and "
                        "frame) or drop that frame and its ground truth (docs/bad-input.md)")
    p.add_argument("--anchor-spacing", type=int, default=ws.ANCHOR_SPACING,
                   help="frames between the VOT2020-style anchors written into sequences without anchor.value "
                        f"(default {ws.ANCHOR_SPACING}, as VOT2020)")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("test", parents=[common],
                       help="`vot test` of a trackers.ini entry (tracker options given here override its env_*)")
    p.add_argument("tracker", nargs="?", help="entry of the registry (default SiamFC-3s)")
    p.add_argument("--registry", help="trackers.ini (default: the one beside the package)")
    p.add_argument("--sequence", help="a sequence folder to test on instead of the toolkit's dummy sequence")
    p.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    p.add_argument("--quiet", action="store_true", help="do not echo the toolkit's output")
    p.set_defaults(func=cmd_test)  # only tracker options given on the command line override the entry's env_*

    p = sub.add_parser("evaluate", help="`vot evaluate` + `vot analysis --format json`, failing when any sequence "
                                       "has no results; prints accuracy, failures, EAO")
    p.add_argument("trackers", nargs="+", help="tracker entries of the workspace's registry")
    p.add_argument("--workspace", default=default_ws, help=f"workspace folder (default ./{default_ws})")
    p.add_argument("--stack", help=f"set the workspace's stack first ({', '.join(ws.STACKS)}, a file or a toolkit "
                                   "stack name)")
    p.add_argument("--experiments", help="comma-separated experiment names of the stack")
    p.add_argument("--force", action="store_true", help="re-run sequences that already have results")
    p.add_argument("--name", help="name of the analysis JSON (default siamfc-<time>)")
    p.add_argument("--no-analysis", action="store_true", help="only run the experiments")
    p.add_argument("--timeout", type=float, help="stop the toolkit after this many seconds")
    p.add_argument("--quiet", action="store_true",
                   help="do not echo the toolkit's output, and no progress line (sequence, repetition, ETA: shown "
                        "only when stderr is a terminal)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("table", help="print accuracy, failures, robustness and EAO from an analysis JSON")
    p.add_argument("analysis", nargs="?", help="analysis JSON (default: the newest in <workspace>/analysis)")
    p.add_argument("--workspace", default=default_ws, help=f"workspace folder (default ./{default_ws})")
    p.add_argument("--json", action="store_true", help="print the parsed numbers as JSON")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("stacks", help="the installed toolkit's stock stacks: experiments, ground truth, what the "
                                     "tracker must output, whether SiamFC runs there and the command (a markdown table)")
    p.add_argument("--write", metavar="MARKDOWN", help="replace the table between the markers in this file "
                                                       "(docs/vot.md) instead of printing it")
    p.set_defaults(func=_cmd_stacks)

    p = sub.add_parser("patch-stack", help="copy a stock stack (e.g. vot2017, vot2020/shortterm) into a workspace "
                                          "with the compat experiments, so that it runs on vot-toolkit 0.9.0")
    p.add_argument("stack", help="toolkit stack name or stack file")
    p.add_argument("--workspace", default=default_ws, help=f"workspace folder (default ./{default_ws})")
    p.add_argument("--output", help="file name in the workspace (default <stack>_compat.yaml)")
    p.add_argument("--keep-config", action="store_true", help="do not point config.yaml at the new stack")
    p.set_defaults(func=cmd_patch_stack)
