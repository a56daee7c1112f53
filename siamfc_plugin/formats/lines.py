"""Ground-truth line rules of every layout we read, written once, and the one line parser.

A line is a box (x, y, w, h with w, h > 0), a polygon (VOT: 2n >= 6 values), an absence the layout documents, or
refused: strict readers raise AnnotationError naming the file and the line; lenient ones (analysis, the training
sources' broken-line budget) keep the refusal with its reason and count it. A refused line is never a NaN box
without a word.

What each toolkit accepts (read, not copied: got10k 0.1.3's datasets, vot-toolkit 0.9.0's vot.region.io):
- OTB: got10k replaces commas by spaces and splits on whitespace; OTB-100 itself mixes commas and tabs (BlurCar1's
  line 496 uses a space). A line of NaN values is an absent target (the UAV123 convention; OTB-100 has none, the
  synthetic benchmark writes them).
- DTB70, UAV123, GOT-10k, LaSOT: got10k reads them with np.loadtxt(delimiter=','): commas only. UAV123 marks an
  absent target with a NaN line; GOT-10k with absence.label / cover.label, LaSOT with full_occlusion.txt /
  out_of_view.txt (the box on such a line may be anything: LaSOT's authors call it a random box).
- VOT (legacy and new): vot-toolkit's parse_region splits on commas only; one value is a special code (0: the
  ground truth is unknown), 4 values a rectangle, 2n >= 6 a polygon; any NaN makes the region unknown; 'm...' is a
  mask (VOT2020 and later), read as the bounding box its encoding carries (m<x0>,<y0>,<w>,<h>,...).
- boxes (a frames folder + one x,y,w,h file: UAVDT-SOT, custom videos): commas, spaces or tabs; an all-zero or NaN
  line is unannotated.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..common.errors import AnnotationError, InputNotFoundError

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?nan", re.IGNORECASE)
_COMMAS = re.compile(r"\s*,\s*")
_COMMAS_OR_WHITESPACE = re.compile(r"\s*,\s*|\s+")


@dataclass(frozen=True)
class LineRules:
    """How one layout writes a ground-truth line."""

    layout: str
    separator: re.Pattern
    separators: str  # the separators, in words (messages, docs)
    polygons: bool = False  # 2n >= 6 values are a polygon (VOT)
    special: bool = False  # one value is VOT's special code; 0 (unknown) is the only one ground truth uses
    any_nan_absent: bool = False  # a region with any NaN is unknown (VOT); else only an all-NaN line is absent
    zeros_absent: bool = False  # an all-zero line is unannotated (frames + box file)
    flags: str = ""  # files beside the lines that mark absent frames (their lines may hold anything numeric)
    absence: str = "a line of NaN values (NaN,NaN,NaN,NaN)"  # what an absent target looks like, in words

    def describe(self) -> str:
        values = "x,y,w,h or a polygon x1,y1,...,xn,yn (n >= 3)" if self.polygons else "x,y,w,h"
        return f"{self.layout} ground truth: {values} separated by {self.separators}; absent target: {self.absence}"


RULES: dict[str, LineRules] = {
    "otb": LineRules("OTB", _COMMAS_OR_WHITESPACE, "commas, spaces or tabs"),
    "dtb70": LineRules("DTB70", _COMMAS, "commas"),
    "uav123": LineRules("UAV123", _COMMAS, "commas"),
    "got10k": LineRules("GOT-10k", _COMMAS, "commas", flags="absence.label, cover.label",
                        absence="absence.label 1 or cover.label 0 for that frame"),
    "lasot": LineRules("LaSOT", _COMMAS, "commas", flags="full_occlusion.txt, out_of_view.txt",
                       absence="1 in full_occlusion.txt or out_of_view.txt for that frame"),
    "vot": LineRules("VOT", _COMMAS, "commas", polygons=True, special=True, any_nan_absent=True,
                     absence="0 (unknown) or a region with NaN values"),
    "boxes": LineRules("frames + box file", _COMMAS_OR_WHITESPACE, "commas, spaces or tabs", zeros_absent=True,
                       absence="0,0,0,0 or NaN,NaN,NaN,NaN"),
}
RULES["vot-legacy"] = RULES["vot"]


class LineRefused(ValueError):
    """Why one line is not a region (the reader adds the file, the line and the layout's rules)."""


def parse_line(text: str, rules: LineRules) -> tuple[str, np.ndarray]:
    """('box' | 'polygon' | 'absent', values) of one ground-truth line; LineRefused with the reason otherwise.

    The size of a box is not checked here (flagged layouts accept anything numeric on an absent frame):
    check_region does that."""
    line = text.strip()
    if not line:
        raise LineRefused("a blank line (every frame has one line; got10k's loader would skip it and shift the "
                          "lines after it)")
    if rules.polygons and line[0] in "mM":
        # a mask (VOT2020 and later): m<x0>,<y0>,<w>,<h>,<run lengths...>, vot-toolkit's encoding of the mask
        # cropped to its bounding box: the plugin reads that box (its tracker answers boxes; the stack scores masks)
        head = line[1:].split(",")[:4]
        if len(head) < 4 or not all(_NUMBER.fullmatch(t) for t in head):
            raise LineRefused("a mask region whose header is not m<x0>,<y0>,<w>,<h>,<run lengths...>")
        box = np.array([float(t) for t in head], dtype=np.float64)
        return ("box", box) if box[2] > 0 and box[3] > 0 else ("absent", box)
    tokens = rules.separator.split(line)
    for token in tokens:
        if token == "":
            raise LineRefused("an empty value (two separators in a row)")
        if not _NUMBER.fullmatch(token):
            shown = token if len(token) <= 30 else token[:27] + "..."
            raise LineRefused(f"{shown!r} is not a number" + (
                f" ({rules.layout} separates values by {rules.separators})" if re.search(r"[;|,\s]", token) else ""))
    values = np.array([float(t) for t in tokens], dtype=np.float64)
    nan = np.isnan(values)
    if values.size == 1 and rules.special:
        if values[0] == 0:
            return "absent", values
        raise LineRefused(f"special code {tokens[0]} (ground truth uses only 0, unknown)")
    if rules.polygons and values.size >= 6 and values.size % 2 == 0:
        kind = "polygon"
    elif values.size == 4:
        kind = "box"
    else:
        expected = "4 (x,y,w,h) or an even number >= 6 (a polygon)" if rules.polygons else "4 (x,y,w,h)"
        raise LineRefused(f"{values.size} value{'s' if values.size != 1 else ''}; a line holds {expected}")
    if nan.all() or (nan.any() and rules.any_nan_absent):
        return "absent", values
    if nan.any():
        raise LineRefused("some values are NaN and some are not")
    if not np.all(np.isfinite(values)):
        raise LineRefused("a value is infinite")
    if rules.zeros_absent and kind == "box" and not values.any():
        return "absent", values
    return kind, values


def region_box(values: np.ndarray) -> np.ndarray:
    """x,y,w,h of a rectangle (as it is) or of a polygon's axis-aligned bounding box."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size == 4:
        return v.copy()
    xs, ys = v[0::2], v[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])


def size_problem(kind: str, values: np.ndarray) -> str | None:
    """Why a box or polygon cannot be a target (no area), or None."""
    x, y, w, h = region_box(values)
    if w > 0 and h > 0:
        return None
    what = "box" if kind == "box" else "polygon's bounding box"
    return f"the {what} has no area (width {w:g}, height {h:g})"


@dataclass
class GroundTruthFile:
    """One ground-truth file, line by line: kinds[i] is 'box', 'polygon', 'absent' or 'refused'; regions[i] the
    values as written (NaN x4 where absent or refused); refused: (line number, reason) of each refused line."""

    path: str
    rules: LineRules
    kinds: list[str] = field(default_factory=list)
    regions: list[np.ndarray] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    # lines with no comma between their values (spaces or tabs, which the layout allows): got10k's own OTB-style
    # loaders read commas only (np.loadtxt(delimiter=',')), so on this file its numbers cannot be got10k's
    whitespace_lines: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def boxes(self) -> np.ndarray:
        """(N, 4) x,y,w,h: a polygon's bounding box; NaN where the line is refused or holds no numbers. The numbers
        of a frame a flag file marks absent (GOT-10k, LaSOT) stay as written, as the toolkits' loaders give them:
        .absent says such a frame has no target."""
        rows = [region_box(r) if k != "refused" and r.size >= 4 and r.size % 2 == 0 and np.all(np.isfinite(r))
                else np.full(4, np.nan) for k, r in zip(self.kinds, self.regions)]
        return np.array(rows, dtype=np.float64).reshape(-1, 4)

    @property
    def absent(self) -> np.ndarray:
        return np.array([k == "absent" for k in self.kinds], dtype=bool)

    def message(self, line: int, reason: str) -> str:
        return f"{self.path}:{line}: {reason} ({self.rules.describe()})"


def read_lines(path: str) -> list[str]:
    """The lines of a text file; blank lines at the end are not lines (files often end with one). An undecodable
    file is an AnnotationError naming it."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError as exc:
        raise AnnotationError(f"{path}: not a text file ({exc.reason} at byte {exc.start})") from None
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def read_groundtruth(path: str, layout: str, absent_frames: np.ndarray | None = None,
                     strict: bool = True) -> GroundTruthFile:
    """Every line of a ground-truth file under `layout`'s rules (RULES).

    absent_frames: the frames the layout's flag files mark absent (GOT-10k, LaSOT): any numeric line there is an
    absence. strict: the first refused line raises AnnotationError naming the file and the line; otherwise refused
    lines are kept in .refused and their frames hold no box."""
    rules = RULES[layout]
    if not os.path.isfile(path):
        raise InputNotFoundError(f"{path}: no ground-truth file ({rules.describe()})")
    result = GroundTruthFile(path, rules)
    for number, text in enumerate(read_lines(path), 1):
        flagged = absent_frames is not None and number - 1 < len(absent_frames) and absent_frames[number - 1]
        try:
            kind, values = parse_line(text, rules)
            if "," not in text and len(text.split()) > 1:
                result.whitespace_lines.append(number)
            if kind != "absent" and not flagged:
                problem = size_problem(kind, values)
                if problem:
                    raise LineRefused(f"{problem}; {'an absent target is ' + rules.absence}")
            if flagged:
                kind = "absent"
        except LineRefused as exc:
            if strict:
                raise AnnotationError(result.message(number, str(exc))) from None
            result.refused.append((number, str(exc)))
            kind, values = "refused", np.full(4, np.nan)
        result.kinds.append(kind)
        result.regions.append(values if kind != "absent" or values.size != 1 else np.full(4, np.nan))
    if not result.kinds:
        raise AnnotationError(f"{path}: empty ground-truth file ({rules.describe()})")
    return result


def read_flags(path: str, lines: int, what: str, one_line: bool = False, allowed=(0, 1)) -> np.ndarray:
    """Per-frame integer flags (GOT-10k's *.label: one value per line; LaSOT's full_occlusion.txt / out_of_view.txt:
    one line of comma-separated values). Exactly one value per ground-truth line, each in `allowed`: otherwise an
    AnnotationError naming the file (and the line or the counts)."""
    rows = read_lines(path)
    if one_line:
        if len(rows) != 1:
            raise AnnotationError(f"{path}: {len(rows)} lines; {what} is one line of comma-separated flags")
        tokens = _COMMAS.split(rows[0].strip())
        where = [f"{path}: value {i}" for i in range(1, len(tokens) + 1)]
    else:
        tokens = [row.strip() for row in rows]
        where = [f"{path}:{i}" for i in range(1, len(tokens) + 1)]
    values = []
    for token, place in zip(tokens, where):
        try:
            value = float(token)
        except ValueError:
            raise AnnotationError(f"{place}: {token!r} is not a number ({what}: one of "
                                  f"{', '.join(map(str, allowed))} per frame)") from None
        if value != int(value) or int(value) not in allowed:
            raise AnnotationError(f"{place}: {token} is not one of {', '.join(map(str, allowed))} ({what})")
        values.append(int(value))
    if len(values) != lines:
        raise AnnotationError(f"{path}: {len(values)} flags for {lines} boxes ({what} has one value per "
                              "ground-truth line)")
    return np.array(values, dtype=int)
