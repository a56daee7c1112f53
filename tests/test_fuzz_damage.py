"""Damage fuzzing (issue 27, item 7): real sequences from ../shared/data and the results of a real tracker run, damaged
at random by hypothesis, then the real commands (`python -m analysis report`, `siamfc eval --toolkit got10k`), run
in this process through their own main() so that any exception reaches the test.

The invariant, for every damage: the command never ends in a traceback (exit status 1 or an exception); exit 0
implies that every score it shows equals the one got10k's own code computes on the same folder (its loader
`np.loadtxt(..., delimiter=',')`, ExperimentOTB._calc_metrics and _calc_curves), or that a listed problem names the
damaged file; exit 2 names the damaged file (and, for a damaged row, its line).

Examples are derandomized (the same ones on every run, CI included): N_QUICK per test in the normal run, N_SLOW
under the `slow` marker. A failing example prints its damage list; hypothesis shrinks it to the smallest one.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

N_QUICK = {"analysis": 10, "eval": 5, "groundtruth": 5}
N_SLOW = {"analysis": 300, "eval": 120, "groundtruth": 120}
SEQUENCES = ("Crossing", "DragonBaby")
FRAMES = 12  # frames per sequence: short, so that `siamfc eval` tracks a damaged sequence in a second
EXPERIMENT = "OTB"
FUZZ = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)


# ---- the undamaged inputs, made once per session from real data and a real tracker run ---------------------------
def run_main(main, argv: list[str]) -> tuple[int, str]:
    """(exit status, stderr) of a command's main(); an exception escaping main() fails the test (a traceback)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    return code, err.getvalue()


def siamfc(argv: list[str]) -> tuple[int, str]:
    from siamfc_plugin.cli import main

    return run_main(main, argv)


def analysis_report(argv: list[str]) -> tuple[int, str]:
    from analysis.cli import main

    return run_main(main, ["report", *argv])


TRACKER_OPTIONS = ["--random-weights", "--threads", "1", "--name", "siamfc"]


@pytest.fixture(scope="session")
def clean(tmp_path_factory, otb_root) -> Path:
    """data/otb: the first FRAMES frames of two OTB sequences, copied (damage must never reach ../shared/data);
    out/: got10k results and reports of SiamFC (random weights, through `siamfc eval`) and the static box."""
    from siamfc_plugin.core.peers import make_peer
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    root = tmp_path_factory.mktemp("fuzz")
    for seq in SEQUENCES:
        (root / "data" / "otb" / seq / "img").mkdir(parents=True)
        for i in range(1, FRAMES + 1):
            shutil.copyfile(otb_root / seq / "img" / f"{i:04d}.jpg", root / "data" / "otb" / seq / "img" / f"{i:04d}.jpg")
        lines = (otb_root / seq / "groundtruth_rect.txt").read_text().splitlines()[:FRAMES]
        (root / "data" / "otb" / seq / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    code, err = siamfc(["eval", "--dataset", "otb", "--root", str(root / "data" / "otb"), "--out", str(root / "out"),
                        *TRACKER_OPTIONS])
    assert code == 0, err
    run_experiment(Got10kTracker(make_peer("Static"), name="Static", is_deterministic=True), "otb",
                   str(root / "data" / "otb"), str(root / "out"))
    return root


def copy_of(clean: Path, folder: Path) -> Path:
    shutil.copytree(clean, folder, symlinks=False)
    return folder


# ---- what got10k's own code makes of a folder ------------------------------------------------------------------------
def got10k_groundtruth(folder: Path) -> np.ndarray | None:
    """The ground truth as got10k's OTB loader reads it (np.loadtxt with ','), OTB's 1-based origin moved to 0 as the
    plugin states (docs/got10k.md); None where got10k's loader cannot read it."""
    try:
        anno = np.loadtxt(folder / "groundtruth_rect.txt", delimiter=",", ndmin=2)
    except (ValueError, OSError):
        return None
    if anno.shape[1] != 4:
        return None
    anno = anno.copy()
    anno[:, :2] -= 1
    return anno


def got10k_score(results: Path, anno: np.ndarray | None) -> float | None:
    """Success AUC of one results file by got10k's ExperimentOTB (its loader, _calc_metrics, _calc_curves); None
    where got10k's report could not compute it (a file its loader refuses, another number of rows)."""
    from got10k.experiments import ExperimentOTB

    if anno is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": an empty file
            boxes = np.loadtxt(results, delimiter=",", ndmin=2)
    except (ValueError, OSError):
        return None
    if boxes.shape != anno.shape:
        return None
    boxes[0] = anno[0]
    experiment = ExperimentOTB.__new__(ExperimentOTB)
    experiment.nbins_iou, experiment.nbins_ce = 21, 51
    ious, errors = experiment._calc_metrics(boxes, anno)
    succ, _ = experiment._calc_curves(ious, errors)
    return float(np.mean(succ))


# ---- damage --------------------------------------------------------------------------------------------------------
ROW_DAMAGE = ["drop", "duplicate", "swap", "truncate_rows", "cut_mid_line", "tab", "semicolon", "space",
              "extra_column", "missing_column", "nan", "inf", "negative_width", "zero_height", "edit_value",
              "blank_line", "trailing_comma", "word", "empty_file", "binary"]
# damage after which every row is still one that got10k's loader reads and scores as it is
HARMLESS_FOR_LOADER = {"swap", "edit_value", "blank_line"}


@dataclass
class Damage:
    kind: str
    target: int  # which file / sequence
    row: int  # which line (modulo the file's length)
    amount: int  # a second number (rows kept, value change, ...)

    def __str__(self) -> str:
        return f"{self.kind}(target {self.target}, row {self.row}, amount {self.amount})"


def damages(kinds: list[str], targets: int, most: int = 3):
    return st.lists(st.builds(Damage, st.sampled_from(kinds), st.integers(0, targets - 1), st.integers(0, 200),
                              st.integers(1, 40)), min_size=1, max_size=most)


def rewrite(path: Path, data: bytes) -> None:
    """Replace a file (never write through it: a copy could share its data with ../shared/data)."""
    path.unlink()
    path.write_bytes(data)


def damage_lines(path: Path, d: Damage) -> None:
    """Apply one damage to a text file of comma-separated rows (results or ground truth)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    lines = text.splitlines()
    if not lines and d.kind not in ("binary",):
        return
    i = d.row % max(len(lines), 1)
    if d.kind == "drop":
        del lines[i]
    elif d.kind == "duplicate":
        lines.insert(i, lines[i])
    elif d.kind == "swap":
        j = (i + d.amount) % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif d.kind == "truncate_rows":
        lines = lines[: d.amount % len(lines)]
    elif d.kind == "cut_mid_line":
        kept = "\n".join(lines)[: max(1, len("\n".join(lines)) - d.amount)]
        rewrite(path, kept.encode())
        return
    elif d.kind in ("tab", "semicolon", "space"):
        separator = {"tab": "\t", "semicolon": ";", "space": " "}[d.kind]
        for k in ([i] if d.amount % 2 else range(len(lines))):
            lines[k] = re.sub(r"\s*,\s*", separator, lines[k])
    elif d.kind == "extra_column":
        lines[i] += ",1.000"
    elif d.kind == "missing_column":
        lines[i] = ",".join(lines[i].split(",")[:-1])
    elif d.kind in ("nan", "inf", "negative_width", "zero_height", "edit_value", "word"):
        values = lines[i].split(",")
        if len(values) < 4:
            return
        if d.kind == "nan":
            values[d.amount % 4] = "nan"
        elif d.kind == "inf":
            values[d.amount % 4] = "inf"
        elif d.kind == "negative_width":
            values[2] = f"-{d.amount}"
        elif d.kind == "zero_height":
            values[3] = "0"
        elif d.kind == "edit_value":
            values[d.amount % 2] = f"{float(values[d.amount % 2]) + d.amount:.3f}"
        else:
            values[d.amount % 4] = "abc"
        lines[i] = ",".join(values)
    elif d.kind == "blank_line":
        lines.insert(i, "")
    elif d.kind == "trailing_comma":
        lines[i] += ","
    elif d.kind == "empty_file":
        rewrite(path, b"")
        return
    elif d.kind == "binary":
        rewrite(path, bytes(range(256)) * 2)
        return
    rewrite(path, ("\n".join(lines) + "\n").encode())


def results_file(root: Path, tracker: str, seq: str) -> Path:
    return root / "out" / "results" / EXPERIMENT / tracker / f"{seq}.txt"


TRACKERS = ("siamfc", "Static")
RESULT_FILES = [(t, s) for t in TRACKERS for s in SEQUENCES]


# ---- 1. results files damaged, read by `python -m analysis report` ------------------------------------------------
def read_table(path: Path) -> list[dict]:
    """Rows of a table the report wrote (CSV, full precision); None for an empty cell."""
    import pandas as pd

    table = pd.read_csv(path)
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in table.to_dict("records")]


def check_report(root: Path, damaged: set[Path]) -> None:
    board_dir = root / "board"
    code, err = analysis_report(["--out", str(board_dir), "--got10k", str(root / "out"),
                                 "--otb-root", str(root / "data" / "otb")])
    assert code == 0, err  # damaged results files are listed problems, never a refusal of the whole report
    summary = json.loads((board_dir / "summary.json").read_text())
    whys = [p["why"] for p in summary["problems"] if p["toolkit"] == "got10k"]
    for why in whys:  # no false alarm: every problem names a damaged file
        assert any(str(path) in why for path in damaged), (why, damaged)
    tables = board_dir / "tables"  # the board and its per-sequence table as the page shows them
    board = {row["tracker"]: row for row in read_table(tables / f"leaderboard_{EXPERIMENT.lower()}.csv")}
    per_sequence = {row["tracker"]: row for row in read_table(tables / f"per_sequence_{EXPERIMENT.lower()}.csv")}
    assert set(board) == set(TRACKERS), board
    for tracker in TRACKERS:
        shown = per_sequence.get(tracker, {})
        values = [shown[s] for s in SEQUENCES if shown.get(s) is not None]
        if values:  # the board and its per-sequence table: one computation
            assert board[tracker]["success_auc"] == pytest.approx(np.mean(values), abs=1e-9)
        for seq in SEQUENCES:
            path = results_file(root, tracker, seq)
            named = [why for why in whys if str(path) in why]
            expected = got10k_score(path, got10k_groundtruth(root / "data" / "otb" / seq))
            if named:
                continue  # a listed problem names the damage
            assert path not in damaged or expected is not None, f"{path} damaged, unreadable by got10k, not listed"
            assert shown.get(seq) is not None, f"{tracker}/{seq} left out of the per-sequence table, not listed"
            assert shown[seq] == pytest.approx(expected, abs=1e-9), f"{tracker}/{seq}: shown != got10k's own"


def run_results_damage(clean: Path, changes: list[Damage]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_of(clean, Path(tmp) / "case")
        damaged = set()
        for change in changes:
            tracker, seq = RESULT_FILES[change.target]
            path = results_file(root, tracker, seq)
            damage_lines(path, change)
            damaged.add(path)
        check_report(root, damaged)


@settings(max_examples=N_QUICK["analysis"], **FUZZ)
@given(changes=damages(ROW_DAMAGE, len(RESULT_FILES)))
@example(changes=[Damage("swap", 0, 3, 4), Damage("edit_value", 2, 5, 7)])  # valid edits: the equality is checked
def test_damaged_results_files_in_the_report(clean, changes):
    run_results_damage(clean, changes)


@pytest.mark.slow
@settings(max_examples=N_SLOW["analysis"], **FUZZ)
@given(changes=damages(ROW_DAMAGE, len(RESULT_FILES)))
def test_damaged_results_files_in_the_report_many(clean, changes):
    run_results_damage(clean, changes)


# ---- 2. results files damaged, then `siamfc eval` (which reuses finished results and has got10k report them) -----
def run_eval_on_damaged_results(clean: Path, changes: list[Damage]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_of(clean, Path(tmp) / "case")
        damaged = set()
        for change in changes:
            path = results_file(root, "siamfc", SEQUENCES[change.target % len(SEQUENCES)])
            damage_lines(path, change)
            damaged.add(path)
        code, err = siamfc(["eval", "--dataset", "otb", "--root", str(root / "data" / "otb"), "--out",
                            str(root / "out"), *TRACKER_OPTIONS])
        assert code in (0, 2), err  # 1: an internal error (a traceback)
        if code == 2:
            assert any(str(path) in err.strip().splitlines()[-1] for path in damaged), err
            return
        report = json.loads((root / "out" / "reports" / EXPERIMENT / "siamfc" / "performance.json").read_text())
        for seq in SEQUENCES:
            path = results_file(root, "siamfc", seq)
            expected = got10k_score(path, got10k_groundtruth(root / "data" / "otb" / seq))
            assert expected is not None, f"exit 0 over {path}, which got10k cannot score"
            shown = report["siamfc"]["seq_wise"][seq]["success_score"]
            assert shown == pytest.approx(expected, abs=1e-9), seq


@settings(max_examples=N_QUICK["eval"], **FUZZ)
@given(changes=damages(ROW_DAMAGE, len(SEQUENCES)))
@example(changes=[Damage("swap", 0, 3, 4), Damage("nan", 1, 5, 2)])  # always the exit-0 path too
def test_damaged_results_files_under_eval(clean, changes):
    run_eval_on_damaged_results(clean, changes)


@pytest.mark.slow
@settings(max_examples=N_SLOW["eval"], **FUZZ)
@given(changes=damages(ROW_DAMAGE, len(SEQUENCES)))
def test_damaged_results_files_under_eval_many(clean, changes):
    run_eval_on_damaged_results(clean, changes)


# ---- 3. ground truth and frames damaged, then `siamfc eval` (the reader under got10k) ----------------------------
GROUNDTRUTH_DAMAGE = ["drop", "duplicate", "swap", "truncate_rows", "tab", "semicolon", "space", "extra_column",
                      "missing_column", "nan", "negative_width", "word", "blank_line"]
FRAME_DAMAGE = ["frame_missing", "frame_corrupt", "frame_renamed", "frames_renumbered"]


def damage_frames(folder: Path, d: Damage) -> None:
    frames = sorted((folder / "img").glob("*.jpg"))
    if not frames:
        return
    frame = frames[d.row % len(frames)]
    if d.kind == "frame_missing":
        frame.unlink()
    elif d.kind == "frame_corrupt":
        rewrite(frame, frame.read_bytes()[: 100 + d.amount])
    elif d.kind == "frame_renamed":
        frame.rename(frame.with_name(f"img{int(frame.stem)}.jpg" if d.amount % 2 else f"{int(frame.stem):05d}.jpg"))
    elif d.kind == "frames_renumbered":  # numbered from another start, as OTB-100's BlurCar1 (0247.jpg, ...)
        for path in sorted(frames, reverse=True):
            path.rename(path.with_name(f"{int(path.stem) + d.amount:04d}.jpg"))


def run_groundtruth_damage(clean: Path, changes: list[Damage]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_of(clean, Path(tmp) / "case")
        shutil.rmtree(root / "out")
        touched = set()
        for change in changes:
            seq = SEQUENCES[change.target % len(SEQUENCES)]
            folder = root / "data" / "otb" / seq
            if change.kind in FRAME_DAMAGE:
                damage_frames(folder, change)
            else:
                damage_lines(folder / "groundtruth_rect.txt", change)
            touched.add(seq)
        code, err = siamfc(["eval", "--dataset", "otb", "--root", str(root / "data" / "otb"), "--out",
                            str(root / "out"), *TRACKER_OPTIONS])
        assert code in (0, 2), err
        if code == 2:
            assert any(seq in err.strip().splitlines()[-1] for seq in touched), err
            return
        report = json.loads((root / "out" / "reports" / EXPERIMENT / "siamfc" / "performance.json").read_text())
        for seq in SEQUENCES:
            folder = root / "data" / "otb" / seq
            anno = got10k_groundtruth(folder)
            frames = sorted((folder / "img").glob("*.jpg"))  # got10k's OTB loader: the sorted *.jpg files
            listed = str(folder) in err or f"{seq}" in err
            if anno is None or len(frames) != len(anno):
                assert listed, f"exit 0 on {seq}, which got10k's loader cannot pair, and no word of it: {err}"
                continue
            expected = got10k_score(results_file(root, "siamfc", seq), anno)
            shown = report["siamfc"]["seq_wise"][seq]["success_score"]
            assert listed or (expected is not None and shown == pytest.approx(expected, abs=1e-9)), seq




@settings(max_examples=N_QUICK["groundtruth"], **FUZZ)
@given(changes=damages(GROUNDTRUTH_DAMAGE + FRAME_DAMAGE, len(SEQUENCES), most=2))
def test_damaged_sequences_under_eval(clean, changes):
    run_groundtruth_damage(clean, changes)


@pytest.mark.slow
@settings(max_examples=N_SLOW["groundtruth"], **FUZZ)
@given(changes=damages(GROUNDTRUTH_DAMAGE + FRAME_DAMAGE, len(SEQUENCES), most=2))
def test_damaged_sequences_under_eval_many(clean, changes):
    run_groundtruth_damage(clean, changes)
