"""Running the trackers through the toolkits for the leaderboard (`siamfc leaderboard`, commands/leaderboard_cli.py);
analysis/ then reads the result files.

- got10k one-pass (OTB style): the peers run in this process (OpenCV, no torch) through
  siamfc_plugin.toolkits.got10k.experiments.run_experiment; SiamFC runs in a child process (`python -m siamfc_plugin eval`
  with the options of its TrackerSpec, siamfc_plugin.backends.spec), so that the analysis process never imports torch.
- VOT baseline (supervised, with re-initialisation): a vot-toolkit workspace written here (sequences as symbolic
  links, trackers.ini, a stack using the vot-toolkit 0.9.0 compat experiment), `vot evaluate` then
  `vot analysis --format json`. Everything VOT goes through the single function `run_vot_baseline`.

Data views: any dataset root (OTB, VOT or GOT-10k layout; detected) is presented to each toolkit as the layout it
reads, as folders of symbolic links (never copies), optionally restricted to some sequences and truncated to the
first N frames (quick runs and tests).
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from siamfc_plugin.backends.spec import TrackerSpec
from siamfc_plugin.common.errors import InputError, ToolkitError

log = logging.getLogger("analysis")

from siamfc_plugin.common.paths import PACKAGE_PARENT as REPO_ROOT  # child processes import this same package
OTB_EXPERIMENT = "OTB"
VOT_EXPERIMENT = "baseline"


@dataclass
class Entry:
    """One leaderboard entry. kind 'siamfc': `spec` (backends/spec.py) gives the `siamfc eval` options and the trax
    tracker's environment; kind 'peer': `peer` names a siamfc_plugin.core.peers entry."""

    name: str
    kind: str
    peer: str | None = None
    spec: TrackerSpec | None = None
    deterministic: bool = True
    # the row's label where it is not the name: published weights are labelled by their source (core/provenance.py)
    label: str | None = None
    # the trax edge's own settings (SIAMFC_POLYGON, SIAMFC_REGION) of a trackers.ini entry: VOT runs only
    edge_env: dict = field(default_factory=dict)

    @property
    def eval_args(self) -> list[str]:
        """`siamfc eval` options of this very spec (the name fixed, so that got10k and VOT agree)."""
        return self.spec.to_args() if self.spec else []

    @property
    def trax_env(self) -> dict[str, str]:
        return {**self.spec.to_env(), **self.edge_env} if self.spec else {"SIAMFC_PEER": self.peer}

    def fingerprint(self) -> dict:
        """What the entry's results depend on (the spec's identity: weights by content, not by path)."""
        return {"kind": self.kind, "peer": self.peer,
                "identity": self.spec.identity() if self.spec else None, **({"edge": self.edge_env}
                                                                              if self.edge_env else {})}


def siamfc_entry(spec: TrackerSpec) -> Entry:
    """SiamFC as the spec describes it, under the spec's name (its default name unless it has one); published
    weights are labelled by their source (core/provenance.py), never as ours."""
    spec = spec.replace(name=spec.label)
    source = spec.source()
    label = f"{source['label']}, preset {spec.preset}" if source else None
    return Entry(name=spec.name, kind="siamfc", spec=spec, deterministic=True, label=label)


def registry_entry(name: str) -> Entry:
    """The SiamFC entry `name` of the plugin's trackers.ini (toolkits/vot/workspace.py writes it; any case), run with
    that entry's settings: its SIAMFC_* variables are the spec (a published net by its name, from the weights
    cache), its trax edge's own (SIAMFC_POLYGON) reach the VOT run. Its row is named by the spec, as the entry is
    (trackers.ini's entries carry their trackers' default names)."""
    from siamfc_plugin.common.errors import ConfigError
    from siamfc_plugin.toolkits.vot.siamfc_trax import EDGE_VARIABLES, resolve_path
    from siamfc_plugin.toolkits.vot.workspace import TRACKERS, published_entries

    entries = TRACKERS + published_entries()
    found = [(entry, env) for entry, _, env in entries if entry.lower() == name.lower()]
    if not found:
        raise ConfigError(f"--tracker {name}: trackers.ini has no SiamFC entry of that name; its entries: "
                          f"{', '.join(entry for entry, _, _ in entries)}")
    entry, env = found[0]
    row = siamfc_entry(TrackerSpec.from_env(env, resolve_path=lambda path: resolve_path(path, env)))
    row.edge_env = {key: env[key] for key in EDGE_VARIABLES if key in env}
    return row


def peer_entry(peer: str) -> Entry:
    from siamfc_plugin.core.peers import is_deterministic

    return Entry(name=peer, kind="peer", peer=peer, deterministic=is_deterministic(peer))


# ---- results of earlier runs ---------------------------------------------------------------------------------------
def stale_trackers(out: str, specs: list[Entry], data: dict) -> list[str]:
    """Trackers whose results in `out` were made with other data or other settings (recorded in
    <out>/leaderboard-runs.json, updated here): their old results must not be reused."""
    record_path = os.path.join(out, "leaderboard-runs.json")
    try:
        with open(record_path) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        record = {}
    stale = []
    for spec in specs:
        fingerprint = json.loads(json.dumps({"data": data, **spec.fingerprint()}, default=str))
        if spec.name in record and record[spec.name] != fingerprint:
            stale.append(spec.name)
        record[spec.name] = fingerprint
    os.makedirs(out, exist_ok=True)
    with open(record_path, "w") as handle:
        json.dump(record, handle, indent=2)
    return stale


def forget_results(out: str, names: list[str]) -> None:
    """Delete these trackers' got10k and VOT results (and reports) under the leaderboard folder."""
    for name in names:
        log.info("settings or data changed since the last run: re-running %s", name)
        for folder in (os.path.join(out, "got10k", "results", OTB_EXPERIMENT, name),
                       os.path.join(out, "got10k", "reports", OTB_EXPERIMENT, name),
                       os.path.join(out, "vot-workspace", "results", name)):
            shutil.rmtree(folder, ignore_errors=True)


# ---- data ----------------------------------------------------------------------------------------------------------
def ensure_synthetic(root: str | None = None) -> str:
    """The embedded synthetic benchmark (siamfc_plugin.data.synthetic, OTB layout), written once under `root`."""
    from siamfc_plugin.data.synthetic import DEFAULT_ROOT, DEMO, write_benchmark

    root = root or DEFAULT_ROOT
    write_benchmark(root, DEMO)
    return root


@dataclass
class ViewSequence:
    name: str
    frames: list[str]
    regions: list[str]  # ground-truth lines as written by the source (rectangles or polygons)
    boxes: np.ndarray  # x,y,w,h (bounding boxes of the regions)
    tags: dict[str, list[str]] = field(default_factory=dict)  # VOT .tag/.label lines


def read_source(root: str, names: list[str] | None = None, max_frames: int | None = None) -> list[ViewSequence]:
    """The sequences of a dataset root in any supported layout, optionally some of them, truncated."""
    from siamfc_plugin.data.readers import detect_layout, read_sequences

    layout = detect_layout(root)
    if names:
        present = [n for n in names if os.path.isdir(os.path.join(root, n))]
        names = present or None  # names of another root: use all of this one
    out = []
    for seq in read_sequences(root, layout, names):
        n = len(seq) if not max_frames else min(len(seq), max_frames)
        tags = {}
        folder = os.path.join(root, seq.name)
        for tag_file in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if tag_file.endswith(".tag"):  # VOT attributes (the synthetic benchmark writes them too)
                with open(os.path.join(folder, tag_file)) as handle:
                    tags[tag_file] = [line.rstrip("\n") for line in handle][:n]
        boxes = seq.boxes[:n]
        # the reader's regions (VOT polygons stay polygons; an unknown frame is written as NaN), else the boxes
        regions = [",".join(f"{v:.2f}" for v in np.asarray(region).reshape(-1)) for region in
                   (seq.regions[:n] if seq.regions is not None else boxes)]
        out.append(ViewSequence(seq.name, list(seq.frames[:n]), regions, boxes, tags))
    return out


def _link(source: str, target: str) -> None:
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(os.path.abspath(source), target)


def write_otb_view(sequences: list[ViewSequence], folder: str) -> str:
    """OTB layout (<seq>/img/0001.jpg + groundtruth_rect.txt) of symbolic links, for got10k's one-pass run."""
    from siamfc_plugin.data.readers import otb_groundtruth_text

    os.makedirs(folder, exist_ok=True)
    for seq in sequences:
        img = os.path.join(folder, seq.name, "img")
        if os.path.isdir(img):
            shutil.rmtree(img)
        os.makedirs(img)
        for i, frame in enumerate(seq.frames, 1):
            _link(frame, os.path.join(img, f"{i:04d}{os.path.splitext(frame)[1].lower()}"))
        with open(os.path.join(folder, seq.name, "groundtruth_rect.txt"), "w") as handle:
            handle.write(otb_groundtruth_text(seq.boxes))
    return folder


def write_vot_sequences(sequences: list[ViewSequence], folder: str) -> list[str]:
    """vot-toolkit sequences (<seq>/sequence, groundtruth.txt, color/%08d.jpg links, *.tag) + list.txt.
    Sequences with frames of unknown ground truth are left out (the supervised experiment needs every frame)."""
    os.makedirs(folder, exist_ok=True)
    written = []
    for seq in sequences:
        if not np.all(np.isfinite(seq.boxes)) or np.any(seq.boxes[:, 2:] <= 0):
            log.warning("VOT workspace: %s left out (frames without a ground-truth box)", seq.name)
            continue
        target = os.path.join(folder, seq.name)
        color = os.path.join(target, "color")
        if os.path.isdir(color):
            shutil.rmtree(color)
        os.makedirs(color)
        ext = os.path.splitext(seq.frames[0])[1].lower()
        for i, frame in enumerate(seq.frames, 1):
            _link(frame, os.path.join(color, f"{i:08d}{ext}"))
        with open(os.path.join(target, "groundtruth.txt"), "w") as handle:
            handle.write("\n".join(seq.regions) + "\n")
        with open(os.path.join(target, "sequence"), "w") as handle:
            handle.write(f"channels.color=color/%08d{ext}\nformat=default\nfps=30\nname={seq.name}\n")
        for tag_file, lines in seq.tags.items():
            with open(os.path.join(target, tag_file), "w") as handle:
                handle.write("\n".join(lines) + "\n")
        written.append(seq.name)
    with open(os.path.join(folder, "list.txt"), "w") as handle:
        handle.write("\n".join(written) + "\n")
    return written


# ---- got10k --------------------------------------------------------------------------------------------------------
# Progress of the long phases (tqdm on stderr), from the lines the toolkits print as they go: got10k prints
# "--Sequence i/n" as it starts a sequence, vot-toolkit "NN %" as a tracker's share of its runs is done.
GOT10K_SEQUENCE = re.compile(r"--Sequence (\d+)/(\d+)")


def _streamed(command: list[str], on_line, env: dict | None = None) -> tuple[int, str]:
    """Run a command, call on_line(line) for each output line; (exit status, all output)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO_ROOT,
                               env=env, errors="replace")
    lines = []
    for line in process.stdout:
        lines.append(line)
        on_line(line)
    process.wait()
    return process.returncode, "".join(lines)


def _got10k_progress(bar):
    def on_line(line: str) -> None:
        match = GOT10K_SEQUENCE.search(line)
        if match:  # a sequence starts: the ones before it are done
            bar.update(int(match.group(1)) - 1 - bar.n)
    return on_line


GOT10K_SEQUENCE = re.compile(r"--Sequence (\d+)/(\d+)")
def _count_sequences(root: str) -> int:
    return sum(1 for e in os.listdir(root) if os.path.isdir(os.path.join(root, e)))


def run_got10k(specs: list[Entry], otb_root: str, out_dir: str, overwrite: bool = False) -> dict[str, dict]:
    """One-pass OTB-style evaluation of every tracker; returns {name: summary} (got10k's headline numbers)."""
    from siamfc_plugin.common import progress

    summaries = {}
    for spec in specs:
        log.info("got10k one-pass: %s on %s", spec.name, otb_root)
        if spec.kind == "siamfc":
            command = [sys.executable, "-m", "siamfc_plugin", "eval", "--dataset", "otb", "--root", otb_root,
                       "--out", out_dir, "--json", *spec.eval_args] + (["--overwrite"] if overwrite else [])
            with progress.bar(_count_sequences(otb_root), desc=f"got10k {spec.name}", unit="seq") as bar:
                code, output = _streamed(command, _got10k_progress(bar))
                bar.update(bar.total - bar.n)
            if code != 0:
                raise child_failure(command, code, output)
            summaries[spec.name] = json.loads(output.strip().splitlines()[-1])
        else:
            from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
            from siamfc_plugin.toolkits.got10k.experiments import run_experiment
            from siamfc_plugin.core.peers import make_peer

            tracker = Got10kTracker(make_peer(spec.peer), name=spec.name, is_deterministic=spec.deterministic)
            summary = run_experiment(tracker, "otb", otb_root, out_dir, overwrite=overwrite)
            summaries[spec.name] = {k: v for k, v in summary.items() if k != "report_files"}
    return summaries


def child_failure(command: list[str], code: int, output: str) -> Exception:
    """The error of a failed child `siamfc` run: its own one-line error (exit status 2: a user error, such as a
    damaged results file, named by the child) as a ToolkitError; anything else (a crash) as a RuntimeError with
    the end of its output, which `siamfc` shows as an internal error."""
    errors = [line.split(": error: ", 1)[1] for line in output.splitlines()
              if line.startswith("siamfc ") and ": error: " in line]
    if code == 2 and errors:
        return ToolkitError(f"`siamfc {command[3]}` of the leaderboard stopped: {errors[-1]}")
    return RuntimeError(f"`{' '.join(command)}` failed ({code}):\n{output[-3000:]}")


# ---- VOT -----------------------------------------------------------------------------------------------------------
COMPAT_SUPERVISED = "siamfc_plugin.toolkits.vot.compat.Supervised"


def leaderboard_stack(repetitions: int, low: int, high: int) -> str:
    """The plugin's VOT2015-style baseline stack (siamfc_plugin.toolkits.vot.workspace), with the leaderboard's repetitions
    and an EAO interval that fits the sequences at hand."""
    import yaml

    from siamfc_plugin.toolkits.vot.workspace import STACKS

    stack = yaml.safe_load(STACKS["baseline"])
    experiment = next(iter(stack["experiments"].values()))
    experiment["type"] = COMPAT_SUPERVISED
    experiment["repetitions"] = repetitions
    for analysis in experiment["analyses"]:
        if analysis["type"] == "supervised_eao_score":
            analysis["low"], analysis["high"] = low, high
    stack["title"] = "SiamFC leaderboard, VOT2015-style baseline (supervised, re-initialisation)"
    stack["experiments"] = {VOT_EXPERIMENT: experiment}
    return yaml.safe_dump(stack, sort_keys=False)


def trackers_ini(specs: list[Entry]) -> str:
    """trackers.ini entries: SiamFC through siamfc_plugin.toolkits.vot.siamfc_trax, peers through
    siamfc_plugin.toolkits.vot.peers_trax."""
    blocks = []
    for spec in specs:
        module = ("siamfc_plugin.toolkits.vot.siamfc_trax" if spec.kind == "siamfc"
                  else "siamfc_plugin.toolkits.vot.peers_trax")
        lines = [f"[{spec.name}]", f"label = {spec.label or spec.name}", "protocol = traxpython", f"command = {module}",
                 f"paths = {REPO_ROOT}", f"timeout = {120 if spec.kind == 'siamfc' else 60}"]
        lines += [f"env_{k} = {v}" for k, v in spec.trax_env.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def prepare_vot_workspace(workspace: str, specs: list[Entry], sequences: list[ViewSequence],
                          repetitions: int = 1) -> dict:
    """Write config.yaml, trackers.ini, stack.yaml and sequences/ (links); returns the stack settings."""
    from analysis.measures import eao_interval

    os.makedirs(workspace, exist_ok=True)
    names = write_vot_sequences(sequences, os.path.join(workspace, "sequences"))
    if not names:
        raise InputError("no sequence can be used for the VOT baseline (every one lacks ground truth somewhere)")
    lengths = [len(s.frames) for s in sequences if s.name in names]
    low, high = eao_interval(lengths)
    settings = {"experiment": VOT_EXPERIMENT, "experiment_type": COMPAT_SUPERVISED, "repetitions": repetitions,
                "low": low, "high": high}
    with open(os.path.join(workspace, "stack.yaml"), "w") as handle:
        handle.write(leaderboard_stack(repetitions, low, high))
    with open(os.path.join(workspace, "trackers.ini"), "w") as handle:
        handle.write(trackers_ini(specs))
    with open(os.path.join(workspace, "config.yaml"), "w") as handle:
        handle.write("registry:\n- ./trackers.ini\nstack: ./stack.yaml\n")
    return settings


def run_vot_baseline(workspace: str, specs: list[Entry], sequences: list[ViewSequence],
                     repetitions: int = 1, overwrite: bool = False) -> str:
    """THE VOT step of the leaderboard: prepare the workspace, `vot evaluate`, check that every tracker has results
    for every sequence, `vot analysis --format json`; returns the analysis JSON path.

    (Single entry point on purpose: it can be re-wired to the `siamfc vot prepare/evaluate` functions of
    siamfc_plugin.toolkits.vot without touching the leaderboard.)
    """
    import importlib.util

    if importlib.util.find_spec("siamfc_plugin.toolkits.vot.compat") is None:
        raise RuntimeError("the VOT baseline needs siamfc_plugin.toolkits.vot.compat "
                           "(vot-toolkit 0.9.0 compat experiments)")
    prepare_vot_workspace(workspace, specs, sequences, repetitions)
    names = [spec.name for spec in specs]
    if overwrite:
        for name in names:
            shutil.rmtree(os.path.join(workspace, "results", name, VOT_EXPERIMENT), ignore_errors=True)
    env = dict(os.environ, VOT_PERSISTENT_CACHE="0", PYTHONUNBUFFERED="1",
               PYTHONPATH=os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH")) if p))
    from siamfc_plugin.toolkits.vot.progress import EvaluationProgress, Run

    from siamfc_plugin.common.speed_record import load_average
    from siamfc_plugin.toolkits.vot.workspace import record_speeds

    shown = EvaluationProgress([Run(name, VOT_EXPERIMENT, _listed(workspace), repetitions) for name in names])
    load_at_start, started = load_average(), time.time()
    try:
        code, evaluate = _streamed([sys.executable, "-m", "vot", "evaluate", "--workspace", workspace, *names],
                                   shown, env)
    finally:
        shown.close()
    if code != 0:
        raise ToolkitError(f"vot evaluate failed ({code}):\n{evaluate[-4000:]}")
    missing = _missing_results(workspace, names, repetitions)
    if missing:
        raise ToolkitError("vot evaluate left no results for " + ", ".join(missing) +
                           f"\n--- vot output (tail) ---\n{evaluate[-4000:]}")
    record_speeds(workspace, names, load_at_start, started)
    shutil.rmtree(os.path.join(workspace, "cache"), ignore_errors=True)  # never a stale analysis cache
    _vot(["analysis", "--workspace", workspace, "--format", "json", "--name", "leaderboard", *names], env)
    path = os.path.join(workspace, "analysis", "leaderboard.json")
    if not os.path.isfile(path):
        raise ToolkitError(f"vot analysis wrote no {path}")
    return path


def _vot(arguments: list[str], env: dict) -> str:
    command = [sys.executable, "-m", "vot", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise ToolkitError(f"vot {arguments[0]} failed ({done.returncode}):\n{output[-4000:]}")
    return output


def _listed(workspace: str) -> list[str]:
    with open(os.path.join(workspace, "sequences", "list.txt")) as handle:
        return [line.strip() for line in handle if line.strip()]


def _missing_results(workspace: str, names: list[str], repetitions: int) -> list[str]:
    sequences = _listed(workspace)
    missing = []
    for name in names:
        for seq in sequences:
            folder = os.path.join(workspace, "results", name, VOT_EXPERIMENT, seq)
            first = [os.path.join(folder, f"{seq}_001{ext}") for ext in (".bin", ".txt")]
            if not any(os.path.isfile(p) for p in first):
                missing.append(f"{name}/{seq}")
    return missing
