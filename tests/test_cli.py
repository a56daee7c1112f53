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
