"""The installed vot-toolkit's stock stacks and what SiamFC does on each: `siamfc vot stacks`.

The table is built from the stack files the toolkit ships (`vot/stack/**.yaml`, its own test stacks under `tests/`
left out): the experiments (name: type, with `multiobject`, `realtime` and transformers marked) come from the files;
the ground truth's region type and the channels come from the datasets the stacks name (`FACTS` below: what
each challenge's data holds, which the stack file does not say); whether SiamFC runs on a stack follows from both.
docs/vot.md carries the table this module prints (tests/test_vot_stacks.py checks that they are the same).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ...common.errors import InputError

# (stack name pattern, ground-truth region type, channels). First match wins.
FACTS: list[tuple[str, str, str]] = [
    (r"^vot2013$", "rectangle", "color"),
    (r"^vot201[56]/tir$", "polygon", "thermal (1 channel)"),
    (r"^vot20(14|15/rgb|16/rgb|17|18/shortterm|19/shortterm)$", "polygon", "color"),
    (r"^vot202[0-2]/shortterm$", "mask", "color"),
    (r"^vot2022/shorttermbox$", "rectangle", "color"),
    (r"^vot20(18|19|20|21|22)/longterm$", "rectangle (none while the target is absent)", "color"),
    (r"^vot20(19|20|21|22)/rgbd$", "rectangle", "color + depth"),
    (r"^vot2022/depth$", "rectangle", "depth"),
    (r"^vot20(19|20)/rgbtir$", "rectangle", "color + ir"),
    (r"^vots2026/point$", "point, several objects", "color"),
    (r"^vots2026/referral$", "mask, several objects, text referral", "color"),
    (r"^vots", "mask, several objects", "color"),
    (r"^otb(50|100)$", "rectangle", "color"),
    (r"^davis2017val$", "mask, several objects", "color"),
]

LONGTERM_ANALYSES = {"average_tpr", "pr_curve", "f_curve", "longterm_ar"}


@dataclass
class StackRow:
    name: str
    title: str
    experiments: list[str] = field(default_factory=list)  # "name: type [flags]"
    groundtruth: str = "?"
    channels: str = "?"
    output: str = ""
    runs: str = ""  # "yes" or "no: reason"
    command: str = ""


def stack_root() -> str:
    import vot

    return os.path.join(os.path.dirname(vot.__file__), "stack")


def stock_stack_names() -> list[str]:
    """Names (`vot2017`, `vot2020/shortterm`, ...) of the stacks the installed toolkit ships, its tests left out."""
    root = stack_root()
    names = []
    for folder, _, files in os.walk(root):
        for file in files:
            if file.endswith(".yaml"):
                name = os.path.relpath(os.path.join(folder, file[:-5]), root).replace(os.sep, "/")
                if not name.startswith("tests/"):
                    names.append(name)
    return sorted(names)


def _facts(name: str) -> tuple[str, str]:
    for pattern, groundtruth, channels in FACTS:
        if re.search(pattern, name):
            return groundtruth, channels
    return "unknown (a stack this module does not know)", "unknown"


def _experiment_text(key: str, experiment: dict) -> str:
    kind = str(experiment.get("type", "?"))
    flags = []
    if experiment.get("multiobject"):
        flags.append("multiobject")
    if experiment.get("realtime"):
        flags.append("realtime")
    for transformer in experiment.get("transformers") or []:
        flags.append(str(transformer.get("type", "?")).rsplit(".", 1)[-1])
    return f"{key}: {kind}" + (f" ({', '.join(flags)})" if flags else "")


def describe(name: str, data: dict) -> StackRow:
    experiments = data.get("experiments") or {}
    groundtruth, channels = _facts(name)
    row = StackRow(name, str(data.get("title", "")).strip(),
                   [_experiment_text(k, e or {}) for k, e in experiments.items()], groundtruth, channels)
    kinds = {str((e or {}).get("type")) for e in experiments.values()}
    analyses = {str(a.get("type")) for e in experiments.values() for a in ((e or {}).get("analyses") or [])}
    multiobject = any((e or {}).get("multiobject") for e in experiments.values())
    longterm = name.endswith("/longterm") or bool(analyses & {"average_tpr", "pr_curve", "f_curve"}) and \
        not multiobject
    command = f"siamfc vot evaluate SiamFC-3s --stack {name}"

    if "referral" in kinds:
        row.output = "a mask per object, from a text description"
        row.runs = "no: the target is given as a sentence (referral), not as a region; SiamFC needs a region"
    elif groundtruth.startswith("point"):
        row.output = "a point per object per frame"
        row.runs = "no: the targets are points; SiamFC needs a region with an extent to take its exemplar from"
    elif "depth" in channels and "color" not in channels:
        row.output = "a region per frame, from depth frames"
        row.runs = "no: the sequences have only a depth channel; SiamFC tracks colour (or thermal) frames"
    elif "depth" in channels:
        row.output = ("a region + a confidence per frame (long-term analyses)" if "unsupervised" in kinds
                      else "a region per frame (multistart)")
        row.runs = ("no: an RGB-D stack ranks trackers that use the depth channel; SiamFC reads colour only, "
                    "so a result there would not be an RGB-D result")
    elif " ir" in channels:
        row.output = "a region per frame (multistart, realtime)"
        row.runs = ("no: an RGB-T stack (color and ir channels) ranks trackers that fuse both; SiamFC reads one "
                    "channel, so a result there would not be an RGB-T result")
    elif multiobject:
        mask = groundtruth.startswith("mask")
        row.output = "a region per object per frame" + ("; VOTS ranks masks" if mask else "")
        row.runs = "yes: one SiamFC per object in one trax process (exemplars embedded once, crops scored in one batch)"
        if mask:
            row.runs += "; the `SiamFC-3s-mask` entry answers its boxes filled as masks (`SiamFC-3s`: boxes)"
            row.command = f"siamfc vot evaluate SiamFC-3s-mask --stack {name}"
        else:
            row.command = command
        if "davis" in name:
            row.runs += "; J&F of box-filled masks is a floor, not a segmentation result"
    elif longterm:
        row.output = "a region + a confidence per frame (precision/recall over confidence thresholds)"
        row.runs = "yes: confidence = the calibrated score-map peak (docs/vot.md)"
        row.command = command
    else:
        row.output = "a region per frame (rectangle, polygon or mask; scored by overlap)"
        if "supervised" in kinds or "multistart" in kinds:
            row.runs = "yes: stock experiments run through the compat classes (`--stack` patches the stack)"
        else:
            row.runs = "yes"
        if "thermal" in channels:
            row.runs += "; thermal frames replicated to 3 channels"
        if groundtruth.startswith("mask"):
            row.runs += "; SiamFC answers boxes, mask ground truth is given to it as its bounding box"
        row.command = command
    if not row.command:
        row.command = "-"
    return row


def stock_stacks() -> list[StackRow]:
    import yaml

    rows = []
    for name in stock_stack_names():
        with open(os.path.join(stack_root(), name + ".yaml")) as handle:
            rows.append(describe(name, yaml.safe_load(handle) or {}))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(rows: list[StackRow] | None = None) -> str:
    """The coverage table (markdown), as docs/vot.md carries it."""
    import vot

    rows = stock_stacks() if rows is None else rows
    lines = [f"Stock stacks of vot-toolkit {vot.__version__} (`siamfc vot stacks`; the toolkit's own test stacks "
             "under `stack/tests/` left out):", "",
             "| stack | experiments | ground truth | channels | tracker output | SiamFC | command |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        command = f"`{r.command}`" if r.command != "-" else "-"
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"`{r.name}`", "<br>".join(r.experiments), r.groundtruth, r.channels, r.output, r.runs)) +
            f" | {command} |")
    return "\n".join(lines)


BEGIN, END = "<!-- siamfc vot stacks: begin -->", "<!-- siamfc vot stacks: end -->"


def doc_block(text: str) -> str | None:
    """The table between the markers of docs/vot.md, or None."""
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def cmd_stacks(args) -> int:
    table = markdown_table()
    if getattr(args, "write", None):
        from ...common.atomic import write_text

        with open(args.write) as handle:
            text = handle.read()
        if doc_block(text) is None:
            raise InputError(f"{args.write} has no {BEGIN} ... {END} block to replace")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        write_text(args.write, f"{head}{BEGIN}\n{table}\n{END}{tail}")
        print(f"wrote the table of {len(stock_stack_names())} stacks into {args.write}")
        return 0
    print(table)
    return 0
