"""The whole tracking algorithm (crops, scales, window, x16 upsampling, displacement, scale damping) checked with a
fixed hand-made embedding instead of a trained net, on synthetic sequences with exact ground truth."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from siamfc_plugin.backends.torch_backend import TorchBackend
from siamfc_plugin.core.config import PRESETS, preset
from siamfc_plugin.core.crops import context_side, crop
from siamfc_plugin.core.metrics import iou
from siamfc_plugin.data.synthetic import SyntheticConfig, make_sequence
from siamfc_plugin.core.tracker import SiamFCTracker


class HighPassPixels(nn.Module):
    """Locally normalised raw pixels pooled at stride 8 (127 -> 16x16, 255 -> 32x32, score map 17x17)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x / 255.0
        x = x - F.avg_pool2d(x, 15, stride=1, padding=7, count_include_pad=False)
        x = x / (x.std(dim=(1, 2, 3), keepdim=True) + 1e-6)
        return F.avg_pool2d(x, 7, stride=8)


def pixel_tracker(name: str, **overrides) -> SiamFCTracker:
    return SiamFCTracker(TorchBackend(HighPassPixels(), score_scale=1.0), preset(name, **overrides))


def track(tracker, frames, first_box):
    tracker.init(frames[0], first_box)
    return np.array([first_box] + [tracker.update(f) for f in frames[1:]])


# 18-30 s each on 2 cores: the default preset stays in the quick subset (-m "not slow"), the others run in the full suite
@pytest.mark.parametrize("name, template_lr", [
    pytest.param(name, 0.0, marks=() if name == "siamfc-3s" else pytest.mark.slow) for name in sorted(PRESETS)]
    + [pytest.param("siamfc-3s", 0.01, marks=pytest.mark.slow)])
def test_follows_translating_scaling_occluded_objects(name, template_lr):
    scores = []
    for seed in range(3):
        frames, boxes = make_sequence(np.random.default_rng([7, seed]), SyntheticConfig(frames=40))
        scores.append(iou(track(pixel_tracker(name, template_lr=template_lr), frames, boxes[0]), boxes).mean())
    assert np.mean(scores) > 0.7, scores


def test_template_update_blends_the_exemplar_features():
    frames, boxes = make_sequence(np.random.default_rng([7, 0]), SyntheticConfig(frames=3))
    fixed, updated = pixel_tracker("siamfc-3s"), pixel_tracker("siamfc-3s", template_lr=0.25)
    for tracker in (fixed, updated):
        tracker.init(frames[0], boxes[0])
    first = updated.exemplar_features.clone()
    for tracker in (fixed, updated):
        tracker.update(frames[1])
    torch.testing.assert_close(fixed.exemplar_features, first)  # the paper: never updated
    # the new exemplar is cropped at the new box, with the first frame's fill colour
    z = np.empty((1, 127, 127, 3), np.uint8)
    crop(frames[1], tuple(updated.center), context_side(*updated.target_size), 127, updated.fill, out=z[0])
    expected = 0.75 * first + 0.25 * updated.backend.embed_exemplar(z)
    torch.testing.assert_close(updated.exemplar_features, expected)


def test_exact_translation_is_recovered():
    """Without the cosine window (which pulls towards the centre) a pure shift comes back, to within the
    sub-cell accuracy of bicubic upsampling (a third of a score-map cell, in frame pixels)."""
    frames, boxes = make_sequence(np.random.default_rng([3, 0]), SyntheticConfig(frames=2, occlusion=False))
    tracker = SiamFCTracker(TorchBackend(HighPassPixels(), score_scale=1.0), preset("siamfc-3s", window_influence=0))
    for dx, dy in [(9, 0), (0, -11), (-6, 7)]:
        tracker.init(frames[0], boxes[0])
        moved = np.roll(frames[0], (dy, dx), axis=(0, 1))
        cell = 8 * context_side(*boxes[0][2:]) * 255 / 127 / 255  # frame pixels per score-map cell
        out = tracker.update(moved)
        assert out[0] - boxes[0][0] == pytest.approx(dx, abs=cell / 3)
        assert out[1] - boxes[0][1] == pytest.approx(dy, abs=cell / 3)


def test_scale_change_is_followed_and_damped():
    """A target that grows: the estimate grows too, but by at most the damped largest scale step per frame."""
    cfg = preset("siamfc-3s")
    frames, boxes = make_sequence(np.random.default_rng([11, 1]), SyntheticConfig(frames=40, occlusion=False))
    out = track(pixel_tracker("siamfc-3s"), frames, boxes[0])
    ratios = out[1:, 2] / out[:-1, 2]
    max_step = (1 - cfg.scale_lr) + cfg.scale_lr * cfg.scale_step
    assert np.all(ratios <= max_step + 1e-9) and np.all(ratios >= 1 / max_step - 1e-9)
    gt_growth, est_growth = boxes[-1, 2] / boxes[0, 2], out[-1, 2] / out[0, 2]
    assert abs(np.log(est_growth) - np.log(gt_growth)) < 0.15


def test_target_size_is_clamped():
    cfg = preset("siamfc-3s", max_scale=1.2, min_scale=0.9)
    tracker = SiamFCTracker(TorchBackend(HighPassPixels(), score_scale=1.0), cfg)
    frames, boxes = make_sequence(np.random.default_rng([5, 5]), SyntheticConfig(frames=30))
    out = track(tracker, frames, boxes[0])
    assert np.all(out[:, 2] <= boxes[0, 2] * 1.2 + 1e-6) and np.all(out[:, 2] >= boxes[0, 2] * 0.9 - 1e-6)


def test_confidence_is_exposed():
    frames, boxes = make_sequence(np.random.default_rng([1, 1]), SyntheticConfig(frames=5))
    tracker = pixel_tracker("siamfc-5s")
    track(tracker, frames, boxes[0])
    assert 0.0 <= tracker.confidence <= 1.0


def _twins(seed: int = 3):
    """A textured background with two copies of one textured 16x40 patch: a target and, 24 px to its right (7
    score-map cells: inside the search region), its look-alike."""
    rng = np.random.default_rng(seed)
    frame = (rng.normal(0, 8, (240, 320, 3)) + 110).clip(0, 255).astype(np.uint8)
    patch = rng.integers(0, 256, (10, 4, 3)).astype(np.uint8).repeat(4, 0).repeat(4, 1)
    frame[100:140, 100:116] = patch
    frame[100:140, 124:140] = patch
    return frame, np.array([100.0, 100.0, 16.0, 40.0]), np.array([132.0, 120.0])


def test_distractor_aware_scoring_learns_the_look_alike_and_stays_on_the_target():
    frame, box, twin_centre = _twins()
    # the hand-made pixel embedding scores a copy off the stride-8 grid at ~0.7 of an aligned one: ratio 0.6 here
    plain, aware = pixel_tracker("siamfc-3s"), pixel_tracker("siamfc-3s-da", distractor_ratio=0.6)
    for tracker in (plain, aware):
        tracker.init(frame, box)
        for _ in range(3):
            np.testing.assert_allclose(tracker.update(frame), box, atol=2.0)  # both stay on the target
    assert plain.distractors == [] and plain.kernel is plain.exemplar_features
    assert 1 <= len(aware.distractors) <= aware.config.distractor_memory
    # the look-alike's own features went into the memory: they match a crop embedded at the twin's centre
    twin = aware.embed_exemplar_at(frame, twin_centre)
    assert F.cosine_similarity(aware.distractors[0].flatten(), twin.flatten(), dim=0) > 0.9
    # kernel = exemplar - w * mean(look-alikes), and the score at the look-alike falls relative to the target's
    w = aware.config.distractor_weight
    mean = torch.stack(aware.distractors).mean(0)
    torch.testing.assert_close(aware.kernel, aware.exemplar_features - w * mean, rtol=1e-5, atol=1e-5)
    crops = plain.search_crops(frame)
    centre = (plain.geometry.response_size - 1) // 2
    frame_px_per_cell = plain.geometry.total_stride * context_side(16, 40, 0.5) / 127
    cells = round((twin_centre[0] - 108.0) / frame_px_per_cell)
    ratio = []
    for tracker in (plain, aware):
        scores = tracker.backend.score(tracker.kernel, crops)[1]
        ratio.append(scores[centre, centre + cells] / scores[centre, centre])
    assert ratio[1] < ratio[0] - 0.2, ratio
