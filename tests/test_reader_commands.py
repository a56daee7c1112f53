"""Issue 27, the reader's half: the commands that read benchmark folders (`siamfc eval`, `siamfc vot prepare`,
`python -m analysis report`) go through the one reader. Each case is a real folder built from ../shared/data,
damaged as the issue found it, and the answer the command must give: the benchmark's own pairing, or exit 2 with
one line naming the file and the line or frame; counts of absent, refused and dropped lines in every summary."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m ARGS` with this checkout first on the path, one torch thread."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "VOT_PERSISTENT_CACHE": "0", "SIAMFC_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd or REPO,
                          env=environment)


def link(folder: Path, sources: list[Path], numbers, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for source, number in zip(sources, numbers):
        (folder / name.format(number)).symlink_to(source)


def otb_folder(otb_root: Path, folder: Path, numbers, lines: list[str], source: str = "FaceOcc1") -> Path:
    frames = sorted((otb_root / source / "img").iterdir())
    link(folder / "img", frames[:len(numbers)], numbers, "{:04d}.jpg")
    (folder / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return folder


def gt_lines(otb_root: Path, name: str) -> list[str]:
    return (otb_root / name / "groundtruth_rect.txt").read_text().splitlines()


def vot_folder(vot_root: Path, root: Path, frames: int = 20, skip=(), edit=None, name: str = "ball1") -> Path:
    src = vot_root / name
    numbers = [n for n in range(1, frames + 1) if n not in skip]
    link(root / name / "color", [src / "color" / f"{n:08d}.jpg" for n in numbers], numbers, "{:08d}.jpg")
    rows = (src / "groundtruth.txt").read_text().splitlines()[:frames]
    (root / name / "groundtruth.txt").write_text("\n".join(edit(rows) if edit else rows) + "\n")
    (root / name / "sequence").write_text((src / "sequence").read_text())
    (root / "list.txt").write_text(name + "\n")
    return root


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# ---- broken ground-truth lines: an error naming file and line, never NaN without a word --------------------------
@pytest.mark.parametrize("line, why", [("205,151,17", "3 values"), ("205;151;17;50", "'205;151;17;50' is not a number")])
def test_broken_line_is_exit_2_naming_file_and_line_in_prepare_and_eval(otb_root, tmp_path, line, why):
    lines = gt_lines(otb_root, "Crossing")[:30]
    lines[4] = line
    folder = otb_folder(otb_root, tmp_path / "otb" / "Crossing", range(1, 31), lines, source="Crossing")
    where = f"{folder / 'groundtruth_rect.txt'}:5: {why}"
    message = one_line_error(run("siamfc_plugin", "vot", "prepare", "--from", str(tmp_path / "otb"),
                                 "--workspace", str(tmp_path / "ws")))
    assert where in message, message
    assert not (tmp_path / "ws").exists()
    message = one_line_error(run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(tmp_path / "otb"),
                                 "--out", str(tmp_path / "ev"), "--random-weights"))
    assert where in message, message
    assert not list(tmp_path.glob("ev/results/*/*/*.txt"))


# ---- start-numbered folders and --missing-frames drop: every kept frame with its own box ---------------------------
def test_blurcar1_style_folder_prepares_with_each_frame_its_own_box(otb_root, tmp_path):
    """OTB-100's BlurCar1 numbers its frames from 0247: line 1 is frame 0247. Before, prepare refused it, and with
    --missing-frames drop paired 0247.jpg with line 247 (the box of 0493.jpg) while printing that every other frame
    kept its own box. With frame 0300 deleted, drop keeps 0301 with its own line 55."""
    lines = gt_lines(otb_root, "FaceOcc1")[:742]
    otb_folder(otb_root, tmp_path / "otb" / "BlurCar1", range(247, 989), lines)
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(tmp_path / "otb"), "--workspace",
               str(tmp_path / "ws"))
    assert done.returncode == 0, done.stderr
    assert "ground truth: 742 lines, 0 absent, 0 refused, 0 dropped" in done.stdout, done.stdout
    prepared = tmp_path / "ws" / "sequences" / "BlurCar1"
    first = np.array(lines[0].split(","), float) - [1, 1, 0, 0]
    np.testing.assert_allclose(np.array((prepared / "groundtruth.txt").read_text().split()[0].split(","), float),
                               first)
    assert (prepared / "color" / "00000001.jpg").samefile(tmp_path / "otb" / "BlurCar1" / "img" / "0247.jpg")

    (tmp_path / "otb" / "BlurCar1" / "img" / "0300.jpg").unlink()
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(tmp_path / "otb"), "--workspace",
               str(tmp_path / "ws2"), "--missing-frames", "drop")
    assert done.returncode == 0, done.stderr
    assert "BlurCar1: frame(s) 300 have no frame file" in done.stderr
    assert "ground truth: 742 lines, 0 absent, 0 refused, 1 dropped" in done.stdout, done.stdout
    prepared = tmp_path / "ws2" / "sequences" / "BlurCar1"
    rows = (prepared / "groundtruth.txt").read_text().split()
    # prepared frame 54 is source frame 0301 (0247 + 54, one frame dropped before it): source line 55
    assert (prepared / "color" / "00000054.jpg").samefile(tmp_path / "otb" / "BlurCar1" / "img" / "0301.jpg")
    np.testing.assert_allclose(np.array(rows[53].split(","), float), np.array(lines[54].split(","), float) - [1, 1, 0, 0])


# ---- siamfc eval --dataset vot: a missing frame, a failed run, mixed lines ----------------------------------------
def test_eval_vot_missing_frame_is_named_and_leaves_no_results(vot_root, tmp_path):
    """Before: tracked with frames shifted by position, then an AssertionError traceback in got10k's report, and
    the shifted results kept as finished."""
    root = vot_folder(vot_root, tmp_path / "vot", skip=(12,))
    message = one_line_error(run("siamfc_plugin", "eval", "--dataset", "vot", "--root", str(root), "--out",
                                 str(tmp_path / "ev"), "--random-weights"))
    assert "ball1: frame 12 missing" in message and "color/00000012.jpg" in message, message
    assert not list(tmp_path.glob("ev/results/**/*.txt"))


@pytest.fixture(scope="module")
def random_tracker(random_checkpoint):
    from siamfc_plugin.backends.build import build_tracker
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker

    return Got10kTracker(build_tracker(random_checkpoint).tracker, name="SiamFC-test")


def test_an_unfinished_vot_result_is_run_again_not_counted_as_finished(random_tracker, vot_root, tmp_path):
    """An earlier run that failed left an empty result file (got10k writes one for a sequence whose frames it found
    none of). Before, got10k counted it as finished, and every later run ended in its report's AssertionError until
    --overwrite."""
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    root = vot_folder(vot_root, tmp_path / "vot")
    stale = tmp_path / "ev" / "results" / "VOT" / "SiamFC-test" / "baseline" / "ball1" / "ball1_001.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("")
    summary = run_experiment(random_tracker, "vot", str(root), str(tmp_path / "ev"))
    assert len(stale.read_text().split()) == 20
    assert summary["groundtruth_lines"] == 20 and summary["absent_lines"] == 0 and summary["refused_lines"] == 0


def test_eval_vot_with_rectangle_and_polygon_lines_runs_and_counts(random_tracker, vot_root, tmp_path):
    """Mixed 4- and 8-value lines (vot-toolkit reads each line on its own): before, numpy's 'the number of columns
    changed from 4 to 8 at row 2', naming no file. An unknown line (0) is counted as absent."""
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    def edit(rows):
        rows[0] = "496.0,419.0,40.0,42.0"
        rows[15] = "0"
        return rows

    root = vot_folder(vot_root, tmp_path / "vot", edit=edit)
    summary = run_experiment(random_tracker, "vot", str(root), str(tmp_path / "ev"))
    assert 0 <= summary["accuracy"] <= 1
    assert summary["groundtruth_lines"] == 20 and summary["absent_lines"] == 1 and summary["dropped_frames"] == 0


def test_eval_summary_counts_the_ground_truth(random_tracker, otb_root, tmp_path):
    """`siamfc eval`'s summary (and --json line) carries the reader's counts: David built from FaceOcc1 (frames
    0001-0770, 471 lines for 300-770; cut to its first 40 annotated frames here) has 299 unannotated frames of
    the official folder left out; a NaN line is an absent frame."""
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    lines = gt_lines(otb_root, "FaceOcc1")[299:339]
    lines[10] = "NaN,NaN,NaN,NaN"
    otb_folder(otb_root, tmp_path / "otb" / "David", range(1, 340), lines)
    summary = run_experiment(random_tracker, "otb", str(tmp_path / "otb"), str(tmp_path / "ev"))
    assert summary["frames"] == 40
    assert (summary["groundtruth_lines"], summary["absent_lines"], summary["refused_lines"],
            summary["unannotated_frames"]) == (40, 1, 0, 299)
    written = json.loads((Path(summary["report_dir"]) / "summary.json").read_text())
    assert written["unannotated_frames"] == 299


@pytest.mark.slow
def test_david_from_faceocc1_scores_as_the_benchmark_pairs_it(trained_checkpoint, otb_root, tmp_path):
    """The issue's headline, end to end: `siamfc eval --dataset otb` on a David-style folder built from FaceOcc1's
    frames (0001-0770, 471 lines for 300-770). Before: AUC 0.363 (frames paired by position). The AUC now equals
    the one computed from its results against got10k's own OTB loader's pairing, and is the 0.7 the issue
    measured with the benchmark's pairing."""
    from got10k.datasets import OTB
    from got10k.utils.metrics import rect_iou

    lines = gt_lines(otb_root, "FaceOcc1")[299:770]
    otb_folder(otb_root, tmp_path / "otb" / "David", range(1, 771), lines)
    done = run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(tmp_path / "otb"), "--out",
               str(tmp_path / "ev"), "--checkpoint", trained_checkpoint, "--backend", "torch", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        frames, anno = OTB(str(tmp_path / "otb"), version=2015, download=False)["David"]
    results = np.loadtxt(next((tmp_path / "ev" / "results" / "OTB").glob("*/David.txt")), delimiter=",")
    results[:, :2] += 1  # ours are 0-based; got10k's loader reads the file's 1-based boxes
    results[0] = anno[0]
    ious = rect_iou(results, anno)
    auc = float(np.mean([np.mean(ious > t) for t in np.linspace(0, 1, 21)]))
    assert summary["success_auc"] == pytest.approx(auc, abs=1e-6)
    assert summary["success_auc"] > 0.6, summary  # by position it was 0.363
    assert summary["unannotated_frames"] == 299


# ---- analysis: the same reader, refused lines listed (never "absent"), counts on the page --------------------------
def test_report_lists_a_refused_ground_truth_line_and_counts_absent_ones(otb_root, tmp_path):
    """Before, a line with 3 values became NaN and the page called it an absent frame '(excluded)'."""
    from siamfc_plugin.core.peers import make_peer
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    lines = gt_lines(otb_root, "Crossing")[:20]
    lines[6] = "NaN,NaN,NaN,NaN"
    otb_folder(otb_root, tmp_path / "otb" / "Crossing", range(1, 21), lines, source="Crossing")
    run_experiment(Got10kTracker(make_peer("Static"), name="Static", is_deterministic=True), "otb",
                   str(tmp_path / "otb"), str(tmp_path / "out"))
    done = run("analysis", "report", "--out", str(tmp_path / "board"), "--got10k", str(tmp_path / "out"),
               "--otb-root", str(tmp_path / "otb"))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "board" / "summary.json").read_text())
    assert [(g["experiment"], g["lines"], g["absent"], g["refused"]) for g in summary["groundtruth"]] == \
        [("OTB", 20, 1, 0)]
    assert "20 lines, 1 marking the target absent, 0 refused" in (tmp_path / "board" / "index.md").read_text()

    lines[4] = "205,151,17"  # the ground truth damaged after the run
    (tmp_path / "otb" / "Crossing" / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    done = run("analysis", "report", "--out", str(tmp_path / "board2"), "--got10k", str(tmp_path / "out"),
               "--otb-root", str(tmp_path / "otb"))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "board2" / "summary.json").read_text())
    whys = " | ".join(p["why"] for p in summary["problems"])
    assert f"{tmp_path / 'otb' / 'Crossing' / 'groundtruth_rect.txt'}:5: 3 values" in whys, whys
    assert [(g["absent"], g["refused"]) for g in summary["groundtruth"]] == [(1, 1)]
    board = summary["otb_OTB"][0]
    assert board["absent_frames"] == 0  # not recomputed from a damaged file: got10k's own numbers, no 'absent'
