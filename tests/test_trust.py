"""Issue 19: no input may silently change a score. Each case is a real input (../shared/data sequences, real
vot-toolkit and got10k runs of the fast peers), damaged by the test, and the answer the plugin must give: a correct
number, or an error / a listed problem naming the file, sequence or frame. Sequences are cut short to stay fast."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FRAMES = 40


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m ARGS` with this checkout first on the path; output as text."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), "VOT_PERSISTENT_CACHE": "0", **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd or REPO,
                          env=environment)


def otb_view(otb_root: Path, folder: Path, seqs=("Crossing",), frames: int = FRAMES, skip: tuple[int, ...] = ()
             ) -> Path:
    """OTB-layout copy (symbolic links) of the first `frames` frames; frame numbers in `skip` left out."""
    for seq in seqs:
        (folder / seq / "img").mkdir(parents=True)
        for i in range(1, frames + 1):
            if i not in skip:
                (folder / seq / "img" / f"{i:04d}.jpg").symlink_to(otb_root / seq / "img" / f"{i:04d}.jpg")
        lines = (otb_root / seq / "groundtruth_rect.txt").read_text().splitlines()[:frames]
        (folder / seq / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return folder


# ---- 1. a missing frame must never shift the ground truth -----------------------------------------------------------
def test_missing_frame_is_an_error_naming_sequence_and_frame(otb_root, tmp_path):
    from siamfc_plugin.data.readers import MissingFrameError, read_sequences

    view = otb_view(otb_root, tmp_path / "otb", skip=(31,))
    with pytest.raises(MissingFrameError, match=r"Crossing.*frame 31\b"):
        read_sequences(str(view), "otb")
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(tmp_path / "ws"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Crossing" in done.stderr and "frame 31" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ws").exists()  # no half-made workspace left behind
    done = run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(view), "--out", str(tmp_path / "ev"))
    assert done.returncode == 2 and "Crossing" in done.stderr and "frame 31" in done.stderr, done.stderr
    assert not list((tmp_path / "ev").glob("results/*/*/*.txt")) if (tmp_path / "ev").exists() else True


def test_missing_frame_dropped_by_option_keeps_every_other_pair(otb_root, tmp_path):
    from siamfc_plugin.formats.lines import read_groundtruth

    view = otb_view(otb_root, tmp_path / "otb", skip=(31,))
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(tmp_path / "ws"),
               "--missing-frames", "drop")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Crossing" in done.stdout + done.stderr and "31" in done.stdout + done.stderr  # the drop is reported
    seq = tmp_path / "ws" / "sequences" / "Crossing"
    frames = sorted((seq / "color").iterdir())
    assert len(frames) == FRAMES - 1
    source_boxes = read_groundtruth(str(otb_root / "Crossing" / "groundtruth_rect.txt"), "otb").boxes
    prepared_boxes = read_groundtruth(str(seq / "groundtruth.txt"), "vot").boxes
    assert len(prepared_boxes) == FRAMES - 1
    # prepared frame k holds source frame k (k <= 30), then source frame k + 1, each with its own box
    for k, src in ((30, 30), (31, 32), (FRAMES - 1, FRAMES)):
        assert frames[k - 1].samefile(otb_root / "Crossing" / "img" / f"{src:04d}.jpg")
        np.testing.assert_allclose(prepared_boxes[k - 1][:2], source_boxes[src - 1][:2] - 1, atol=1e-3)


def test_frame_deleted_after_prepare_is_named_before_the_toolkit_runs(otb_root, tmp_path):
    view = otb_view(otb_root, tmp_path / "otb")
    assert run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace",
               str(tmp_path / "ws")).returncode == 0
    (tmp_path / "ws" / "sequences" / "Crossing" / "color" / "00000031.jpg").unlink()
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(tmp_path / "ws"), "--quiet", "Static")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Crossing" in done.stderr and "00000031.jpg" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


# ---- a real VOT workspace: MIL and the static box through vot-toolkit (trax) on two sequences, 30 frames ----------
VOT_FRAMES = 30


@pytest.fixture(scope="module")
def vot_ws(tmp_path_factory, vot_root) -> Path:
    ws = tmp_path_factory.mktemp("vot") / "ws"
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(vot_root), "--names", "ball1,bag", "--frames",
               str(VOT_FRAMES), "--workspace", str(ws))
    assert done.returncode == 0, done.stderr
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(ws), "--quiet", "--name", "both", "MIL",
               "Static")
    assert done.returncode == 0, done.stdout + done.stderr
    return ws


def copy_ws(ws: Path, folder: Path) -> Path:
    import shutil

    shutil.copytree(ws, folder, symlinks=True)
    return folder


def report(out: Path, *args: str) -> subprocess.CompletedProcess:
    return run("analysis", "report", "--out", str(out), *args)


def summary(out: Path) -> dict:
    import json

    return json.loads((out / "summary.json").read_text())


# ---- 2. the leaderboard must not drop a tracker -----------------------------------------------------------------------
@pytest.mark.slow
def test_newer_analysis_of_one_tracker_keeps_the_others_on_the_board(vot_ws, tmp_path):
    ws = copy_ws(vot_ws, tmp_path / "ws")
    os.utime(ws / "analysis" / "both.json", (1, 1))  # older than the next one
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(ws), "--quiet", "--name", "static", "Static")
    assert done.returncode == 0, done.stderr
    done = report(tmp_path / "board", "--vot-workspace", str(ws))
    assert done.returncode == 0, done.stderr
    board = {row["tracker"]: row for row in summary(tmp_path / "board")["vot"]}
    assert set(board) == {"MIL", "Static"}
    assert board["MIL"]["accuracy"] == pytest.approx(_toolkit_accuracy(ws / "analysis" / "both.json", "MIL"))
    assert "both.json" in (tmp_path / "board" / "index.md").read_text()  # where MIL's numbers come from


@pytest.mark.slow
def test_tracker_with_results_in_no_analysis_is_a_listed_problem(vot_ws, tmp_path):
    import shutil

    ws = copy_ws(vot_ws, tmp_path / "ws")
    shutil.copytree(ws / "results" / "MIL", ws / "results" / "MIL_copy")  # results the analysis never saw
    done = report(tmp_path / "board", "--vot-workspace", str(ws))
    assert done.returncode == 0, done.stderr
    problems = summary(tmp_path / "board")["problems"]
    assert any(p["tracker"] == "MIL_copy" and "no analysis" in p["why"] for p in problems), problems
    assert "MIL_copy" in done.stderr


def _toolkit_accuracy(path: Path, tracker: str) -> float:
    import json

    doc = json.loads(path.read_text())
    trackers = list(doc["trackers"])
    block = doc["results"]["baseline"]
    for spec, data in zip(block["parameters"]["analyses"], block["results"]):
        if spec["type"].endswith("supervised.AverageAccuracyRobustness"):
            return data[trackers.index(tracker)][0]
    raise AssertionError("no average AR in " + str(path))


# ---- 3. an absent target (no ground truth) is not a failure -----------------------------------------------------------
ABSENT = range(8, 14)  # 0-based frames without ground truth (NaN rows, as prepare writes for absent targets)


@pytest.mark.slow
def test_absent_target_is_never_a_failure_in_the_supervised_experiment(otb_root, tmp_path):
    from siamfc_plugin.toolkits.vot.workspace import FAILURE, read_trajectory_codes

    view = otb_view(otb_root, tmp_path / "otb", frames=24)
    lines = (view / "Crossing" / "groundtruth_rect.txt").read_text().splitlines()
    for i in ABSENT:
        lines[i] = "NaN,NaN,NaN,NaN"
    (view / "Crossing" / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    ws = tmp_path / "ws"
    assert run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(ws)).returncode == 0
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(ws), "--quiet", "--no-analysis", "Static")
    assert done.returncode == 0, done.stdout + done.stderr
    codes = read_trajectory_codes(str(ws / "results" / "Static" / "baseline" / "Crossing" / "Crossing_001.bin"))
    failures = [i for i, c in enumerate(codes) if c == FAILURE]
    assert not [i for i in failures if i in ABSENT], f"failures at absent frames {failures}"


# ---- 4. an EAO interval longer than the sequences -----------------------------------------------------------------
def test_prepare_warns_when_sequences_are_shorter_than_the_eao_interval(vot_root, tmp_path):
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(vot_root), "--names", "book", "--frames", "150",
               "--workspace", str(tmp_path / "ws"))
    assert done.returncode == 0, done.stderr
    assert "[108, 149]" in done.stderr and "not comparable" in done.stderr, done.stderr


@pytest.mark.slow
def test_eao_interval_actually_used_is_stated_and_never_beside_the_published_eao(vot_ws, tmp_path):
    import yaml

    ws = copy_ws(vot_ws, tmp_path / "ws")
    stack = yaml.safe_load((ws / "stacks" / "baseline.yaml").read_text())
    for analysis in stack["experiments"]["baseline"]["analyses"]:
        if analysis["type"] == "supervised_eao_score":
            analysis["low"], analysis["high"] = 10, 60  # beyond the 30-frame sequences
    (ws / "stacks" / "short.yaml").write_text(yaml.safe_dump(stack))
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(ws), "--stack", "stacks/short.yaml",
               "--name", "short", "MIL", "Static")
    assert done.returncode == 0, done.stderr
    assert "[10, 29]" in done.stdout, done.stdout  # the table printed by evaluate
    done = report(tmp_path / "board", "--vot-workspace", str(ws))
    assert done.returncode == 0, done.stderr
    rows = summary(tmp_path / "board")["vot"]
    assert {row["eao_interval"] for row in rows} <= {"[10, 29]", "[10, 28]"}, rows
    assert "[10, 29]" in done.stderr and "not comparable" in done.stderr
    page = (tmp_path / "board" / "index.md").read_text()
    assert "not comparable: interval [10, 29]" in page


# ---- 5. old-style VOT folders (VOT2013-2016, VOT-TIR: frames at the root, *.label) -------------------------------------
def old_vot_view(vot_root: Path, train_root: Path, folder: Path, frames: int = 20) -> Path:
    """ball1 as VOT2013-2016 shipped it (frames beside groundtruth.txt, <tag>.label) next to a GOT-10k sequence."""
    seq = folder / "ball1"
    seq.mkdir(parents=True)
    for i in range(1, frames + 1):
        (seq / f"{i:08d}.jpg").symlink_to(vot_root / "ball1" / "color" / f"{i:08d}.jpg")
    (seq / "groundtruth.txt").write_text(
        "\n".join((vot_root / "ball1" / "groundtruth.txt").read_text().splitlines()[:frames]) + "\n")
    for tag in (vot_root / "ball1").glob("*.tag"):
        (seq / (tag.stem + ".label")).write_text("\n".join(tag.read_text().splitlines()[:frames]) + "\n")
    got = train_root / "got10k" / "train" / "ARMOT_2"
    (folder / "ARMOT_2").mkdir()
    for i in range(1, frames + 1):
        (folder / "ARMOT_2" / f"{i:08d}.jpg").symlink_to(got / f"{i:08d}.jpg")
    for name in ("groundtruth.txt", "absence.label", "cover.label", "cut_by_image.label"):
        (folder / "ARMOT_2" / name).write_text("\n".join((got / name).read_text().splitlines()[:frames]) + "\n")
    (folder / "ARMOT_2" / "meta_info.ini").write_text((got / "meta_info.ini").read_text())
    return folder


def test_old_style_vot_folder_is_read_as_vot_per_sequence(vot_root, train_root, tmp_path):
    from siamfc_plugin.data.readers import read_sequences

    view = old_vot_view(vot_root, train_root, tmp_path / "old")
    by_name = {s.name: s for s in read_sequences(str(view))}
    assert by_name["ball1"].layout == "vot-legacy" and by_name["ARMOT_2"].layout == "got10k"
    assert "camera_motion" in by_name["ball1"].attributes
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(tmp_path / "ws"))
    assert done.returncode == 0, done.stderr
    assert "ball1 (20, vot-legacy)" in done.stdout and "ARMOT_2 (20, got10k)" in done.stdout, done.stdout
    ball1 = tmp_path / "ws" / "sequences" / "ball1"
    first = (ball1 / "groundtruth.txt").read_text().splitlines()[1]
    assert len(first.split(",")) == 8, first  # the polygon stays a polygon
    assert (ball1 / "camera_motion.tag").read_text().splitlines() == \
        (vot_root / "ball1" / "camera_motion.tag").read_text().splitlines()[:20]  # labels become tags


# ---- 6. a damaged got10k result file is a listed problem, never a lost section ---------------------------------------
@pytest.fixture(scope="module")
def got10k_out(tmp_path_factory, otb_root):
    """Real got10k OTB-experiment outputs of MIL and the static box on two OTB sequences (20 frames)."""
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment
    from siamfc_plugin.core.peers import make_peer

    root = tmp_path_factory.mktemp("g10")
    data = otb_view(otb_root, root / "otb", seqs=("Crossing", "DragonBaby"), frames=20)
    for peer in ("MIL", "Static"):
        run_experiment(Got10kTracker(make_peer(peer), name=peer, is_deterministic=True), "otb", str(data),
                       str(root / "out"))
    return root


def test_empty_and_cut_short_result_files_are_problems_and_the_rest_stays(got10k_out, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(got10k_out / "out", out)
    empty = out / "results" / "OTB" / "MIL" / "Crossing.txt"
    empty.write_text("")
    cut = out / "results" / "OTB" / "Static" / "DragonBaby.txt"
    cut.write_text("\n".join(cut.read_text().splitlines()[:12]) + "\n")
    done = report(tmp_path / "board", "--got10k", str(out), "--otb-root", str(got10k_out / "otb"))
    assert done.returncode == 0, done.stderr
    problems = summary(tmp_path / "board")["problems"]
    whys = " | ".join(p["why"] for p in problems)
    assert str(empty) in whys and "empty" in whys, problems
    assert str(cut) in whys and "12 of 20" in whys, problems
    assert not [p for p in problems if "could not be read" in p["why"]], problems
    frames = (tmp_path / "board" / "tables" / "frames_got10k.csv").read_text()
    assert "Crossing" in frames and "DragonBaby" in frames  # every other result kept
    page = (tmp_path / "board" / "index.md").read_text()
    assert "OTB" in page and "MIL" in page and "Static" in page


# ---- 7. empty or wrong inputs fail with one line ------------------------------------------------------------------
def test_report_on_an_empty_folder_or_the_results_subfolder_fails(got10k_out, tmp_path):
    (tmp_path / "empty").mkdir()
    done = report(tmp_path / "b1", "--got10k", str(tmp_path / "empty"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "results" in done.stderr and str(tmp_path / "empty") in done.stderr
    assert not (tmp_path / "b1").exists()
    done = report(tmp_path / "b2", "--got10k", str(got10k_out / "out" / "results"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(got10k_out / "out") in done.stderr  # the folder to pass instead
    done = report(tmp_path / "b3", "--vot-workspace", str(tmp_path / "empty"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "config.yaml" in done.stderr or "workspace" in done.stderr


@pytest.mark.slow
def test_evaluate_unknown_experiment_fails(vot_ws, tmp_path):
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(vot_ws), "--quiet", "--experiments",
               "nosuch", "Static")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "nosuch" in done.stderr and "baseline" in done.stderr and "evaluation complete" not in done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# ---- 8. figures that do not mislead -----------------------------------------------------------------------------------
def test_tracker_keeps_its_colour_and_marker_whatever_the_other_trackers():
    from analysis.figures import Style

    alone = Style(["MIL", "Static"])
    crowd = Style(["siamfc", "KCF", "CSRT", "MIL", "Static", "SiamFC_5s", "ECO", "DSST"])
    for name in ("MIL", "Static"):
        assert alone(name) == crowd(name)
    assert crowd("siamfc") == crowd("SiamFC")  # one tracker across toolkits


def test_speed_panel_without_any_scored_tracker_is_not_drawn(tmp_path):
    import warnings

    import pandas as pd

    from analysis.figures import speed_accuracy

    points = pd.DataFrame([{"benchmark": "VOT baseline", "tracker": "MIL", "fps": 80.0, "score": np.nan,
                            "metric": "EAO"},
                           {"benchmark": "OTB", "tracker": "MIL", "fps": 80.0, "score": 0.4, "metric": "AUC"}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = speed_accuracy(points, str(tmp_path / "speed.png"))
    from PIL import Image

    with Image.open(path) as image:
        assert image.info.get("Title", "").count("VOT baseline") == 0  # the empty panel left out
        assert "OTB" in image.info.get("Title", "")


def test_figure_titles_have_balanced_brackets(tmp_path):
    import pandas as pd
    from PIL import Image

    from analysis.figures import eao_ranking

    board = pd.DataFrame({"tracker": ["MIL", "Static"], "eao": [0.3, np.nan]})
    published = pd.DataFrame({"tracker": ["SiamFC"], "eao": [0.289]})
    path = eao_ranking(board, str(tmp_path / "r.png"), published, "measured here (baseline): 2 sequences",
                       "published VOT2015 (SiamFC paper, Table 3)", title="VOT baseline, "
                       "VOT2015-style supervised stack (re-initialisation)")
    with Image.open(path) as image:
        title = image.info["Title"]
    depth = 0
    for ch in title:
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(ch, 0)
        assert depth >= 0, title
        assert depth <= 1, f"nested brackets in {title!r}"
    assert depth == 0, title


def test_index_links_only_files_that_exist(got10k_out, tmp_path):
    done = report(tmp_path / "board", "--got10k", str(got10k_out / "out"), "--otb-root", str(got10k_out / "otb"))
    assert done.returncode == 0, done.stderr
    import re

    page = (tmp_path / "board" / "index.md").read_text()
    links = re.findall(r"\]\(([^)]+)\)", page)
    assert links and all((tmp_path / "board" / link).exists() for link in links), \
        [link for link in links if not (tmp_path / "board" / link).exists()]


# ---- also for users ---------------------------------------------------------------------------------------------------
def test_maintainer_workspace_keeps_its_own_trackers_ini(otb_root, tmp_path):
    import yaml

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "trackers.ini").write_text("[mine]\nlabel = mine\nprotocol = traxpython\ncommand = mytracker\n")
    view = otb_view(otb_root, tmp_path / "otb", frames=10)
    assert run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(ws)).returncode == 0
    config = yaml.safe_load((ws / "config.yaml").read_text())
    assert config["registry"] == ["./trackers.ini"], config
    assert "[mine]" in (ws / "trackers.ini").read_text()


def test_docs_name_every_file_a_got10k_val_folder_needs():
    from siamfc_plugin.toolkits.got10k.experiments import GOT10K_VAL_FILES

    text = (REPO / "docs" / "got10k.md").read_text()
    assert all(name in text for name in GOT10K_VAL_FILES)


def test_prepare_adds_a_second_source_without_wiping_the_first(otb_root, vot_root, tmp_path):
    ws = tmp_path / "ws"
    view = otb_view(otb_root, tmp_path / "otb", frames=10)
    assert run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(ws)).returncode == 0
    before = (ws / "sequences" / "Crossing" / "groundtruth.txt").read_text()
    import shutil

    source = tmp_path / "vot"  # a view: a defect here must not write into ../shared/data
    shutil.copytree(vot_root / "bag", source / "bag", copy_function=os.symlink)
    (source / "list.txt").write_text("bag\n")
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(source), "--names", "bag", "--frames", "10",
               "--workspace", str(ws), "--add")
    assert done.returncode == 0, done.stderr
    assert (ws / "sequences" / "list.txt").read_text().split() == ["Crossing", "bag"]
    assert (ws / "sequences" / "Crossing" / "groundtruth.txt").read_text() == before
    assert len(list((ws / "sequences" / "bag" / "color").iterdir())) == 10
    assert (source / "list.txt").read_text() == "bag\n"  # the source is never written
    # the same name from another source: refused, naming it; nothing changes
    done = run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(ws), "--add")
    assert done.returncode == 2 and "Crossing" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert (ws / "sequences" / "list.txt").read_text().split() == ["Crossing", "bag"]


# ---- a new user's inputs ----------------------------------------------------------------------------------------------
UNWRITABLE = "/sys"  # not writable even by root (tests run as root here)


def _one_line_exit_2(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


@pytest.mark.skipif(os.access("/sys", os.W_OK) and os.geteuid() != 0, reason="needs a folder nobody can write")
def test_unwritable_outputs_are_refused_before_any_work(otb_root, tmp_path):
    view = otb_view(otb_root, tmp_path / "otb", frames=10)
    box = ["--box", "205,151,17,50"]
    _one_line_exit_2(run("siamfc_plugin", "track", str(view / "Crossing"), *box, "-o", f"{UNWRITABLE}/boxes.txt"),
                     "cannot write")
    _one_line_exit_2(run("siamfc_plugin", "track", str(view / "Crossing"), *box, "--video",
                         f"{UNWRITABLE}/out.mp4"), "cannot write")
    _one_line_exit_2(run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(view), "--out",
                         f"{UNWRITABLE}/ev"), "cannot write")
    _one_line_exit_2(run("siamfc_plugin", "demo", "--out", f"{UNWRITABLE}/demo"), "cannot write")


def test_text_file_and_mixed_size_frames_are_refused(otb_root, tmp_path):
    from PIL import Image

    box = ["--box", "205,151,17,50"]
    _one_line_exit_2(run("siamfc_plugin", "track", str(otb_root / "Crossing" / "groundtruth_rect.txt"), *box),
                     "text file")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for i in range(1, 6):
        image = Image.open(otb_root / "Crossing" / "img" / f"{i:04d}.jpg")
        (image.resize((image.width // 2, image.height // 2)) if i == 4 else image).save(mixed / f"{i:04d}.jpg")
    _one_line_exit_2(run("siamfc_plugin", "track", str(mixed), *box), "0004.jpg", "different sizes")


def test_misleading_messages_say_what_is_wrong(otb_root, tmp_path):
    view = otb_view(otb_root, tmp_path / "otb", frames=10)
    video = tmp_path / "crossing.mp4"
    video.write_bytes(b"\0" * 64)
    _one_line_exit_2(run("siamfc_plugin", "eval", "--dataset", "otb", "--root", str(video)), "is a file")
    _one_line_exit_2(run("siamfc_plugin", "eval", "--dataset", "vot", "--root", str(view)), "no list.txt",
                     "--dataset otb")
    _one_line_exit_2(run("siamfc_plugin", "vot", "test", "nosuchtracker"), "nosuchtracker", "is not in")


def _sigint_as_at_a_terminal() -> None:
    import signal

    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_eval_is_one_line_and_exit_130(otb_root, tmp_path):
    import signal
    import time

    view = otb_view(otb_root, tmp_path / "otb", seqs=("Crossing", "DragonBaby"), frames=100)
    process = subprocess.Popen([sys.executable, "-m", "siamfc_plugin", "eval", "--dataset", "otb", "--root",
                                str(view), "--out", str(tmp_path / "ev"), "--threads", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               # unbuffered: a piped stdout is block-buffered, and the line below would only
                               # arrive when eval has finished (then the signal comes too late: exit 0)
                               env={**{k: v for k, v in os.environ.items() if not k.startswith("RAY_")},
                                    "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"},
                               # the child inherits the suite's signal state: an earlier test (a Ray cluster) can
                               # leave SIGINT blocked or ignored, and the signal then never arrives (exit 0)
                               preexec_fn=_sigint_as_at_a_terminal)
    # the backend line goes to stderr once the model is built, just before tracking starts (got10k's own
    # "--Sequence 1/2" line on stdout did not always arrive in time inside the full suite)
    head = []
    for line in process.stderr:
        head.append(line)
        if "backend" in line:
            break
    time.sleep(1.0)
    assert process.poll() is None, "eval finished before it could be interrupted: " + "".join(head)
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    err = "".join(head) + rest
    if process.returncode == 0 and "interrupted" not in err:
        # seen once inside the full suite only: eval ran on and finished, i.e. the signal never reached it
        pytest.skip("SIGINT did not reach the eval process (signal state inherited from the suite)")
    assert process.returncode == 130, (process.returncode, err[-3000:])
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted" in err.strip().splitlines()[-1], err  # (the line before says which backend runs)


# ---- beyond the list ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_workspace_path_with_unicode_and_spaces(otb_root, tmp_path):
    view = otb_view(otb_root, tmp_path / "dätä set", frames=12)
    ws = tmp_path / "wörk späce" / "ws"
    assert run("siamfc_plugin", "vot", "prepare", "--from", str(view), "--workspace", str(ws)).returncode == 0
    done = run("siamfc_plugin", "vot", "evaluate", "--workspace", str(ws), "--quiet", "--name", "u", "Static")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"analysis: {ws / 'analysis' / 'u.json'}" in done.stdout
    assert (ws / "results" / "Static" / "baseline" / "Crossing" / "Crossing_001.bin").is_file()


def test_train_before_curate_names_the_step(tmp_path):
    done = run("siamfc_plugin", "train", "--config", str(REPO / "configs" / "train_public_slim.toml"), cwd=tmp_path)
    _one_line_exit_2(done, "siamfc curate", ".cache/curated-public")


@pytest.mark.slow
def test_empty_vot_trajectory_is_a_problem_naming_the_file(vot_ws, tmp_path):
    ws = copy_ws(vot_ws, tmp_path / "ws")
    empty = ws / "results" / "MIL" / "baseline" / "bag" / "bag_001.bin"
    empty.write_bytes(b"")
    done = report(tmp_path / "board", "--vot-workspace", str(ws))
    assert done.returncode == 0, done.stderr
    problems = summary(tmp_path / "board")["problems"]
    assert any(str(empty) in p["why"] and "empty" in p["why"] for p in problems), problems
    assert {row["tracker"] for row in summary(tmp_path / "board")["vot"]} == {"MIL", "Static"}


@pytest.mark.slow
def test_eao_na_gives_the_real_reason(vot_ws, tmp_path):
    done = report(tmp_path / "board", "--vot-workspace", str(vot_ws))
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "board" / "index.md").read_text()
    # 30-frame sequences, VOT2015's interval [108, 371]: undefined because of the interval, not the tracker
    assert "beyond the longest sequence (30 frames)" in page
    assert "no run of the tracker lasted into the EAO interval" not in page
    done = run("siamfc_plugin", "vot", "table", "--workspace", str(vot_ws), str(vot_ws / "analysis" / "both.json"))
    assert "EAO of MIL n/a: the interval [108, 371] starts beyond the longest sequence (30 frames)" in done.stdout
