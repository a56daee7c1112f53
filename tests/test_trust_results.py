"""Issue 27, items 4-6: results files validated wherever they are read, abnormal trax answers reported, errors that
name their input and internal errors never dressed as user errors. Real data (../shared/data), real got10k and
vot-toolkit runs of SiamFC (random weights) and the static box on short sequences, damaged by the tests."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FRAMES = 20
SEQUENCES = ("Crossing", "DragonBaby")


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m ARGS` with this checkout first on the path."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "VOT_PERSISTENT_CACHE": "0", **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=REPO, env=environment)


def otb_copy(otb_root: Path, folder: Path, frames: int = FRAMES) -> Path:
    """The first `frames` frames of SEQUENCES in OTB layout, copied (a test may damage them)."""
    for seq in SEQUENCES:
        (folder / seq / "img").mkdir(parents=True)
        for i in range(1, frames + 1):
            shutil.copyfile(otb_root / seq / "img" / f"{i:04d}.jpg", folder / seq / "img" / f"{i:04d}.jpg")
        lines = (otb_root / seq / "groundtruth_rect.txt").read_text().splitlines()[:frames]
        (folder / seq / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return folder


def edit_rows(path: Path, rows: dict[int, str]) -> None:
    """Replace 0-based rows of a text file (unlinked first: never write through a shared file)."""
    lines = path.read_text().splitlines()
    for index, text in rows.items():
        lines[index] = text
    path.unlink()
    path.write_text("\n".join(lines) + "\n")


SIAMFC = ["--random-weights", "--threads", "1", "--name", "siamfc"]


@pytest.fixture(scope="module")
def got10k_runs(tmp_path_factory, otb_root) -> Path:
    """<root>/otb and <root>/out: got10k OTB outputs of SiamFC (random weights, `siamfc eval`) and the static box."""
    from siamfc_plugin.core.peers import make_peer
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    root = tmp_path_factory.mktemp("results")
    data = otb_copy(otb_root, root / "otb")
    done = run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(data), "--out", str(root / "out"), *SIAMFC)
    assert done.returncode == 0, done.stderr
    run_experiment(Got10kTracker(make_peer("Static"), name="Static", is_deterministic=True), "otb", str(data),
                   str(root / "out"))
    return root


def copy_runs(got10k_runs: Path, folder: Path) -> Path:
    shutil.copytree(got10k_runs, folder)
    return folder


def results(root: Path, tracker: str, seq: str) -> Path:
    return root / "out" / "results" / "OTB" / tracker / f"{seq}.txt"


def read_csv(path: Path) -> list[dict]:
    """Rows of a table the report wrote (CSV: full precision)."""
    import pandas as pd

    return pd.read_csv(path).to_dict("records")


def report(root: Path) -> tuple[subprocess.CompletedProcess, dict, str]:
    done = run("analysis", "report", "--out", str(root / "board"), "--got10k", str(root / "out"), "--otb-root",
               str(root / "otb"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done, json.loads((root / "board" / "summary.json").read_text()), (root / "board" / "index.md").read_text()


# ---- 4. results files validated where analysis reads them ------------------------------------------------------------
def test_rows_that_are_not_boxes_are_listed_with_file_and_line(got10k_runs, tmp_path):
    root = copy_runs(got10k_runs, tmp_path / "case")
    crossing, dragon = results(root, "siamfc", "Crossing"), results(root, "siamfc", "DragonBaby")
    edit_rows(crossing, {10: "nan,nan,nan,nan", 14: "10,10,-5,20"})
    edit_rows(dragon, {5: "1,2,3", 7: "1\t2\t3\t4"})
    done, summary, page = report(root)
    whys = " | ".join(p["why"] for p in summary["problems"])
    assert f"{crossing}: line 11: 'nan,nan,nan,nan': NaN or infinite value; line 15:" in whys, whys
    assert f"{dragon}: line 6: 3 value(s), a box needs 4" in whys and "line 8:" in whys, whys
    assert str(crossing) in done.stderr and str(dragon) in done.stderr  # the command's output too
    # no equality is claimed that does not hold: SiamFC's files changed, its AUC differs from got10k's report
    board = {r["tracker"]: r for r in read_csv(root / "board" / "tables" / "leaderboard_otb.csv")}
    assert board["siamfc"]["success_auc"] != board["siamfc"]["success_auc_got10k"]
    assert "so the scores equal got10k's report" not in page
    assert "The success AUC of siamfc differs from got10k's report" in page
    assert "Checked: the success AUC of Static equals got10k's report" in page
    # such rows are failures: the recomputed AUC is got10k's arithmetic with those rows NaN
    from got10k.utils.metrics import rect_iou

    scores = []
    for seq, path in (("Crossing", crossing), ("DragonBaby", dragon)):
        boxes = np.array([[float(v) for v in line.replace("\t", ",").split(",")] if line.count(",") == 3
                          else [np.nan] * 4 for line in path.read_text().splitlines()])
        boxes[~(np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0))] = np.nan
        gt = np.loadtxt(root / "otb" / seq / "groundtruth_rect.txt", delimiter=",")
        gt[:, :2] -= 1
        boxes[0] = gt[0]
        ious = rect_iou(boxes, gt)
        scores.append(np.mean(ious[:, None] > np.linspace(0, 1, 21)[None, :]))
    assert board["siamfc"]["success_auc"] == pytest.approx(np.mean(scores), abs=1e-12)


def test_per_sequence_table_is_the_board_computation_and_a_stale_report_is_listed(got10k_runs, tmp_path):
    root = copy_runs(got10k_runs, tmp_path / "case")
    crossing = results(root, "Static", "Crossing")
    gt = (root / "otb" / "Crossing" / "groundtruth_rect.txt").read_text().splitlines()
    # valid boxes, the ground truth itself from frame 6 on: the report (made before) is now stale
    edit_rows(crossing, {i: ",".join(f"{float(v) - (1 if k < 2 else 0):.3f}" for k, v in enumerate(gt[i].split(",")))
                         for i in range(5, FRAMES)})
    _, summary, page = report(root)
    board = {r["tracker"]: r for r in read_csv(root / "board" / "tables" / "leaderboard_otb.csv")}
    per_sequence = {r["tracker"]: r for r in read_csv(root / "board" / "tables" / "per_sequence_otb.csv")}
    for tracker in ("siamfc", "Static"):
        assert board[tracker]["success_auc"] == pytest.approx(per_sequence[tracker]["mean"], abs=1e-12)
    performance = json.loads((root / "out" / "reports" / "OTB" / "Static" / "performance.json").read_text())
    stale = performance["Static"]["seq_wise"]["Crossing"]["success_score"]
    assert per_sequence["Static"]["Crossing"] > stale + 0.05  # from the files, not from the stale report
    stale_problems = [p["why"] for p in summary["problems"] if "changed after the report" in p["why"]]
    assert len(stale_problems) == 1 and str(crossing) in stale_problems[0] and f"{stale:.4f}" in stale_problems[0]
    assert "Checked: the success AUC of siamfc equals got10k's report" in page


def test_eval_refuses_results_that_got10k_cannot_read_naming_file_and_line(got10k_runs, tmp_path):
    root = copy_runs(got10k_runs, tmp_path / "case")
    path = results(root, "siamfc", "Crossing")
    eval_args = ("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(root / "otb"), "--out",
                 str(root / "out"), *SIAMFC)
    edit_rows(path, {3: "1,2,3"})
    done = run(*eval_args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{path}: line 4: 3 value(s), a box needs 4 (x,y,w,h)" in done.stderr and "--overwrite" in done.stderr
    path.write_text("\n".join(path.read_text().splitlines()[:12]) + "\n")  # cut short (got10k: AssertionError)
    done = run(*eval_args)  # a run that did not finish: removed, named, and its sequence tracked again
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert f"{path}: 12 lines for {FRAMES} frames (a run that did not finish); removed" in done.stderr
    assert len(path.read_text().splitlines()) == FRAMES
    path.unlink()
    shutil.copyfile(results(got10k_runs, "siamfc", "Crossing"), path)
    edit_rows(path, {6: "nan,nan,nan,nan"})  # got10k reads and scores it (a failure): a warning, exit 0
    done = run(*eval_args)
    assert done.returncode == 0, done.stderr
    assert f"{path}: line 7: 'nan,nan,nan,nan': NaN or infinite value" in done.stderr


def test_leaderboard_over_damaged_results_is_one_line_naming_file_and_line(otb_root, tmp_path):
    data = otb_copy(otb_root, tmp_path / "otb", frames=12)
    command = ("siamfc_plugin", "leaderboard", "--random-weights", "--threads", "1", "--root", str(data),
               "--skip-vot", "--peers", "Static", "--out", str(tmp_path / "lb"))
    assert run(*command).returncode == 0
    path = tmp_path / "lb" / "got10k" / "results" / "OTB" / "SiamFC-3s-random" / "Crossing.txt"
    edit_rows(path, {3: "1,2,3"})
    done = run(*command)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{path}: line 4: 3 value(s)" in done.stderr.strip().splitlines()[-1]


# ---- 5. abnormal trax answers reported; short sequences warned about -------------------------------------------------
def test_corrupt_frame_in_a_vot_run_is_reported_with_sequence_and_frame(otb_root, tmp_path):
    view = otb_copy(otb_root, tmp_path / "otb")
    ws = tmp_path / "ws"
    assert run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--names", "Crossing", "--workspace",
               str(ws)).returncode == 0
    frame = ws / "sequences" / "Crossing" / "color" / "00000012.jpg"
    data = frame.read_bytes()[:100]
    frame.unlink()  # the prepared frame may be a link to the copy: replace it, never write through it
    frame.write_bytes(data)
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(ws), "--quiet", "--name", "a", "Static")
    assert done.returncode == 0, done.stderr
    assert "abnormal tracker answer" in done.stderr
    assert "Static baseline/Crossing: the tracker answered 'frame_unreadable' at frame 12 (color/00000012.jpg)" \
        in done.stderr, done.stderr
    done = run("analysis", "report", "--out", str(tmp_path / "board"), "--vot-workspace", str(ws))
    assert done.returncode == 0, done.stderr
    problems = json.loads((tmp_path / "board" / "summary.json").read_text())["problems"]
    assert [p for p in problems if p["sequence"] == "Crossing" and "'frame_unreadable' at frame 12" in p["why"]]


def test_prepare_warns_about_sequences_within_the_burn_in(otb_root, tmp_path):
    view = otb_copy(otb_root, tmp_path / "otb", frames=8)
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(tmp_path / "ws"))
    assert done.returncode == 0, done.stderr
    assert "Crossing (8 frames), DragonBaby (8 frames) are no longer than the burn-in" in done.stderr
    assert "AccuracyRobustness analysis (10 frames" in done.stderr


# ---- 6. internal exceptions are never dressed as user errors ----------------------------------------------------------
def test_only_our_errors_are_one_line_user_errors(monkeypatch, capsys):
    """A plain ValueError inside a command (numpy's, say) is a bug: traceback, "please report", exit 1; the plugin's
    own errors are one line, exit 2. (The command's function is replaced: no real input of ours raises a bare
    ValueError any more, which is the point.)"""
    from siamfc_plugin import cli

    def numpy_like(args):
        raise ValueError("could not convert string to float: 'abc'")

    monkeypatch.setattr(cli, "cmd_synthetic", numpy_like)
    assert cli.main(["synthetic", "--out", "x"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error (ValueError)" in err and "please report" in err

    from siamfc_plugin.common.errors import InputError

    def ours(args):
        raise InputError("data/x.txt, line 3: 3 values")

    monkeypatch.setattr(cli, "cmd_synthetic", ours)
    assert cli.main(["synthetic", "--out", "x"]) == 2
    assert capsys.readouterr().err == "siamfc synthetic: error: data/x.txt, line 3: 3 values\n"


def test_malformed_inputs_of_the_report_name_the_file(tmp_path, got10k_runs):
    curve = tmp_path / "curve.json"
    curve.write_text("{not json")
    done = run("analysis", "report", "--out", str(tmp_path / "b"), "--got10k", str(got10k_runs / "out"),
               "--datasize-curve", str(curve))
    assert done.returncode == 2 and str(curve) in done.stderr and "Traceback" not in done.stderr, done.stderr
    analysis_json = tmp_path / "ws" / "analysis" / "a.json"
    analysis_json.parent.mkdir(parents=True)
    analysis_json.write_text(json.dumps({"results": {"baseline": {"parameters": {"analyses": [
        {"type": "vot.analysis.supervised.AverageAccuracyRobustness"}]}, "results": [[3]]}},
        "trackers": {"a": {}}}))
    done = run("siamfc_plugin", "vot", "table", str(analysis_json))
    assert done.returncode == 2 and str(analysis_json) in done.stderr and "Traceback" not in done.stderr, \
        done.stderr


def test_sequences_got10k_cannot_score_are_named_before_tracking(otb_root, tmp_path):
    """Found by tests/test_fuzz_damage.py: a one-frame sequence ended in numpy's "setting an array element with a
    sequence" inside got10k's report (np.loadtxt reads one row as a 1-D array), and a first ground-truth box that
    cannot start a tracker was "box has NaN or infinite values" naming no sequence."""
    one = otb_copy(otb_root, tmp_path / "one", frames=3)
    for seq in SEQUENCES:
        edit_path = one / seq / "groundtruth_rect.txt"
        first = edit_path.read_text().splitlines()[0]
        edit_path.unlink()
        edit_path.write_text(first + "\n")
    done = run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(one), "--out", str(tmp_path / "o1"), *SIAMFC)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    # the strict reader refuses it first (3 frames, 1 line), naming the sequence and the frames; a folder with
    # one frame and one line reaches the one-frame check (experiments.check_results)
    assert "Crossing: 3 frame files for 1 ground-truth lines" in done.stderr
    bad = otb_copy(otb_root, tmp_path / "bad", frames=3)
    edit_rows(bad / "DragonBaby" / "groundtruth_rect.txt", {0: "nan,nan,nan,nan"})
    done = run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(bad), "--out", str(tmp_path / "o2"), *SIAMFC)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{bad / 'DragonBaby' / 'img'}: the first ground-truth box cannot start a tracker" in done.stderr
