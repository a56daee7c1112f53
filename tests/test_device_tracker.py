"""The device tracker (backends/device.py, issue 22): crops in one grid_sample, upsampling and the peak on the torch
device, one synchronisation per frame. Here on the CPU, the path a GPU runs: it must agree with SiamFCTracker."""
from __future__ import annotations

import numpy as np
import pytest

from siamfc_plugin.backends.device import DeviceTracker
from siamfc_plugin.backends.torch_backend import make_backend
from siamfc_plugin.core.checkpoint import load_model
from siamfc_plugin.core.config import preset
from siamfc_plugin.core.metrics import iou
from siamfc_plugin.core.tracker import SiamFCTracker
from siamfc_plugin.data.images import read_frame
from siamfc_plugin.data.readers import read_otb_sequence


@pytest.fixture(scope="module")
def crossing(otb_root):
    seq = read_otb_sequence(str(otb_root / "Crossing"))[0]
    return [read_frame(f) for f in seq.frames[:6]], seq.boxes[:6]


@pytest.mark.parametrize("scales", [3, 5])
def test_device_crops_are_the_cpu_crops_within_a_grey_level(trained_checkpoint, crossing, scales):
    frames, boxes = crossing
    model = load_model(trained_checkpoint)[0]
    backend = make_backend("torch", model, threads=2)
    config = preset(f"siamfc-{scales}s")
    cpu, device = SiamFCTracker(backend, config, model.geometry), DeviceTracker(backend, config, model.geometry)
    # a target near the frame's edge: part of every crop is the fill colour
    for tracker in (cpu, device):
        tracker.init(frames[0], [2.0, 150.0, 17.0, 50.0])
    reference = cpu.search_crops(frames[1]).astype(int)
    made = device.device_crops(frames[1]).permute(0, 2, 3, 1).numpy()
    assert made.shape == reference.shape and np.array_equal(made, np.round(made))
    diff = np.abs(made.astype(int) - reference)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01  # cv2's 5-bit fixed-point bilinear weights, no more


def test_device_tracker_follows_the_cpu_tracker(trained_checkpoint, crossing):
    frames, boxes = crossing
    model = load_model(trained_checkpoint)[0]
    backend = make_backend("torch", model, threads=2)
    config = preset("siamfc-3s")
    cpu, device = SiamFCTracker(backend, config, model.geometry), DeviceTracker(backend, config, model.geometry)
    assert device.on_device
    cpu.init(frames[0], boxes[0])
    device.init(frames[0], boxes[0])
    timings = {}
    ours = [device.update(f, timings if k % 2 else None) for k, f in enumerate(frames[1:])]
    theirs = [cpu.update(f) for f in frames[1:]]
    assert iou(np.array(ours), np.array(theirs)).min() > 0.99
    assert abs(device.confidence - cpu.confidence) < 1e-3
    assert set(timings) == {"crop", "network", "post"} and all(v > 0 for v in timings.values())


def test_device_tracker_keeps_the_box_on_a_broken_score_map(trained_checkpoint, crossing):
    frames, boxes = crossing
    model = load_model(trained_checkpoint)[0]
    backend = make_backend("torch", model, threads=2)
    device = DeviceTracker(backend, preset("siamfc-3s"), model.geometry)
    device.init(frames[0], boxes[0])
    before = device.box.copy()
    device.kernel = device.kernel * float("nan")
    assert np.array_equal(device.update(frames[1]), before) and device.confidence == 0.0


def test_kernel_updating_presets_fall_back_to_the_cpu_update(trained_checkpoint):
    model = load_model(trained_checkpoint)[0]
    config = preset("siamfc-3s", template_lr=0.01)
    assert not DeviceTracker(make_backend("torch", model), config, model.geometry).on_device
    with pytest.raises(TypeError):
        DeviceTracker(object(), preset("siamfc-3s"), model.geometry)
