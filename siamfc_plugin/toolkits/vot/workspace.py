"""VOT workspaces: fill sequences/ from OTB, VOT or GOT-10k folders (or the synthetic generator), write the stacks and
trackers.ini the plugin ships, rewrite stock stacks to the compat experiments, read results and analyses back.

Everything here writes plain files; the toolkit itself is driven by siamfc_plugin.commands.vot (`python -m vot ...`).
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field

import numpy as np

from ...common.atomic import write_text
from ...common.paths import PACKAGE_PARENT
from ...common.errors import FrameReadError, InputError, InputNotFoundError, SiamFCError, UsageError


class VotError(SiamFCError):
    """A workspace or a toolkit run is not what it should be (the message says what and where)."""

# beside the package: present in a checkout, absent from an installed copy (callers say what to pass instead)
REPO_TRACKERS_INI = os.path.join(PACKAGE_PARENT, "trackers.ini")

# ---- stacks --------------------------------------------------------------------------------------------------------
# The committed workspace/stacks/*.yaml are exactly these texts (tests/test_vot.py checks it); `siamfc vot prepare`
# writes them into any new workspace, so they work from a pip install too.
STACKS = {
    "baseline": """\
# VOT2015-style baseline: supervised experiment, re-initialisation 5 frames after a failure (overlap 0).
# vot-toolkit 0.9.0's stock `supervised` experiment crashes with every tracker; the compat class keeps its behaviour.
# repetitions 15 as in VOT2015: the toolkit stops after 3 identical runs (a deterministic tracker such as SiamFC).
# EAO interval 108-371 is VOT2015's (from its sequence lengths); for other data choose one inside your lengths.
title: SiamFC VOT2015-style baseline (supervised, re-initialisation)
experiments:
  baseline:
    type: siamfc_plugin.toolkits.vot.compat.Supervised
    repetitions: 15
    skip_initialize: 5
    analyses:
      - type: supervised_ar
        sensitivity: 30
      - type: supervised_average_ar
        sensitivity: 30
      - type: cumulative_failures
      - type: supervised_eao_score
        low: 108
        high: 371
      - type: supervised_eao_curve
""",
    "unsupervised": """\
# Unsupervised (one-pass, no re-initialisation): average overlap and success plot, as in VOT2017's unsupervised.
title: SiamFC unsupervised (one pass)
experiments:
  unsupervised:
    type: siamfc_plugin.toolkits.vot.compat.Unsupervised
    repetitions: 1
    analyses:
      - type: average_accuracy
      - type: success_plot
      - type: average_success_plot
""",
    "realtime": """\
# Realtime (VOT2017 style): the supervised baseline, but a frame arrives every 1/fps s (fps of the sequence file);
# when the tracker is still busy the previous answer stands for the frames it missed (grace: first 3 frames free).
title: SiamFC realtime (supervised, frames at the sequence's frame rate)
experiments:
  realtime:
    type: siamfc_plugin.toolkits.vot.compat.Supervised
    realtime:
      grace: 3
    repetitions: 1
    skip_initialize: 5
    analyses:
      - type: supervised_average_ar
        sensitivity: 30
      - type: cumulative_failures
      - type: supervised_eao_score
        low: 108
        high: 371
      - type: supervised_eao_curve
""",
}
DEFAULT_STACK = "baseline"

WORKSPACE_CONFIG = """\
# VOT toolkit workspace of the siamfc plugin. Fill sequences/ with `siamfc vot prepare --from DATASET` or
# `siamfc vot prepare --synthetic`, then `siamfc vot evaluate SiamFC-3s` (see docs/vot.md).
registry:
  - {registry}
stack: {stack}
"""


def stack_path(name: str) -> str:
    return f"stacks/{name}.yaml"


# ---- trackers.ini --------------------------------------------------------------------------------------------------
TRACKERS = [
    ("SiamFC-3s", "SiamFC (3 scales)", {"SIAMFC_PRESET": "siamfc-3s"}),
    ("SiamFC-5s", "SiamFC (5 scales)", {"SIAMFC_PRESET": "siamfc-5s"}),
    ("SiamFC-3s-random", "SiamFC random weights (a baseline, not a tracker)",
     {"SIAMFC_PRESET": "siamfc-3s", "SIAMFC_RANDOM_WEIGHTS": "1"}),
    ("SiamFC-3s-mask", "SiamFC (3 scales), boxes filled as masks (for stacks that score masks, VOTS)",
     {"SIAMFC_PRESET": "siamfc-3s", "SIAMFC_REGION": "mask"}),
]


# Published SiamFC weights (docs/model.md, "Published weights"), each run with its source tracker's preset and
# labelled by its source, never as this plugin's model. Each entry is named as got10k names the same tracker's
# results (its default name: one row per net on a page), and SIAMFC_CHECKPOINT names the net, which `siamfc weights
# get NAME` puts in the per-user weights cache (core/published.py); a net not fetched yet stops the entry with that
# command. got-10k/siamfc publishes no net: its entry reads the file you trained (published/ is .gitignored).
GOT10K_FILE = "got10k_siamfc_model.pth"


def published_entries() -> list[tuple[str, str, dict]]:
    """(name, label, SIAMFC_* variables) of the published nets' entries (built when asked: `siamfc vot --help`
    imports this module and should not import the catalogue)."""
    from ...core.provenance import GOT10K_FORMAT, SOURCE_PRESET, identifier_for, label_for
    from ...core.published import PUBLISHED_NETS

    authors, gray, pytorch = PUBLISHED_NETS
    matconvnet = {"SIAMFC_POLYGON": "matconvnet"}
    return [
        (authors.name, authors.label,
         {"SIAMFC_PRESET": authors.preset, **matconvnet, "SIAMFC_CHECKPOINT": authors.name}),
        (f"{authors.name}-siamfc-matconvnet-5s", f"{authors.label}, 5 scales (params-5s.txt)",
         {"SIAMFC_PRESET": "siamfc-matconvnet-5s", **matconvnet, "SIAMFC_CHECKPOINT": authors.name}),
        (gray.name, gray.label, {"SIAMFC_PRESET": gray.preset, **matconvnet, "SIAMFC_CHECKPOINT": gray.name}),
        (pytorch.name, pytorch.label, {"SIAMFC_PRESET": pytorch.preset, "SIAMFC_CHECKPOINT": pytorch.name}),
        (identifier_for(GOT10K_FORMAT, GOT10K_FILE), label_for(GOT10K_FORMAT, GOT10K_FILE),
         {"SIAMFC_PRESET": SOURCE_PRESET[GOT10K_FORMAT], "SIAMFC_CHECKPOINT": f"published/{GOT10K_FILE}"}),
    ]


PEERS = (
    ("MIL", "OpenCV MIL"),
    ("KCF", "OpenCV KCF (no failure threshold; needs opencv-contrib-python)"),
    ("CSRT", "OpenCV CSRT (needs opencv-contrib-python)"),
    ("Static", "Static box (the initial box on every frame; a floor, not a tracker)"),
)


def _siamfc_entry(name: str, label: str, env: dict, paths: str | None) -> list[str]:
    """One trackers.ini entry of the SiamFC trax tracker."""
    lines = [f"[{name}]", f"label = {label}", "protocol = traxpython", "command = siamfc_plugin.toolkits.vot.siamfc_trax"]
    if paths is not None:
        lines.append(f"paths = {paths}")
    return lines + ["timeout = 120"] + [f"env_{k} = {v}" for k, v in env.items()] + [""]


def trackers_ini_text(paths: str | None = ".") -> str:
    """The plugin's trackers.ini. `paths` (relative to the ini) is where the package lives when it is not installed;
    None leaves it out (the package is then imported from the interpreter's site-packages)."""
    lines = [
        "# VOT toolkit tracker registry of the siamfc plugin (vot-toolkit 0.9.0, vot-trax 4).",
        "# Parameters reach the trax process as environment variables: see siamfc_plugin/toolkits/vot/siamfc_trax.py.",
        "# SIAMFC_CHECKPOINT (relative: to this file's folder) selects a model; unset = the model shipped in the",
        "# package (siamfc_plugin/models/). A model of your own: add e.g. env_SIAMFC_CHECKPOINT = runs/x/best.pth.",
        "",
    ]
    for name, label, env in TRACKERS:
        lines += _siamfc_entry(name, label, env, paths)
    lines += [
        "# One entry per further shipped model, e.g. once siamfc_plugin/models/siamfc_alexnet.pth exists:",
        "# [SiamFC-3s-alexnet]",
        "# label = SiamFC AlexNet (3 scales)",
        "# protocol = traxpython",
        "# command = siamfc_plugin.toolkits.vot.siamfc_trax",
        "# paths = .",
        "# timeout = 120",
        "# env_SIAMFC_PRESET = siamfc-3s",
        "# env_SIAMFC_ARCH = alexnet",
        "",
        "# Published SiamFC weights, run as their authors' trackers run them (docs/model.md, \"Published weights\"),",
        "# each entry named as got10k names its results. `siamfc weights get NAME` fetches a net into the per-user cache,",
        "# where env_SIAMFC_CHECKPOINT = NAME finds it; a path to a file of your own works too (converted on the fly).",
        "",
    ]
    for name, label, env in published_entries():
        lines += _siamfc_entry(name, label, env, paths)
    lines += [
        "# Peer trackers (analysis/ leaderboards): OpenCV trackers and a static-box baseline behind one trax entry,",
        "# `python -m siamfc_plugin.toolkits.vot.peers_trax`, the peer chosen by SIAMFC_PEER. They start in well under a second",
        "# (no torch). KCF and CSRT need opencv-contrib-python in place of opencv-python (docs/leaderboards.md).",
        "",
    ]
    for name, label in PEERS:
        lines += [f"[{name}]", f"label = {label}", "protocol = traxpython",
                  "command = siamfc_plugin.toolkits.vot.peers_trax"]
        if paths is not None:
            lines.append(f"paths = {paths}")
        lines += ["timeout = 60", f"env_SIAMFC_PEER = {name}", ""]
    return "\n".join(lines)


# ---- workspace setup -----------------------------------------------------------------------------------------------
def init_workspace(workspace: str, stack: str = DEFAULT_STACK) -> list[str]:
    """Create config.yaml, stacks/ and (when the repository's trackers.ini is not reachable) trackers.ini in
    `workspace`; files that exist are kept, and a trackers.ini already in the workspace (a maintainer's own) is
    the registry config.yaml names. Returns the files written."""
    written = []
    os.makedirs(workspace, exist_ok=True)
    for name, text in STACKS.items():
        path = os.path.join(workspace, stack_path(name))
        if not os.path.isfile(path):
            write_text(path, text)
            written.append(path)
    config = os.path.join(workspace, "config.yaml")
    if not os.path.isfile(config):
        if os.path.isfile(os.path.join(workspace, "trackers.ini")):  # the maintainer's own registry: use it
            registry = "./trackers.ini"
        elif os.path.isfile(REPO_TRACKERS_INI):
            registry = _relative_or_absolute(REPO_TRACKERS_INI, workspace)
        else:
            registry = "./trackers.ini"
            local = os.path.join(workspace, "trackers.ini")
            if not os.path.isfile(local):
                write_text(local, trackers_ini_text(paths=None))
                written.append(local)
        stack_ref = stack_path(stack) if stack in STACKS else stack
        write_text(config, WORKSPACE_CONFIG.format(registry=registry, stack=stack_ref))
        written.append(config)
    return written


def _relative_or_absolute(path: str, start: str) -> str:
    try:
        rel = os.path.relpath(path, os.path.abspath(start))
    except ValueError:  # another drive (Windows)
        return os.path.abspath(path)
    return rel if not rel.startswith(".." + os.sep + "..") else os.path.abspath(path)


def read_config(workspace: str) -> dict:
    import yaml

    path = os.path.join(workspace, "config.yaml")
    if not os.path.isfile(path):
        raise InputNotFoundError(f"{workspace} is not a VOT workspace (no config.yaml); "
                                "create one with `siamfc vot prepare --workspace DIR ...`")
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def set_stack(workspace: str, stack: str) -> str:
    """Point config.yaml at `stack` (a name of STACKS, a file in the workspace, or a toolkit stack name)."""
    import yaml

    config = read_config(workspace)
    if stack in STACKS and os.path.isfile(os.path.join(workspace, stack_path(stack))):
        stack = stack_path(stack)
    config["stack"] = stack
    header = "".join(line for line in open(os.path.join(workspace, "config.yaml")) if line.startswith("#"))
    write_text(os.path.join(workspace, "config.yaml"), header + yaml.safe_dump(config, sort_keys=False))
    return stack


# The VOTS analyses, as vot-toolkit's own VOTS test stack (stack/tests/multiobject.yaml) lists them; the stock
# VOTS2023-2026 stacks name none, so `vot analysis` would compute nothing for them.
VOTS_ANALYSES = (
    {"type": "average_accuracy", "name": "Quality", "burnin": 0, "ignore_unknown": False, "weighted": False},
    {"type": "average_success_plot", "name": "Quality plot", "burnin": 0, "ignore_unknown": False},
    {"type": "longterm_ar", "name": "AR"},
    {"type": "average_quality_auxiliary", "name": "Auxiliary"},
)


def write_stack_note(workspace: str, analysis_json: str) -> str | None:
    """Beside an analysis JSON (which names no stack), `<name>.stack.txt`: the stack the workspace pointed at
    (`stack: ...`, `title: ...`, `source: <stock name>` for a patched stock stack), so that the leaderboard can use
    the stack's own name. None when the stack cannot be read."""
    import yaml
    from vot.stack import resolve_stack

    try:
        reference = str(read_config(workspace).get("stack", ""))
        path = resolve_stack(reference, workspace)
        with open(path) as handle:
            text = handle.read()
        data = yaml.safe_load(text) or {}
    except (OSError, TypeError, yaml.YAMLError, FileNotFoundError):
        return None
    source = re.match(r"# (\S+) with the experiments vot-toolkit", text)
    lines = [f"stack: {reference}", f"title: {str(data.get('title', '')).strip()}"]
    if source:
        lines.append(f"source: {source.group(1)}")
    note = os.path.splitext(analysis_json)[0] + ".stack.txt"
    write_text(note, "\n".join(lines) + "\n")
    return note


def is_stock_stack(workspace: str, stack: str) -> bool:
    """True for a name of a stack the toolkit ships (vot2017, vot2022/longterm, vots2023, ...) that is not also a
    stack of the plugin or a file in the workspace."""
    from vot.stack import resolve_stack

    if stack in STACKS or os.path.isabs(stack) or os.path.isfile(os.path.join(workspace, stack)):
        return False
    return resolve_stack(stack) is not None


def patch_stack(stack: str, workspace: str, out_name: str | None = None, point_config: bool = True) -> str:
    """Copy a stack (a toolkit stack name such as vot2017 or vot2020/shortterm, or a file) into the workspace with
    the experiment types the toolkit 0.9.0 cannot run replaced by the compat classes; return the new file's path."""
    import yaml
    from vot.stack import resolve_stack

    from .compat import REPLACEMENTS, TRANSFORMER_REPLACEMENTS

    source = resolve_stack(stack, workspace)
    if source is None:
        raise InputNotFoundError(f"stack {stack!r} is neither a toolkit stack nor a file in {workspace}")
    with open(source) as handle:
        data = yaml.safe_load(handle)
    replaced = []
    out_name = out_name or re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.splitext(stack)[0].strip("./")) + "_compat.yaml"
    out = os.path.join(workspace, out_name)
    # Stock stacks all call their main experiment `baseline`; results go to results/<tracker>/<experiment>/, so the
    # VOT2015 (supervised) and VOT2020 (multistart) stacks in one workspace would mix their results. An experiment
    # whose name another stack of the workspace uses for another kind of experiment is renamed <stack>_<name>.
    others = experiments_of_other_stacks(workspace, out)
    prefix = re.sub(r"[^A-Za-z0-9]+", "", stack.split("/")[0].split(".")[0]) or "stack"
    experiments = {}
    for name, experiment in (data.get("experiments") or {}).items():
        kind = experiment.get("type")
        if kind in REPLACEMENTS:
            experiment["type"] = REPLACEMENTS[kind]
            replaced.append(f"{name}: {kind} -> {REPLACEMENTS[kind]}")
        for transformer in experiment.get("transformers") or []:
            if transformer.get("type") in TRANSFORMER_REPLACEMENTS:
                replaced.append(f"{name}: transformer {transformer['type']} -> "
                                f"{TRANSFORMER_REPLACEMENTS[transformer['type']]} (uses its `length`)")
                transformer["type"] = TRANSFORMER_REPLACEMENTS[transformer["type"]]
        if experiment.get("multiobject") and not experiment.get("analyses"):
            experiment["analyses"] = [dict(a) for a in VOTS_ANALYSES]
            replaced.append(f"{name}: no analyses in the stock stack; added VOTS's (quality, quality plot, "
                            "long-term AR, auxiliary), as the toolkit's own VOTS test stack lists them")
        clashes = [f for f, other in others.get(name, []) if other != experiment.get("type")]
        if clashes:
            renamed = f"{prefix}_{name}"
            replaced.append(f"experiment {name} renamed {renamed}: {', '.join(clashes)} already has another "
                            f"experiment called {name} (results/<tracker>/{name}/ would mix)")
            name = renamed
        experiments[name] = experiment
    data["experiments"] = experiments
    header = (f"# {stack} with the experiments vot-toolkit 0.9.0 cannot run replaced by siamfc_plugin.toolkits.vot.compat\n"
              + "".join(f"#   {r}\n" for r in replaced))
    write_text(out, header + yaml.safe_dump(data, sort_keys=False))
    if point_config:
        set_stack(workspace, out_name)
    return out


def experiments_of_other_stacks(workspace: str, but: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """{experiment name: [(stack file, experiment type)]} of the stack files in the workspace (top level and
    stacks/), except `but`."""
    import yaml

    found: dict[str, list[str]] = {}
    for path in sorted(glob.glob(os.path.join(workspace, "*.yaml")) + glob.glob(os.path.join(workspace, "stacks",
                                                                                               "*.yaml"))):
        if os.path.basename(path) == "config.yaml" or (but and os.path.abspath(path) == os.path.abspath(but)):
            continue
        try:
            with open(path) as handle:
                data = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and isinstance(data.get("experiments"), dict):
            for name, experiment in data["experiments"].items():
                kind = (experiment or {}).get("type") if isinstance(experiment, dict) else None
                found.setdefault(name, []).append((os.path.relpath(path, workspace), kind))
    return found


# ---- sequences -----------------------------------------------------------------------------------------------------
@dataclass
class PreparedSequence:
    name: str
    frames: int
    source: str
    anchors_written: bool = False  # anchor.value placed here (the source had none)
    dropped: tuple = ()  # source frame numbers left out (no frame file, --missing-frames drop)
    layout: str = ""  # the layout the source sequence was read as (otb, vot, vot-legacy, got10k, synthetic)
    groundtruth: dict = field(default_factory=dict)  # the reader's counts of the lines covered (_counts)


def _place(src: str, dst: str) -> None:
    """Hard link when possible (same file system: no copy), else copy."""
    if os.path.exists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _format_box(box) -> str:
    if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        return "nan,nan,nan,nan"
    return ",".join(f"{float(v):.4f}".rstrip("0").rstrip(".") for v in box)


def write_sequence(folder: str, name: str, frames: list[str], groundtruth_lines: list[str],
                   fps: int = 30, tags: dict[str, list[str]] | None = None,
                   values: dict[str, list[str]] | None = None) -> PreparedSequence:
    """One vot-toolkit sequence: `sequence`, color/%08d.<ext>, groundtruth.txt, <tag>.tag, <value>.value."""
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    color = os.path.join(folder, "color")
    os.makedirs(color)
    extensions = {os.path.splitext(f)[1].lower() for f in frames}
    ext = extensions.pop() if len(extensions) == 1 else ".jpg"
    ext = ".jpg" if ext == ".jpeg" else ext
    if ext not in (".jpg", ".png"):
        ext = ".png"
    for index, src in enumerate(frames, 1):
        dst = os.path.join(color, f"{index:08d}{ext}")
        if os.path.splitext(src)[1].lower() in (ext, ".jpeg" if ext == ".jpg" else ext):
            _place(src, dst)
        else:  # another format (bmp, mixed): convert
            import cv2

            image = cv2.imread(src, cv2.IMREAD_UNCHANGED)
            if image is None:
                raise FrameReadError(f"cannot read frame {src} (OpenCV cannot decode it)")
            cv2.imwrite(dst, image)
    write_text(os.path.join(folder, "groundtruth.txt"), "\n".join(groundtruth_lines) + "\n")
    write_text(os.path.join(folder, "sequence"),
               f"channels.color=color/%08d{ext}\nformat=default\nfps={fps}\nname={name}\n")
    for tag, lines in (tags or {}).items():
        write_text(os.path.join(folder, f"{tag}.tag"), "\n".join(lines) + "\n")
    for value, lines in (values or {}).items():
        write_text(os.path.join(folder, f"{value}.value"), "\n".join(lines) + "\n")
    return PreparedSequence(name, len(frames), folder)


def _read_lines(path: str) -> list[str]:
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip()]


def _vot_metadata(folder: str) -> dict[str, str]:
    from ...formats.sequences import read_properties

    return read_properties(os.path.join(folder, "sequence"))


def _copy_vot_sequence(src: str, dst: str, name: str, max_frames: int | None,
                       missing_frames: str = "error") -> PreparedSequence:
    """A VOT sequence, read by the plugin's one reader (every line a region or an absence, frames paired by number),
    is copied as it is (polygons stay polygons, each kept line as written), cut to max_frames. A line without its
    frame is a MissingFrameError, or with missing_frames='drop' that line, its tags and values are left out and
    every other frame keeps its own line."""
    from ...data.readers import read_vot_sequence
    from ...formats.lines import read_lines as _source_lines

    seq = read_vot_sequence(src, missing_frames)
    keep = [i for i, line in enumerate(seq.line_numbers) if not max_frames or line <= max_frames]
    lines = _source_lines(seq.groundtruth)

    def pick(path: str) -> list[str]:  # a tag or value file may be shorter (vot-toolkit pads it): keep what is there
        rows = _source_lines(path)
        return [rows[seq.line_numbers[i] - 1].strip() for i in keep if seq.line_numbers[i] <= len(rows)]

    tags = {os.path.splitext(os.path.basename(p))[0]: pick(p)
            for p in glob.glob(os.path.join(src, "*.tag")) + glob.glob(os.path.join(src, "*.label"))}
    values = {os.path.splitext(os.path.basename(p))[0]: pick(p) for p in glob.glob(os.path.join(src, "*.value"))}
    try:
        fps = int(float(_vot_metadata(src).get("fps", 30)))
    except ValueError:
        fps = 30
    prepared = write_sequence(dst, name, [seq.frames[i] for i in keep],
                              [lines[seq.line_numbers[i] - 1].strip() for i in keep], fps=fps, tags=tags,
                              values=values)
    prepared.dropped = tuple(f for f in seq.dropped_frames if not max_frames or f - seq.start + 1 <= max_frames)
    prepared.groundtruth = _counts(seq, max_frames)
    return prepared


def _counts(seq, max_frames: int | None = None) -> dict:
    """The reader's counts (docs/datasets.md) over the ground-truth lines a prepared sequence covers (the first
    max_frames): lines, absent (documented absences among the kept frames), refused, dropped (no frame file),
    unannotated (frame files an official folder holds without a line)."""
    covered = [i for i, line in enumerate(seq.line_numbers) if not max_frames or line <= max_frames]
    lines = min(seq.lines, max_frames) if max_frames else seq.lines
    return {"lines": lines, "absent": int(sum(1 for i in covered if not seq.visible[i])),
            "refused": len(seq.refused), "dropped": lines - len(covered),
            "unannotated": len(seq.unannotated_frames)}


def _convert_sequence(seq, dst: str, max_frames: int | None) -> PreparedSequence:
    """An OTB / GOT-10k sequence (x,y,w,h boxes; NaN or invisible rows become nan lines = no annotation)."""
    n = len(seq) if not max_frames else min(len(seq), max_frames)
    boxes = np.array(seq.boxes[:n], dtype=np.float64)
    visible = np.asarray(seq.visible[:n], dtype=bool)
    lines = [_format_box(box) if vis else "nan,nan,nan,nan" for box, vis in zip(boxes, visible)]
    tags = {}
    for key, values in (seq.attributes or {}).items():
        values = np.asarray(values).reshape(-1)[:n]
        if key in ("absence", "cut_by_image") and values.size:
            tags[key] = [str(int(v != 0)) for v in values]
    prepared = write_sequence(dst, seq.name, list(seq.frames[:n]), lines, tags=tags)
    last = seq.line_numbers[n - 1] if n else 0  # the source line of the last frame kept
    prepared.dropped = tuple(f for f in seq.dropped_frames if not max_frames or f - seq.start + 1 <= last)
    prepared.groundtruth = _counts(seq, last if max_frames else None)
    return prepared


# VOT2020's multistart experiment starts the tracker at anchor frames (anchor.value: 1 forward, -1 backward, 0 none).
# The VOT2020 sequences ship them; for others we place them as VOT2020 describes: about every 50 frames, each run in
# the direction that leaves the longer part of the sequence, on frames whose ground truth is known.
ANCHOR_SPACING = 50


def vot2020_anchors(known: list[bool], spacing: int = ANCHOR_SPACING) -> list[int]:
    """anchor.value per frame: frame 0 and every `spacing` frames after it (moved to the next frame with known
    ground truth), 1 (forward) where more frames follow than precede the anchor, else -1 (backward)."""
    n = len(known)
    values = [0] * n
    for start in range(0, n, max(1, spacing)):
        frame = next((f for f in range(start, min(n, start + spacing)) if known[f]), None)
        if frame is not None:
            values[frame] = 1 if n - frame >= frame + 1 else -1
    return values


def write_anchors(folder: str, spacing: int = ANCHOR_SPACING) -> bool:
    """Write anchor.value into a prepared sequence that has none; True when written."""
    path = os.path.join(folder, "anchor.value")
    if os.path.isfile(path):
        return False
    from ...formats.lines import read_groundtruth

    kinds = read_groundtruth(os.path.join(folder, "groundtruth.txt"), "vot", strict=False).kinds
    known = [kind in ("box", "polygon") for kind in kinds]
    write_text(path, "\n".join(str(v) for v in vot2020_anchors(known, spacing)) + "\n")
    return True


def prepare_sequences(workspace: str, source: str | None = None, synthetic: bool = False, layout: str | None = None,
                      count: int | None = None, names: list[str] | None = None, max_frames: int | None = None,
                      synthetic_frames: int = 80, seed: int = 0, overwrite: bool = False,
                      anchor_spacing: int = ANCHOR_SPACING, missing_frames: str = "error",
                      add: bool = False) -> list[PreparedSequence]:
    """Fill <workspace>/sequences (list.txt + one folder per sequence) from a dataset folder or the generator.
    Sequences without anchor.value get VOT2020-style anchors (vot2020_anchors), so that multistart stacks run.
    add: put the new sequences beside those already prepared (a second source); a name already there is refused."""
    target = os.path.join(workspace, "sequences")
    listed = os.path.join(target, "list.txt")  # the workspace's list (never the source's)
    existing = _read_lines(listed) if os.path.isfile(listed) else []
    if add and overwrite:
        raise UsageError("give one of --add (keep the prepared sequences, add these) or --overwrite (replace them)")
    if os.path.isfile(listed) and not (overwrite or add):
        raise VotError(f"{target} is already prepared (list.txt exists); pass --add to add these sequences beside "
                       "it, or --overwrite to replace it (results of the old sequences stay in results/: delete "
                       "them if names are reused)")
    if (source is None) == (not synthetic):
        raise UsageError("give exactly one of a source folder (--from) or --synthetic")
    if source is not None and not os.path.isdir(source):
        raise InputNotFoundError(f"dataset folder not found: {source}")

    os.makedirs(workspace, exist_ok=True)
    from ...data.readers import detect_layout, detect_sequence_layout, read_sequences

    staging = tempfile.mkdtemp(prefix=".sequences-", dir=workspace)
    try:
        prepared: list[PreparedSequence] = []
        if synthetic:
            from ...data.synthetic import SyntheticConfig, write_benchmark

            raw = os.path.join(staging, ".synthetic")
            write_benchmark(raw, SyntheticConfig(sequences=count or 4, frames=synthetic_frames, seed=seed))
            for seq in read_sequences(raw, "otb"):
                prepared.append(_convert_sequence(seq, os.path.join(staging, seq.name), max_frames))
            shutil.rmtree(raw)
        else:
            given = layout
            layout = layout or detect_layout(source)
            if layout in ("vot", "vot-legacy", "mixed"):
                # each sequence folder read in its own layout: VOT ones (also VOT2013-2016 / VOT-TIR folders with
                # frames at the root and *.label files) copied as they are, polygons and labels (as tags) kept
                source_list = os.path.join(source, "list.txt")
                available = (_read_lines(source_list) if os.path.isfile(source_list) else
                             sorted(e for e in os.listdir(source) if os.path.isdir(os.path.join(source, e))
                                    and detect_sequence_layout(os.path.join(source, e))))
                chosen = _choose(available, names, count)
                for name in chosen:
                    folder = os.path.join(source, name)
                    kind = detect_sequence_layout(folder) or given or layout
                    if kind in ("vot", "vot-legacy"):
                        prepared.append(_copy_vot_sequence(folder, os.path.join(staging, name), name, max_frames,
                                                           missing_frames))
                        prepared[-1].layout = kind
                        continue
                    for seq in read_sequences(source, kind, [name], missing_frames=missing_frames):
                        prepared.append(_convert_sequence(seq, os.path.join(staging, seq.name), max_frames))
                        prepared[-1].layout = kind
            else:
                sequences = read_sequences(source, layout, missing_frames=missing_frames)
                by_name = {s.name: s for s in sequences}
                for name in _choose([s.name for s in sequences], names, count):
                    prepared.append(_convert_sequence(by_name[name], os.path.join(staging, name), max_frames))
                    prepared[-1].layout = by_name[name].layout or layout
        if not prepared:
            raise InputError(f"no sequences found in {source or 'the generator'}")
        names_here = [p.name for p in prepared]
        twice = sorted({n for n in names_here if names_here.count(n) > 1})
        if twice:
            raise VotError(f"sequence name(s) {', '.join(twice)} occur twice in {source}: results would mix")
        for p in prepared:
            p.anchors_written = write_anchors(p.source, anchor_spacing)
        if add and existing:
            clash = [n for n in names_here if n in existing]
            if clash:
                raise VotError(f"sequence(s) {', '.join(clash)} already prepared in {target} (from an earlier "
                               "source): leave them out with --names, or rename one; nothing was added")
            for p in prepared:
                os.replace(p.source, os.path.join(target, p.name))
            write_text(listed, "\n".join(existing + names_here) + "\n")
        else:
            write_text(os.path.join(staging, "list.txt"), "\n".join(names_here) + "\n")
            if os.path.isdir(target):
                shutil.rmtree(target)
            os.replace(staging, target)
        for p in prepared:
            p.source = os.path.join(target, p.name)
        return prepared
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging, ignore_errors=True)


def _choose(available: list[str], names: list[str] | None, count: int | None) -> list[str]:
    if names:
        missing = [n for n in names if n not in available]
        if missing:
            raise InputError(f"sequences {missing} not found; available: {available}")
        chosen = list(names)
    else:
        chosen = list(available)
    return chosen[:count] if count else chosen


def list_sequences(workspace: str) -> list[str]:
    config = read_config(workspace)
    root = os.path.join(workspace, str(config.get("sequences", "sequences")))
    listed = os.path.join(root, "list.txt")
    if not os.path.isfile(listed):
        raise InputNotFoundError(f"{root} has no list.txt: prepare the workspace first (`siamfc vot prepare`)")
    return _read_lines(listed)


def check_sequence_files(workspace: str) -> None:
    """Every prepared single-target sequence reads cleanly through the plugin's one reader (every ground-truth line
    a region or an absence, every frame file there, tags and values one per frame), and every multi-object one has
    its frames: otherwise a VotError naming the sequence and the file, line or frame (vot-toolkit itself says only
    "Length mismatch for value anchor", or takes the sequence length from the frames and drops the end)."""
    root = os.path.join(workspace, str(read_config(workspace).get("sequences", "sequences")))
    problems = []
    for name in list_sequences(workspace):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            problems.append(f"sequence {name}: folder {folder} is missing (listed in list.txt)")
            continue
        meta = _vot_metadata(folder)
        gt = os.path.join(folder, "groundtruth.txt")
        per_object = sorted(glob.glob(os.path.join(folder, "groundtruth_*.txt")))  # multi-object (VOTS) sequences
        if not os.path.isfile(gt) and not per_object:
            problems.append(f"sequence {name}: {gt} is missing")
            continue
        if os.path.isfile(gt):  # the plugin's one reader: every line, every frame file, tags and values
            from ...data.readers import read_vot_sequence

            try:
                read_vot_sequence(folder)
            except (SiamFCError, OSError) as exc:
                problems.append(str(exc))
            continue
        lines = max(len(_read_lines(f)) for f in ([gt] if os.path.isfile(gt) else per_object))
        for key, pattern in meta.items():
            if not key.startswith("channels."):
                continue
            absent = [i for i in range(1, lines + 1) if not os.path.isfile(os.path.join(folder, pattern % i))]
            if absent:
                more = f" (and {len(absent) - 1} more frames)" if len(absent) > 1 else ""
                problems.append(f"sequence {name}: frame {absent[0]} ({os.path.join(folder, pattern % absent[0])}) "
                                f"is missing{more}, but groundtruth.txt has {lines} lines")
        for value in glob.glob(os.path.join(folder, "*.value")):
            count = len(_read_lines(value))
            if count > lines:
                problems.append(f"sequence {name}: {os.path.basename(value)} has {count} lines for {lines} frames")
    if problems:
        raise VotError("the workspace's sequences are incomplete (prepare them again, or restore the files): "
                       + "; ".join(problems))


# analyses whose `burnin` is a count of frames left out of the accuracy after each initialisation (vot-toolkit
# 0.9.0); the multistart analyses' `burnin` only switches the bounding of regions to the image on or off
BURN_IN_MODULES = ("vot.analysis.supervised", "vot.analysis.accuracy")


def burn_ins(workspace: str) -> dict[str, tuple[int, str]]:
    """{experiment: (burn-in, analysis)} of the workspace's stack, as the toolkit resolves it (its defaults
    included): the largest number of frames an analysis of the experiment leaves out of the accuracy after each
    initialisation. Experiments without such an analysis are absent."""
    from vot.workspace import Workspace

    out: dict[str, tuple[int, str]] = {}
    for name, experiment in Workspace.load(workspace).stack.experiments.items():
        for analysis in experiment.analyses:
            burnin = getattr(analysis, "burnin", None)
            if type(analysis).__module__ in BURN_IN_MODULES and isinstance(burnin, int) and burnin > 0 and \
                    burnin > out.get(name, (0, ""))[0]:
                out[name] = (burnin, type(analysis).__name__)
    return out


def short_of_burn_in(workspace: str, lengths: dict[str, int]) -> list[str]:
    """Warnings for sequences no longer than an experiment's burn-in (`burn_ins`): every frame of theirs falls in
    the burn-in after the first initialisation, so they add no frame to the accuracy (the toolkit scores them 0,
    with weight 0)."""
    warnings = []
    for experiment, (burnin, analysis) in sorted(burn_ins(workspace).items()):
        short = [f"{name} ({frames} frames)" for name, frames in lengths.items() if frames <= burnin]
        if short:
            warnings.append(f"experiment {experiment}: sequence(s) {', '.join(short)} are no longer than the "
                            f"burn-in of its {analysis} analysis ({burnin} frames after each initialisation are left out of the "
                            "accuracy): they add no frame to the accuracy (the toolkit gives them accuracy 0 with "
                            "weight 0); use longer sequences (a larger --frames)")
    return warnings


# ---- results -------------------------------------------------------------------------------------------------------
INITIALIZATION, FAILURE, UNKNOWN = 1, 2, 0


def read_trajectory_codes(path: str) -> list[int | None]:
    """Per frame of a results file (.bin or .txt): the special code (1 init, 2 failure, 0 unknown) or None for a
    region."""
    from vot.region import Special
    from vot.region.io import read_trajectory

    return [int(r.code) if isinstance(r, Special) else None for r in read_trajectory(path)]


def reinitialisations(codes: list[int | None]) -> int:
    """How many times a failure (2) is later followed by an initialisation (1)."""
    count, failed = 0, False
    for code in codes:
        if code == FAILURE:
            failed = True
        elif code == INITIALIZATION and failed:
            count, failed = count + 1, False
    return count


def latest_analysis(workspace: str) -> str:
    files = glob.glob(os.path.join(workspace, "analysis", "*.json"))
    if not files:
        raise InputNotFoundError(f"no analysis JSON in {os.path.join(workspace, 'analysis')}: run "
                                "`siamfc vot evaluate` (or `vot analysis --format json`) first")
    return max(files, key=os.path.getmtime)



def record_speeds(workspace: str, trackers: list[str], load_at_start: list[float] | None, started: float) -> None:
    """results/<tracker>/machine.json (common/speed_record.py) for each tracker that wrote results since `started`
    (time.time() when `vot evaluate` began): the CPU and load its trajectories' times were taken under. A tracker
    whose sequences were all there already keeps its earlier record."""
    from ...common.speed_record import write_speed_record

    for tracker in trackers:
        folder = os.path.join(workspace, "results", tracker.split("@")[0])
        written = [p for p in glob.glob(os.path.join(folder, "*", "*", "*")) if os.path.getmtime(p) >= started]
        if written:
            write_speed_record(folder, load_at_start, len({os.path.dirname(p) for p in written}))
