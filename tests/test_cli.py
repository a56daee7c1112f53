"""The `siamfc` command line, run as a user would: real processes, real files."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest


def siamfc(*args, timeout=900):
    result = subprocess.run([sys.executable, "-m", "siamfc_plugin", *map(str, args)], capture_output=True,
                            text=True, timeout=timeout)
    return result


@pytest.mark.slow  # 6-20 s on 2 cores: the full suite runs it, the quick subset (-m "not slow") does not
def test_track_image_folder_and_video(random_checkpoint, synthetic_root, tmp_path):
    folder = synthetic_root / "Synthetic01" / "img"
    gt = np.loadtxt(synthetic_root / "Synthetic01" / "groundtruth_rect.txt", delimiter=",")
    box = ",".join(f"{v:.1f}" for v in gt[0])
    out = tmp_path / "boxes.txt"
    result = siamfc("track", folder, "--box", box, "--checkpoint", random_checkpoint, "-o", out,
                    "--video", tmp_path / "annotated.avi")
    assert result.returncode == 0, result.stderr
    boxes = np.loadtxt(out, delimiter=",")
    assert boxes.shape == (30, 4)
    capture = cv2.VideoCapture(str(tmp_path / "annotated.avi"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    # the annotated video is itself a valid input
    result = siamfc("track", tmp_path / "annotated.avi", "--box", box, "--checkpoint", random_checkpoint)
    assert result.returncode == 0 and len(result.stdout.strip().splitlines()) == 30


def test_eval_json_last_line(random_checkpoint, synthetic_root, tmp_path):
    result = siamfc("eval", "--toolkit", "got10k", "--dataset", "otb", "--root", synthetic_root, "--checkpoint",
                    random_checkpoint, "--out", tmp_path, "--json", "--sequences", "Synthetic01,Synthetic02")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"tracker", "dataset", "sequences", "frames", "fps", "success_auc", "precision_20px"} <= set(summary)
    assert summary["sequences"] == 2 and summary["frames"] == 60


@pytest.mark.parametrize("args, message", [
    (["track", "nowhere/", "--box", "1,2,3,4", "--random-weights"], "not found"),
    (["track", ".", "--box", "1,2,3,0", "--random-weights"], "no images|no area"),
    (["eval", "--dataset", "otb", "--root", "missing-root", "--random-weights"], "not found"),
    (["eval", "--dataset", "otb", "--root", ".", "--checkpoint", "missing.pth"], "checkpoint not found"),
    (["eval", "--dataset", "otb", "--root", ".", "--random-weights", "--set", "scale_num=2"], "scale_num"),
])
def test_clear_errors(args, message):
    result = siamfc(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    import re
    assert re.search(message, result.stderr), result.stderr


@pytest.mark.slow
def test_demo_runs_end_to_end(random_checkpoint, tmp_path):
    """`siamfc demo` (small settings): synthetic data -> got10k + VOT toolkit -> leaderboard."""
    out = tmp_path / "demo"
    result = siamfc("demo", "--checkpoint", random_checkpoint, "--data", tmp_path / "syn", "--out", out,
                    "--synthetic-sequences", "2", "--frames", "24", "--peers", "Static")
    assert result.returncode == 0, result.stderr[-3000:]
    index = (out / "index.md").read_text()
    assert "SiamFC" in index and "Static" in index
    assert list(out.rglob("performance.json")) and list(out.rglob("*.png"))


# ---- the user's edge: every mistake ends in one line and exit status 2, or works -----------------------------------
def _one_line_error(result, pattern):
    import re

    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert re.search(pattern, lines[0]), lines[0]


@pytest.fixture(scope="module")
def frames_folder(tmp_path_factory):
    """Three small real image files (tracking on them is quick)."""
    folder = tmp_path_factory.mktemp("frames")
    rng = np.random.default_rng(0)
    for i in range(3):
        cv2.imwrite(str(folder / f"{i:04d}.jpg"), rng.integers(0, 255, (96, 128, 3), dtype=np.uint8))
    return folder


@pytest.mark.parametrize("options, pattern", [
    (["--device", "gpu"], "unknown device 'gpu'; use cpu, cuda or cuda:N"),
    (["--threads", "-5"], "threads must be >= 0"),
    (["--video", "out.gif"], r"write \.mp4 or \.avi"),
    (["-o", "/nonexistent/x.txt"], "folder /nonexistent does not exist"),
    (["--video", "/nonexistent/x.avi"], "folder /nonexistent does not exist"),
    (["--set", "instance_size=175"], "instance_size is part of the model's geometry"),
])
def test_track_option_mistakes(frames_folder, options, pattern):
    result = siamfc("track", frames_folder, "--box", "40,30,20,20", "--random-weights", *options)
    _one_line_error(result, pattern)
    assert not __import__("os").path.exists("/nonexistent")


def test_cuda_without_a_gpu(frames_folder):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: --device cuda works here")
    _one_line_error(siamfc("track", frames_folder, "--box", "40,30,20,20", "--random-weights", "--device", "cuda"),
                    "sees no CUDA GPU; use --device cpu")


def test_random_bytes_checkpoint(frames_folder, tmp_path):
    noise = tmp_path / "noise.pth"
    noise.write_bytes(np.random.default_rng(1).bytes(4096))
    result = siamfc("track", frames_folder, "--box", "40,30,20,20", "--checkpoint", noise)
    _one_line_error(result, "cannot be read")
    assert "weights_only" not in result.stderr


def test_got10k_train_split_is_refused(tmp_path):
    _one_line_error(siamfc("eval", "--dataset", "got10k", "--subset", "train", "--root", tmp_path, "--random-weights"),
                    "invalid choice: 'train'")
    from siamfc_plugin.toolkits.got10k.experiments import make_experiment

    with pytest.raises(ValueError, match="val or test split, not 'train'"):
        make_experiment("got10k", str(tmp_path), str(tmp_path), str(tmp_path), subset="train")


def test_track_an_otb_sequence_folder(random_checkpoint, synthetic_root):
    """An OTB sequence folder (frames in img/, beside groundtruth_rect.txt) is taken as it is."""
    gt = np.loadtxt(synthetic_root / "Synthetic01" / "groundtruth_rect.txt", delimiter=",")
    result = siamfc("track", synthetic_root / "Synthetic01", "--box", ",".join(f"{v:.1f}" for v in gt[0]),
                    "--checkpoint", random_checkpoint, "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == len(gt)


def test_output_into_a_closed_pipe(tmp_path):
    """`siamfc vot table --json | head -c 0`: the reader leaving early is no error."""
    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps({  # the smallest analysis the toolkit writes: one tracker, one number
        "trackers": {"a": {}}, "sequences": {"s": {"length": 10}},
        "results": {"unsupervised": {"type": "vot.experiment.UnsupervisedExperiment",
                                     "parameters": {"analyses": [{"type": "vot.analysis.accuracy.AverageAccuracy"}]},
                                     "results": [[[0.5]]]}}}))
    command = f"{sys.executable} -m siamfc_plugin vot table {analysis} --json | head -c 0"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr


def test_help_version_and_defaults():
    version = siamfc("--version")
    assert version.returncode == 0 and version.stdout.startswith("siamfc-plugin ")
    demo = siamfc("demo", "--help")
    assert demo.returncode == 0 and "default: demo-output/" in demo.stdout and "default: leaderboard/" not in demo.stdout


def test_every_option_has_help():
    import argparse

    from siamfc_plugin.cli import build_parser

    missing = []

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, f"{path} {name}")
            elif action.help is None and not isinstance(action, argparse._HelpAction):
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "siamfc")
    assert not missing, missing


def test_toolkit_command_echo(capsys):
    from siamfc_plugin.commands.vot import run_toolkit

    code, _ = run_toolkit(["--help"], timeout=120)
    assert code == 0
    assert capsys.readouterr().err.startswith("$ python -m vot --help")
