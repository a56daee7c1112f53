"""Checkpoints: round trip with metadata and geometry, weights_only loading, and clear errors for wrong files."""
import os

import numpy as np
import pytest
import torch

from siamfc_plugin.backends.build import build_tracker
from siamfc_plugin.core.checkpoint import load_model, read_checkpoint, save_checkpoint
from siamfc_plugin.core.checkpoint import shipped_model_path
from siamfc_plugin.core.config import TrackerConfig, preset
from siamfc_plugin.core.geometry import Geometry
from siamfc_plugin.common.errors import CheckpointError, ConfigError
from siamfc_plugin.core.network import SiamFC


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(3)
    model = SiamFC("alexnet-slim")
    model.initialise()
    path = tmp_path / "m.pth"
    save_checkpoint(path, model, preset("siamfc-5s"), training={"epochs": 2, "pairs_seen": 100})
    return model, path


def test_round_trip_with_metadata(saved):
    model, path = saved
    loaded, payload = load_model(path)
    assert payload["arch"] == "alexnet-slim" and payload["format_version"] == 2
    assert Geometry.from_dict(payload["geometry"]) == Geometry() == loaded.geometry
    assert payload["training"]["pairs_seen"] == 100
    assert TrackerConfig.from_dict(payload["tracker_config"]) == preset("siamfc-5s")
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "nope.pth")


def test_truncated_file(saved, tmp_path):
    _, path = saved
    data = open(path, "rb").read()
    bad = tmp_path / "truncated.pth"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        load_model(bad)


def test_not_a_checkpoint(tmp_path):
    other = tmp_path / "other.pth"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="not a siamfc-plugin checkpoint"):
        load_model(other)
    text = tmp_path / "text.pth"
    text.write_text("hello")
    with pytest.raises(CheckpointError):
        load_model(text)


def test_wrong_architecture(saved):
    _, path = saved
    with pytest.raises(CheckpointError, match="holds architecture 'alexnet-slim'"):
        load_model(path, arch="alexnet")


def test_missing_keys(saved, tmp_path):
    _, path = saved
    payload = read_checkpoint(path)
    del payload["state_dict"]["embedding.0.weight"]
    broken = tmp_path / "missing.pth"
    torch.save(payload, broken)
    with pytest.raises(CheckpointError, match="does not fit"):
        load_model(broken)
    del payload["arch"]
    torch.save(payload, broken)
    with pytest.raises(CheckpointError, match="lacks the 'arch'"):
        load_model(broken)


def test_code_in_a_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pth"
    torch.save({"format": "siamfc-plugin-checkpoint", "x": Evil()}, path)
    with pytest.raises(CheckpointError):
        read_checkpoint(path)


def test_save_is_atomic(saved, tmp_path, monkeypatch):
    """A failing write leaves the previous checkpoint intact and no temporary file behind."""
    model, path = saved
    before = open(path, "rb").read()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError, match="disk is full"):
        save_checkpoint(path, model)
    assert open(path, "rb").read() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pth"]


def test_config_errors_before_work(saved):
    _, path = saved
    with pytest.raises(ConfigError, match="unknown tracker config field"):
        build_tracker(str(path), overrides={"window_inflence": 0.2})
    with pytest.raises(ConfigError, match="scale_num"):
        build_tracker(str(path), overrides={"scale_num": 4})
    with pytest.raises(ConfigError, match="scale_num.*whole number"):
        build_tracker(str(path), overrides={"scale_num": 4.5})
    with pytest.raises(ConfigError, match="unknown preset"):
        build_tracker(str(path), preset="siamfc-7s")
    # a whole float where an int is due (as JSON and TOML writers produce) is the int
    scale_num = build_tracker(str(path), overrides={"scale_num": 5.0}).tracker.config.scale_num
    assert scale_num == 5 and isinstance(scale_num, int)


# ---- geometry: the checkpoint's, never the preset's ------------------------------------------------------------------
def test_tracker_runs_at_the_checkpoint_geometry(tmp_path):
    """A model trained at 127/175 (7x7 score maps) is tracked with 175-pixel search crops and 7x7 maps."""
    torch.manual_seed(0)
    model = SiamFC("alexnet-slim", Geometry(instance_size=175, response_size=7))
    model.initialise()
    path = tmp_path / "small.pth"
    save_checkpoint(path, model, preset("siamfc-3s"))
    built = build_tracker(str(path), preset="siamfc-5s")
    assert built.geometry == Geometry(instance_size=175, response_size=7) == built.tracker.geometry
    assert built.model_source == str(path) and built.arch == "alexnet-slim"
    assert built.tracker.config.scale_num == 5  # the preset still sets the tracking hyper-parameters
    frame = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    built.tracker.init(frame, [60, 40, 30, 20])
    assert built.tracker.search_crops(frame).shape == (5, 175, 175, 3)
    assert np.isfinite(built.tracker.update(frame)).all()


def test_geometry_cannot_be_overridden(saved):
    _, path = saved
    with pytest.raises(ConfigError, match="instance_size is part of the model's geometry"):
        build_tracker(str(path), overrides={"instance_size": 175})


def test_geometry_that_does_not_fit_the_network_is_refused(saved, tmp_path):
    _, path = saved
    payload = read_checkpoint(path)
    payload["geometry"] = {**payload["geometry"], "response_size": 16}
    broken = tmp_path / "bad_geometry.pth"
    torch.save(payload, broken)
    with pytest.raises(CheckpointError, match="give 17x17 score maps, not response_size 16"):
        build_tracker(str(broken))


def test_version_1_checkpoints_keep_loading(saved, tmp_path):
    """Version 1 kept the geometry inside tracker_config (the model shipped until 2026-11-30 was one): such files
    still load, with the geometry taken from there. The shipped model loads at the paper's geometry."""
    shipped = shipped_model_path()
    if shipped is not None:
        assert read_checkpoint(shipped)["geometry"] == Geometry().to_dict()
    _, path = saved
    old = read_checkpoint(path)
    old["format_version"] = 1
    old["tracker_config"] = {**old["tracker_config"], **Geometry(instance_size=175, response_size=7).to_dict()}
    del old["geometry"]
    legacy = tmp_path / "v1.pth"
    torch.save(old, legacy)
    migrated = read_checkpoint(legacy)
    assert migrated["geometry"] == Geometry(instance_size=175, response_size=7).to_dict()
    assert TrackerConfig.from_dict(migrated["tracker_config"]) == preset("siamfc-5s")


def test_random_bytes_checkpoint_gives_no_unsafe_advice(tmp_path):
    path = tmp_path / "noise.pth"
    path.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(CheckpointError) as info:
        read_checkpoint(path)
    assert "weights_only" not in str(info.value) and "\n" not in str(info.value)


def test_checkpoint_tensors_are_contiguous_whatever_the_models_memory_format(tmp_path):
    """The trainer keeps the CPU model channels-last; the checkpoint it writes holds plain contiguous tensors."""
    import torch

    from siamfc_plugin.core.checkpoint import read_checkpoint, save_checkpoint
    from siamfc_plugin.core.network import SiamFC

    model = SiamFC("alexnet-slim").to(memory_format=torch.channels_last)
    assert not model.state_dict()["embedding.0.weight"].is_contiguous()
    save_checkpoint(tmp_path / "m.pth", model)
    saved = read_checkpoint(str(tmp_path / "m.pth"))["state_dict"]
    assert all(t.is_contiguous() for t in saved.values())
    assert all(torch.equal(saved[k], v) for k, v in model.state_dict().items())
