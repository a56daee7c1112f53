"""benchmarks/gpu.py, the prepared GPU benchmark: on a machine without a GPU it says so and exits 0, and --quick runs
every measurement on the CPU at a tiny size, so that the script is known to work before it meets a GPU, there with
only torch, numpy, OpenCV and tqdm installed (the packages it must not need are made unimportable here)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "gpu.py"
pytestmark = pytest.mark.skipif(torch.cuda.is_available(), reason="these tests are for a machine without a GPU")


# what the GPU machine does not have: the script must run with torch, numpy, OpenCV and tqdm alone
ABSENT = ("got10k", "vot", "trax", "ray", "onnx", "onnxruntime", "pandas", "matplotlib", "PIL", "attributee", "six",
          "hypothesis", "tensorboard", "tomli", "pytest")
RUN_WITHOUT = ("import runpy, sys\n"
               "sys.modules.update(dict.fromkeys({absent!r}))  # a None entry: 'import name' raises ImportError\n"
               "sys.argv = [{script!r}] + sys.argv[1:]\n"
               "runpy.run_path({script!r}, run_name='__main__')\n")


def run_script(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    code = RUN_WITHOUT.format(absent=ABSENT, script=str(SCRIPT))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=900)


def test_without_gpu_says_so_and_exits_0(tmp_path):
    out = tmp_path / "gpu.json"
    done = run_script("--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "no CUDA GPU" in done.stdout
    report = json.loads(out.read_text())
    assert report["gpu"] is None and "no CUDA GPU" in report["reason"]


@pytest.mark.slow
def test_quick_run_measures_every_section_on_the_cpu(tmp_path):
    out = tmp_path / "gpu.json"
    done = run_script("--out", str(out), "--quick")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["device"] == "cpu" and report["failed"] == []
    combos = {(r["arch"], r["scales"], r["backend"]) for r in report["tracker"]}
    assert combos == {(a, s, b) for a in ("alexnet-slim", "alexnet") for s in (3, 5)
                      for b in ("torch", "torch-fp32", "device")}
    for row in report["tracker"]:
        assert all(v > 0 for v in row["fps_per_sequence"].values())
        assert row["ms_network"] > 0 and row["ms_crop"] > 0
    assert all(r["frames"] == 3 * 3 and r["frames_per_s"] > 0 for r in report["batched"])
    assert report["network_only"][0]["frames_per_s"] > 0
    assert all(report["training"][a]["pairs_per_s"] > 0 for a in ("alexnet-slim", "alexnet"))
    assert set(report["summary"]) == {"fps_per_sequence_best", "batched_frames_per_s_best",
                                      "network_only_frames_per_s_best", "training_pairs_per_s"}
