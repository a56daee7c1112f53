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
