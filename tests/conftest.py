"""Shared fixtures. Real data comes from ../shared/data (beside the repo); tests that need it skip, with the reason,
where it is absent (a user's clone)."""
from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SIAMFC_SHARED_DATA", REPO.parent / "shared" / "data"))


# Fixtures that run whole toolkits (a leaderboard, a Ray cluster, VOT evaluations, eval runs on real sequences):
# every test that uses one is marked slow, so that `python3 -m pytest -m "not slow"` is the quick subset (README).
HEAVY_FIXTURES = {"board", "maintainer", "maintainer_report", "ray_cluster", "plain_run", "baseline_workspace",
                  "evaluated"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HEAVY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# What a skipped test says: what the data is and what to do (a fresh clone has no ../shared/data; docs/data.md)
SHARED_DATA_ABSENT = ("needs the project's real test sequences (hand-annotated OTB, VOT and GOT-10k-layout data, "
                      "kept beside the repository, never in it), and {path} is absent. Nothing to do on a clone of "
                      "your own: the rest of the suite runs without it. To run this test too, build that folder "
                      "from the public datasets and set SIAMFC_SHARED_DATA to it: docs/data.md says what it holds "
                      "and where each dataset comes from")


# Every kind of CPU the project has met, as /proc/cpuinfo shows it (tests/cpuinfo/): AVX2 only, AVX-512 VNNI,
# AVX-512 BF16, AMX. A test that takes `simulated_cpu` runs once per kind, the plugin reading that file in place of
# this machine's /proc/cpuinfo ($SIAMFC_CPUINFO, common/machine.py), so that a kind CI lacks is tested all the same.
CPUINFO = REPO / "tests" / "cpuinfo"
CPU_KINDS = ("avx2", "avx512-vnni", "avx512-bf16", "amx")


@pytest.fixture(params=CPU_KINDS)
def simulated_cpu(request, monkeypatch) -> str:
    """The name of a kind of CPU (CPU_KINDS), set for the test through $SIAMFC_CPUINFO."""
    from siamfc_plugin.common.machine import CPUINFO_ENV

    monkeypatch.setenv(CPUINFO_ENV, str(CPUINFO / f"{request.param}.txt"))
    return request.param


def bf16_kernels_here() -> bool:
    """What the probe says of torch-bf16 on the CPU: oneDNN has bf16 kernels on the kind the plugin reads (the
    simulated one, if any) and on this machine's own (a simulated kind never makes the hardware run what it lacks)."""
    from siamfc_plugin.common.machine import PROC_CPUINFO, all_flags, has_onednn_bf16

    return has_onednn_bf16() and has_onednn_bf16(all_flags(PROC_CPUINFO))


def shared_path(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(SHARED_DATA_ABSENT.format(path=path))
    return path


def write_registry(folder: Path, checkpoint: str | None = None) -> Path:
    """The committed trackers.ini with `paths` made absolute, one torch thread per tracker process (2 cores, busy)
    and, when given, a checkpoint for the trained-model entries (the entries are otherwise unchanged)."""
    source = configparser.ConfigParser()
    source.optionxform = str
    source.read(REPO / "trackers.ini")
    for name in source.sections():
        source[name]["paths"] = str(REPO)
        source[name]["env_SIAMFC_THREADS"] = "1"
        if checkpoint and source[name].get("env_SIAMFC_RANDOM_WEIGHTS") != "1":
            source[name]["env_SIAMFC_CHECKPOINT"] = checkpoint
    path = folder / "trackers.ini"
    with open(path, "w") as handle:
        source.write(handle)
    return path


@pytest.fixture(scope="session")
def otb_root() -> Path:
    return shared_path("eval", "otb")


@pytest.fixture(scope="session")
def vot_root() -> Path:
    return shared_path("eval", "vot")


@pytest.fixture(scope="session")
def train_root() -> Path:
    return shared_path("train")


@pytest.fixture(scope="session")
def random_checkpoint(tmp_path_factory) -> str:
    """A checkpoint of a seeded, randomly initialised slim net: for plumbing tests, never for accuracy claims."""
    import torch

    from siamfc_plugin.core.checkpoint import save_checkpoint
    from siamfc_plugin.core.network import SiamFC

    torch.manual_seed(0)
    model = SiamFC("alexnet-slim")
    model.initialise()
    path = tmp_path_factory.mktemp("ckpt") / "random_slim.pth"
    save_checkpoint(path, model, training={"note": "random weights for tests"})
    return str(path)


@pytest.fixture(scope="session")
def trained_checkpoint() -> str:
    from siamfc_plugin.core.checkpoint import shipped_model_path

    path = shipped_model_path("alexnet-slim")
    if path is None:
        pytest.skip("no trained model is shipped in siamfc_plugin/models")
    return path


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory) -> Path:
    from siamfc_plugin.data.synthetic import SyntheticConfig, write_benchmark

    root = tmp_path_factory.mktemp("synthetic")
    write_benchmark(str(root), SyntheticConfig(sequences=3, frames=30, seed=0))
    return root


@pytest.fixture(scope="session")
def small_got10k(train_root, tmp_path_factory) -> Path:
    """A GOT-10k root of real frames: the first 6 frames of the first 3 tracks of ../shared/data's GOT-10k."""
    import shutil

    source = train_root / "got10k" / "train"
    root = tmp_path_factory.mktemp("got10k-small")
    names = sorted(d.name for d in source.iterdir() if d.is_dir())[:3]
    for name in names:
        (root / "train" / name).mkdir(parents=True)
        for frame in sorted((source / name).glob("*.jpg"))[:6]:
            shutil.copy(frame, root / "train" / name / frame.name)
        for label in ("groundtruth.txt", "absence.label", "cover.label", "cut_by_image.label"):
            if (source / name / label).is_file():
                lines = (source / name / label).read_text().splitlines()[:6]
                (root / "train" / name / label).write_text("\n".join(lines) + "\n")
    (root / "train" / "list.txt").write_text("\n".join(names) + "\n")
    return root


@pytest.fixture(scope="session")
def curated_set(small_got10k, tmp_path_factory) -> Path:
    """A curated training set (`siamfc curate`'s own code) of small_got10k's real frames."""
    from siamfc_plugin.training.curate import CurateSource, curate

    out = tmp_path_factory.mktemp("curated") / "set"
    curate([CurateSource("got10k", "got10k", root=str(small_got10k))], str(out))
    return out
