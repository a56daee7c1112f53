"""The rules of the toolkits' result files, written once: what a row of a got10k results file must be for got10k's
own report to score it, and what a vot-toolkit trajectory may hold. numpy only (no pandas, nothing of the plugin):
`siamfc eval` checks its results with these rules before got10k's report reads them, and analysis/collect.py reads
every results file through them.

got10k (0.1.3) reads a results file with ``np.loadtxt(path, delimiter=',')`` (one-pass OTB, DTB70, UAV123 and
GOT-10k) or by splitting lines on ',' (ExperimentVOT), then scores row k against ground-truth frame k. So a row is:

- values separated by commas (spaces beside a comma are fine; tabs, spaces or semicolons alone are not: got10k's
  loader stops on them);
- exactly 4 numbers x,y,w,h (got10k's VOT records also hold a 1-number special code: 1 init, 2 failure, 0 skip);
- finite, with a width and height above 0 (got10k would score a NaN row as a failure and a negative width as a box
  with a negative area: either means the file was damaged, or the tracker is broken);
- one row per frame of the sequence (got10k asserts it: a cut-short file ends its report in an AssertionError).

Blank lines are skipped, as ``np.loadtxt`` skips them. Rows are numbered as lines of the file (1-based).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

GOT10K_SPECIAL_CODES = (0, 1, 2)  # got10k's ExperimentVOT records: skip, initialisation, failure
OTHER_SEPARATOR = re.compile(r"[;\t]|\d\s+[-+.\d]")


@dataclass
class RowIssue:
    """One line of a results file that is not a box the toolkit can score."""

    line: int  # 1-based line of the file
    why: str
    readable: bool  # True: got10k's loader reads it (and scores it as it is); False: got10k's report fails on it


@dataclass
class ResultFile:
    """A results file read by the rules above.

    boxes: (rows, 4), NaN where a row is not a valid box (scored as a failure: overlap 0). raw: (rows, 4), the values
    as got10k's loader reads them (NaN where it cannot; special codes NaN). special: (rows,) the special code of a
    got10k VOT record row, -1 elsewhere. issues: the rows that are not valid boxes; length_issue: the row count
    against the sequence's frame count (None when it fits or the count is unknown)."""

    path: str
    boxes: np.ndarray
    raw: np.ndarray
    special: np.ndarray
    issues: list[RowIssue] = field(default_factory=list)
    length_issue: str | None = None

    @property
    def rows(self) -> int:
        return len(self.boxes)

    @property
    def loadable(self) -> bool:
        """Whether got10k's own report can read the file (every row readable, one row per frame)."""
        return self.length_issue is None and all(issue.readable for issue in self.issues)

    def describe(self, limit: int = 6) -> str:
        """`path: line 11: NaN value; line 21: width -5 <= 0; ...` (the first `limit` issues, then a count)."""
        parts = ([self.length_issue] if self.length_issue else []) + [f"line {i.line}: {i.why}"
                                                                      for i in self.issues[:limit]]
        if len(self.issues) > limit:
            parts.append(f"and {len(self.issues) - limit} more line(s)")
        return f"{self.path}: " + "; ".join(parts)


class ResultFileError(ValueError):
    """A results file that cannot be read at all (not text); the message names it."""


def _row_values(text: str) -> tuple[list[float] | None, str | None]:
    """(values, None) of one non-blank line split as got10k splits it, or (None, why) when got10k cannot read it."""
    fields = text.split(",")
    if len(fields) == 1 and OTHER_SEPARATOR.search(text.strip()):
        return None, f"{text.strip()!r}: values not separated by commas (got10k's loader reads comma-separated " \
                     "values only)"
    values = []
    for item in fields:
        try:
            values.append(float(item))
        except ValueError:
            kind = "an empty value" if not item.strip() else f"{item.strip()!r} is not a number"
            return None, f"{text.strip()!r}: {kind}"
    return values, None


def read_got10k_results(path: str, frames: int | None = None, special_codes: bool = False) -> ResultFile:
    """One got10k results file by the rules of the module docstring. frames: the sequence's frame count (the row
    count is checked against it when given). special_codes: a got10k VOT record (1-value rows 0, 1, 2 allowed).
    Raises ResultFileError (naming the file) only when the file is not text; every other damage is in `issues`."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultFileError(f"{path} is not a text file ({exc.reason} at byte {exc.start})") from None
    boxes, raw, special, issues = [], [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        values, why = _row_values(line)
        box = np.full(4, np.nan)
        value_row = np.full(4, np.nan)
        code = -1
        if values is None:
            issues.append(RowIssue(number, why, False))
        elif special_codes and len(values) == 1 and values[0] in GOT10K_SPECIAL_CODES:
            code = int(values[0])
        elif len(values) != 4:
            issues.append(RowIssue(number, f"{len(values)} value(s), a box needs 4 (x,y,w,h)", False))
        else:
            value_row = np.asarray(values, dtype=np.float64)
            if not all(math.isfinite(v) for v in values):
                issues.append(RowIssue(number, f"{line.strip()!r}: NaN or infinite value", True))
            elif values[2] <= 0 or values[3] <= 0:
                issues.append(RowIssue(number, f"{line.strip()!r}: width or height <= 0", True))
            else:
                box = value_row.copy()
        boxes.append(box)
        raw.append(value_row)
        special.append(code)
    result = ResultFile(path, np.asarray(boxes, dtype=np.float64).reshape(-1, 4),
                        np.asarray(raw, dtype=np.float64).reshape(-1, 4), np.asarray(special, dtype=int), issues)
    if frames is not None and result.rows != frames:
        result.length_issue = (f"{result.rows} of {frames} rows, one per frame (cut short: the run was interrupted "
                               "or the file damaged)" if result.rows < frames else
                               f"{result.rows} rows for {frames} frames (another sequence's results?)")
    return result


def read_got10k_times(path: str) -> tuple[np.ndarray, list[RowIssue]]:
    """A got10k times file (one time per frame in seconds; got10k's VOT records one column per repetition): the
    times of the first column (NaN where a line is not numbers) and the lines got10k's loader (``np.loadtxt``)
    cannot read: not numbers, or another number of columns than the first line."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultFileError(f"{path} is not a text file ({exc.reason} at byte {exc.start})") from None
    times, issues, columns = [], [], None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        values, why = _row_values(line)
        if values is None:
            issues.append(RowIssue(number, why, False))
            times.append(np.nan)
            continue
        columns = len(values) if columns is None else columns
        if len(values) != columns:
            issues.append(RowIssue(number, f"{len(values)} value(s) where the first line has {columns}", False))
        times.append(values[0])
    return np.asarray(times, dtype=np.float64), issues


# ---- vot-toolkit trajectories ----------------------------------------------------------------------------------------
VOT_SPECIAL_CODES = (0, 1, 2)  # vot.tracker.Trajectory: 0 unknown (skip), 1 initialisation, 2 failure


def vot_region_issue(kind: str, value) -> str | None:
    """Why one frame of a vot-toolkit trajectory is not a region the toolkit's analysis can score (None: it is)."""
    if kind == "special":
        return None if int(value) in VOT_SPECIAL_CODES else f"unknown special code {value}"
    if kind in ("rectangle", "polygon", "point"):
        values = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            return "NaN or infinite value"
    return None
