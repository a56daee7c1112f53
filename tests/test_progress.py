"""Progress everywhere a person waits, and nowhere else: real runs of `siamfc track`, `siamfc eval` and `siamfc vot
evaluate` on a pseudo-terminal show it (frames and fps; frames within a sequence; sequence, repetition and ETA),
the same runs piped show none, and --quiet shows none on a terminal either."""
from __future__ import annotations

import os
import re
import select
import subprocess
import sys

import cv2
import numpy as np
import pytest

from siamfc_plugin.cli import build_parser, main as siamfc_main

PERCENT_LINE = re.compile(r"^\s*\d+ %\s*$", re.M)


def in_terminal(*args, timeout: float = 600) -> str:
    """`python -m siamfc_plugin ARGS` with stdin, stdout and stderr on a pseudo-terminal (as in a shell); all it
    wrote. The terminal reports no size, as `script` and some CI terminals do."""
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "siamfc_plugin", *map(str, args)], stdin=slave, stdout=slave,
                               stderr=slave, close_fds=True)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                process.kill()
                raise AssertionError(f"`siamfc {' '.join(map(str, args))}` did not finish in {timeout} s")
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        process.wait()
        os.close(master)
    assert process.returncode == 0, b"".join(chunks).decode(errors="replace")[-3000:]
    return b"".join(chunks).decode(errors="replace")


def piped(*args, timeout: float = 600) -> str:
    result = subprocess.run([sys.executable, "-m", "siamfc_plugin", *map(str, args)], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def _first_box(sequence) -> str:
    gt = np.loadtxt(sequence / "groundtruth_rect.txt", delimiter=",")
    return ",".join(f"{v:.1f}" for v in gt[0])


# ---- siamfc track --------------------------------------------------------------------------------------------------
@pytest.mark.slow  # three real tracking runs
def test_track_shows_frames_and_fps_on_a_terminal_only(synthetic_root, random_checkpoint, tmp_path):
    sequence = synthetic_root / "Synthetic01"
    args = ["track", sequence, "--box", _first_box(sequence), "--checkpoint", random_checkpoint, "-o",
            tmp_path / "boxes.txt"]
    shown = in_terminal(*args)
    assert re.search(r"tracking: 30/30 frames", shown), shown
    assert re.search(r"\d+\.\d fps", shown), shown
    for output in (piped(*args), in_terminal(*args, "--quiet")):
        assert "frames |" not in output and " fps" not in output, output
        assert "wrote 30 boxes" in output  # the result line stays


# ---- siamfc eval ---------------------------------------------------------------------------------------------------
@pytest.mark.slow  # three real got10k runs
def test_eval_shows_the_frames_of_the_running_sequence_on_a_terminal_only(synthetic_root, random_checkpoint,
                                                                          tmp_path):
    def args(out):
        return ["eval", "--dataset", "otb", "--root", synthetic_root, "--checkpoint", random_checkpoint,
                "--sequences", "Synthetic01", "--out", tmp_path / out]

    shown = in_terminal(*args("tty"))
    assert re.search(r"Synthetic01: \d+/30 frames", shown), shown
    output = piped(*args("pipe"))
    assert "frames |" not in output, output
    assert "--Sequence 1/1: Synthetic01" in output  # got10k's own line per sequence: kept in logs
    quiet = in_terminal(*args("quiet"), "--quiet")
    assert "frames |" not in quiet and "--Sequence" not in quiet, quiet
    assert "success_auc" in quiet  # the results are still printed


# ---- siamfc vot evaluate -------------------------------------------------------------------------------------------
@pytest.fixture()
def static_workspace(tmp_path):
    """A workspace of two short synthetic sequences; the Static peer (no torch) runs in seconds."""
    workspace = tmp_path / "ws"
    assert siamfc_main(["vot", "prepare", "--synthetic", "--workspace", str(workspace), "--sequences", "2",
                        "--synthetic-frames", "20"]) == 0
    return workspace


def test_vot_evaluate_shows_sequence_repetition_and_eta_on_a_terminal_only(static_workspace):
    def evaluate(*extra):
        import shutil

        shutil.rmtree(static_workspace / "results", ignore_errors=True)
        return ["vot", "evaluate", "--workspace", static_workspace, "--no-analysis", "Static", *extra]

    shown = in_terminal(*evaluate())
    assert re.search(r"Static baseline: sequence 1/2 \(Synthetic01\), repetition \d+/15", shown), shown
    assert re.search(r"\d+% \[\d\d:\d\d<(\d\d:\d\d|\?)\]", shown), shown  # the ETA (remaining)
    assert not PERCENT_LINE.search(shown), "the toolkit's bare percentages are still echoed"
    assert "evaluation complete: Static on 2 sequences" in shown
    for output in (piped(*evaluate()), in_terminal(*evaluate("--quiet"))):
        assert "repetition" not in output and not PERCENT_LINE.search(output), output
        assert "evaluation complete: Static on 2 sequences" in output


def test_vot_progress_reads_the_toolkits_order():
    """Percentages 0-100 per tracker and experiment, in the toolkit's order: which sequence and repetition."""
    from siamfc_plugin.toolkits.vot.progress import EvaluationProgress, Run

    run = Run("SiamFC-3s", "baseline", ["ball1", "book", "bag"], 15)
    assert EvaluationProgress.describe(run, 0) == "SiamFC-3s baseline: sequence 1/3 (ball1), repetition 1/15"
    assert EvaluationProgress.describe(run, 40) == "SiamFC-3s baseline: sequence 2/3 (book), repetition 4/15"
    assert EvaluationProgress.describe(run, 100) == "SiamFC-3s baseline: 3 sequences done"
    shown = EvaluationProgress([run, Run("MIL", "baseline", ["ball1"], 1)], quiet=True)
    for line in ("3 %\n", "50 %\n", "100 %\n", "100 %\n"):
        assert shown(line)
    assert shown.run == 1  # the second 100 % is the next tracker's
    assert not shown("Evaluation concluded successfuly\n")


# ---- the annotated video -------------------------------------------------------------------------------------------
def test_annotated_video_shows_the_frame_number_and_the_confidence(tmp_path):
    from siamfc_plugin.data.video import annotate_writer

    frame = np.full((240, 320, 3), 120, np.uint8)
    box = [150.0, 120.0, 40.0, 30.0]
    path = tmp_path / "annotated.avi"
    writer = annotate_writer(str(path), frame.shape, 10)
    writer.write(frame, box, 0.25, 0)
    writer.write(frame, box, 0.25, 41)  # another frame number only
    writer.write(frame, box, 0.95, 41)  # another confidence only
    writer.close()
    capture = cv2.VideoCapture(str(path))
    images = [capture.read()[1].astype(int) for _ in range(3)]
    changed_by_index = np.abs(images[0] - images[1]).sum(axis=2) > 60
    changed_by_confidence = np.abs(images[1] - images[2]).sum(axis=2) > 60
    assert changed_by_index[:40, :160].sum() > 20, "no frame number drawn"
    assert changed_by_confidence.sum() > 20, "no confidence drawn"
    assert not changed_by_index[100:, :].any()  # the frame itself is untouched below the label


def test_track_help_says_the_box_is_0_based_pixels():
    text = build_parser("track")._subparsers._group_actions[0].choices["track"].format_help()
    assert re.search(r"x,y,w,h in\s+pixels", text) and "0-based" in text, text
