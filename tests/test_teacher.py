"""The NanoTrack v2 teacher (training/teacher.py): the tracker on a real sequence, soft targets on SiamFC's grid, the
paper's labels untouched at weight 0, and the pseudo-label filter.

The teacher's ONNX files are never in the repository: the tests take them from $SIAMFC_TEACHER, or extract them from
a local SiamTrackers mirror ($SIAMFC_TEACHER_MIRROR, a git directory; default ../.mirror/HonglinChu+SiamTrackers/repo
beside the repo) into a temporary folder, and skip, saying so, where neither is there (a user's clone)."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from siamfc_plugin.common.errors import ConfigError
from siamfc_plugin.core.metrics import iou
from siamfc_plugin.data.images import read_frame
from siamfc_plugin.data.readers import Sequence, read_sequences
from siamfc_plugin.training.pairs import PairConfig, PairSampler, make_labels, response_offsets
from siamfc_plugin.training.teacher import (FILES, NanoTrackNet, NanoTrackParams, NanoTrackTracker, TeacherCollate,
                                            TeacherSpec, label_run, mix_labels, on_response_grid,
                                            pseudo_label_track, teacher_files, tracking, unannotated_runs,
                                            window_crop)
from siamfc_plugin.training.trainer import TrainConfig, Trainer, balanced_logistic_loss
from tests.conftest import REPO

MIRROR = Path(os.environ.get("SIAMFC_TEACHER_MIRROR", REPO.parent / ".mirror" / "HonglinChu+SiamTrackers" / "repo"))
COMMIT = "248663fde6bf"


@pytest.fixture(scope="session")
def teacher_folder(tmp_path_factory) -> str:
    pytest.importorskip("onnxruntime", reason="the teacher runs on onnxruntime (the onnx extra)")
    pytest.importorskip("onnx", reason="the teacher's graphs are loaded with onnx (the onnx extra)")
    given = os.environ.get("SIAMFC_TEACHER")
    if given:
        try:
            teacher_files(given)
            return given
        except ConfigError:
            pass
    if not MIRROR.is_dir():
        pytest.skip(f"teacher files not available: $SIAMFC_TEACHER unset and no SiamTrackers mirror at {MIRROR}")
    folder = tmp_path_factory.mktemp("teacher")
    for snapshot_path, _ in FILES.values():
        data = subprocess.run(["git", f"--git-dir={MIRROR}", "show", f"{COMMIT}:{snapshot_path}"],
                              capture_output=True, check=False).stdout
        if not data:
            pytest.skip(f"teacher files not available: {snapshot_path} not in {MIRROR} at {COMMIT}")
        (folder / os.path.basename(snapshot_path)).write_bytes(data)
    teacher_files(str(folder))  # the snapshot's own bytes
    return str(folder)


@pytest.fixture(scope="session")
def net(teacher_folder) -> NanoTrackNet:
    return NanoTrackNet(teacher_folder, threads=1)


@pytest.fixture(scope="session")
def crossing(otb_root) -> Sequence:
    seq = next(s for s in read_sequences(str(otb_root)) if s.name == "Crossing")
    return Sequence("crossing-30", seq.frames[:30], seq.boxes[:30].copy())


# ---- the tracker -------------------------------------------------------------------------------------------------
def test_tracker_follows_a_real_sequence(net, crossing):
    from siamfc_plugin.core.frame_loop import run_sequence

    run = run_sequence(NanoTrackTracker(net), crossing)
    overlaps = iou(run.boxes, crossing.boxes)
    # measured 0.73 mean IoU; a tracker that loses the walker or mis-scales drops far below
    assert overlaps.mean() > 0.6 and overlaps.min() > 0.3, overlaps.round(2)
    assert run.auc > 0.55


def _snapshot_file(path: str) -> str:
    done = subprocess.run(["git", f"--git-dir={MIRROR}", "show", f"{COMMIT}:NanoTrack/{path}"], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        pytest.skip(f"snapshot code not available: NanoTrack/{path} not in {MIRROR} at {COMMIT}")
    return done.stdout


def test_tracker_equals_the_snapshots_own_tracker(net, crossing, tmp_path, monkeypatch):
    """The snapshot's NanoTracker (its own code, read from the mirror into a temporary folder, never into the repo),
    its hyper-parameters from configv2.yaml, fed the same ONNX outputs: the same boxes on every frame."""
    import importlib
    import re
    import sys
    from types import SimpleNamespace

    yaml = pytest.importorskip("yaml")
    package = tmp_path / "nanotrack"
    for path in ("nanotrack/tracker/nano_tracker.py", "nanotrack/tracker/base_tracker.py", "nanotrack/utils/bbox.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(_snapshot_file(path))
    for folder in (package, package / "tracker", package / "utils", package / "core"):
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").touch()
    track = yaml.safe_load(_snapshot_file("models/config/configv2.yaml"))["TRACK"]
    track["OUTPUT_SIZE"] = int(re.search(r"__C\.TRACK\.OUTPUT_SIZE = (\d+)",
                                         _snapshot_file("nanotrack/core/config.py")).group(1))
    stride = yaml.safe_load(_snapshot_file("models/config/configv2.yaml"))["POINT"]["STRIDE"]
    (package / "core" / "config.py").write_text(  # the values the snapshot's yacs config would hold
        f"from types import SimpleNamespace as N\ncfg = N(CUDA=False, POINT=N(STRIDE={stride}), TRACK=N(**{track!r}))\n")
    params = NanoTrackParams()
    assert (track["WINDOW_INFLUENCE"], track["PENALTY_K"], track["LR"], track["CONTEXT_AMOUNT"], stride,
            track["OUTPUT_SIZE"]) == (params.window_influence, params.penalty_k, params.lr, params.context,
                                      params.stride, params.score_size)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n == "nanotrack" or n.startswith("nanotrack.")]:
        monkeypatch.delitem(sys.modules, name)
    reference_class = importlib.import_module("nanotrack.tracker.nano_tracker").NanoTracker

    class Model:  # the snapshot's ModelBuilder interface over the same two graphs; its crops are BGR floats
        def eval(self):
            pass

        def template(self, crop):
            self.exemplar = net.features(crop.numpy()[:, ::-1].astype(np.uint8))

        def track(self, crop):
            logits, distances = net.head.run(None, {"input1": self.exemplar,
                                                    "input2": net.features(crop.numpy()[:, ::-1].astype(np.uint8))})
            return {"cls": torch.from_numpy(logits), "loc": torch.from_numpy(distances)}

    reference, ours = reference_class(Model()), NanoTrackTracker(net)
    differences = []
    for index, path in enumerate(crossing.frames):
        rgb = read_frame(path)
        if index == 0:
            reference.init(np.ascontiguousarray(rgb[:, :, ::-1]), crossing.boxes[0])
            ours.init(rgb, crossing.boxes[0])
            continue
        expected = np.asarray(reference.track(np.ascontiguousarray(rgb[:, :, ::-1]))["bbox"], dtype=np.float64)
        differences.append(np.abs(ours.update(rgb) - expected).max())
    for name in [n for n in sys.modules if n == "nanotrack" or n.startswith("nanotrack.")]:
        del sys.modules[name]
    assert max(differences) < 1e-3, differences  # float32 vs float64 arithmetic: measured 2e-5 px


def test_window_crop_is_pysot_integer_window():
    """The snapshot's crop: a whole-pixel window starting at floor(c - (side + 1) / 2 + 0.5), padded with the mean
    colour cast to uint8 (truncated), not SiamFC's continuous crop."""
    image = np.tile(np.arange(40, dtype=np.uint8)[None, :, None], (30, 1, 3))
    patch = window_crop(image, np.array([5.4, 12.0]), 11, 11, np.array([7.9, 7.9, 7.9]))
    assert patch.shape == (11, 11, 3)
    # left = floor(5.4 - 6 + 0.5) = -1: one padded column of value int(7.9) = 7, then columns 0..9
    assert patch[0, :, 0].tolist() == [7] + list(range(10))
    whole = window_crop(image, np.array([100.0, 100.0]), 8, 4, np.array([3.0, 3.0, 3.0]))
    assert whole.shape == (4, 4, 3) and (whole == 3).all()


# ---- soft targets ------------------------------------------------------------------------------------------------
def _positive_pairs(seq: Sequence, n: int, **pair_overrides):
    config = PairConfig(**{"negative_prob": 0.0, "gray_prob": 0.0, "flip_prob": 0.0, **pair_overrides})
    sampler = PairSampler([([seq], 1.0)], config, n, seed=3)
    return [sampler.pair(0, k) for k in range(n)], config


def _centroid(probability: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(probability.shape)
    return (float((rows * probability).sum() / probability.sum()),
            float((cols * probability).sum() / probability.sum()))


def test_soft_target_is_17x17_and_peaks_at_the_target(net, crossing):
    items, config = _positive_pairs(crossing, 4, max_shift=0.0)
    exemplar = np.stack([item[0].numpy() for item in items])
    search = np.stack([item[1].numpy() for item in items])
    maps = on_response_grid(net.pair_maps(exemplar, search), response_offsets(config.response_size,
                                                                                config.total_stride))
    assert maps.shape == (4, 17, 17) and maps.min() >= 0 and maps.max() <= 1
    for teacher, item in zip(maps, items):
        # the map is a plateau of p ~ 1 over the walker (tall): its centroid, not its first maximum, is the target
        peak = _centroid(teacher)
        assert abs(peak[0] - 8) <= 1 and abs(peak[1] - 8) <= 1, peak  # the target is at the crop centre
        positive = item[2][0].numpy() > 0
        assert teacher[positive].mean() > 0.5 > teacher[~positive].mean()


def test_soft_target_follows_a_shifted_target(net, crossing):
    """The grids line up by image position: a target 32 crop pixels off the centre peaks 4 cells (stride 8) off."""
    items, config = _positive_pairs(crossing, 6, max_shift=32.0)
    exemplar = np.stack([item[0].numpy() for item in items])
    search = np.stack([item[1].numpy() for item in items])
    maps = on_response_grid(net.pair_maps(exemplar, search), response_offsets(17, 8))
    for teacher, item in zip(maps, items):
        ys, xs = np.nonzero(item[2][0].numpy() > 0)  # the paper's disc sits on the target
        peak = _centroid(teacher)
        assert abs(peak[0] - ys.mean()) <= 1.5 and abs(peak[1] - xs.mean()) <= 1.5, (peak, ys.mean(), xs.mean())


def test_resampling_reads_the_teacher_map_by_image_position():
    """Teacher point k sits at 16k - 128 crop pixels; SiamFC cell i at 8(i - 8): cell i reads teacher index i/2 + 4."""
    teacher = np.zeros((1, 16, 16), np.float32)
    teacher[0, 6, 10] = 1.0  # offsets (x, y) = (32, -32)
    grid = on_response_grid(teacher, response_offsets(17, 8))[0]
    assert grid[4, 12] == 1.0  # cell (y 4, x 12) = offsets (-32, 32)
    assert grid[4, 11] == grid[4, 13] == grid[3, 12] == grid[5, 12] == 0.5  # half-way cells interpolate
    assert grid.sum() == pytest.approx(1 + 4 * 0.5 + 4 * 0.25)
    assert np.array_equal(NanoTrackParams().point_offsets()[[0, 8, 15]], [-128, 0, 112])


def test_teacher_weight_zero_is_exactly_the_papers_labels(train_root, tmp_path):
    labels, _ = make_labels(17, 8, 16.0, (8.0, -4.0))
    labels = torch.from_numpy(labels)
    assert mix_labels(labels, torch.rand(17, 17), 0.0) is labels
    mixed = mix_labels(labels, torch.full((17, 17), 0.25), 0.5)
    assert torch.allclose(mixed, 0.5 * labels - 0.25)
    # weight 0: no teacher anywhere in the loader (the folder need not exist), the batch's labels are the sampler's
    config = TrainConfig.from_dict({
        "sources": [{"kind": "got10k", "root": str(train_root / "got10k"), "max_tracks": 3}], "epochs": 1,
        "pairs_per_epoch": 8, "batch_size": 4, "threads": 1, "out_dir": str(tmp_path / "run"),
        "teacher": {"weight": 0.0, "folder": str(tmp_path / "absent")}})
    trainer = Trainer(config)
    sampler = trainer.build_sampler()
    loader = trainer.loader(sampler)
    assert loader.collate_fn is not None and not isinstance(loader.collate_fn, TeacherCollate)
    batch = next(iter(loader))
    expected = torch.stack([sampler.pair(0, k)[2] for k in range(4)])
    assert torch.equal(batch[2], expected)


def test_soft_label_loss_equals_the_papers_loss_for_hard_labels():
    """The loss takes soft labels; for +-1 labels it is the paper's sum w log(1 + exp(-y v)) to the last bit, and so
    are its gradients."""
    generator = torch.Generator().manual_seed(0)
    scores = (torch.randn(4, 1, 17, 17, generator=generator) * 8).requires_grad_()
    labels = torch.where(torch.rand(4, 1, 17, 17, generator=generator) > 0.7, 1.0, -1.0)
    weights = torch.rand(4, 1, 17, 17, generator=generator)
    ours = balanced_logistic_loss(scores, labels, weights)
    (grad_ours,) = torch.autograd.grad(ours, scores)
    paper = (weights * torch.nn.functional.softplus(-labels * scores)).sum() / 4
    (grad_paper,) = torch.autograd.grad(paper, scores)
    assert torch.equal(ours, paper) and torch.equal(grad_ours, grad_paper)
    # a soft label y (target probability p = (y + 1) / 2) pulls the score towards logit(p): gradient sigmoid(v) - p
    values = torch.tensor([-2.0, 0.0, 2.0, 2.0]).reshape(1, 1, 2, 2).requires_grad_()
    soft = torch.tensor([0.0, 0.0, 0.0, 0.5]).reshape(1, 1, 2, 2)
    (grad,) = torch.autograd.grad(balanced_logistic_loss(values, soft, torch.ones_like(soft)), values)
    expected = torch.sigmoid(values.detach()) - (soft + 1) / 2
    assert torch.allclose(grad, expected) and grad[0, 0, 0, 0] < 0 < grad[0, 0, 1, 0]


def test_training_batches_carry_the_mixed_targets(teacher_folder, crossing, tmp_path):
    """weight 0.5: the loader's batch holds (paper + (2p - 1)) / 2 with p the teacher's map of the batch's own
    crops; the collate pickles without its sessions (loader workers are spawned)."""
    items, config = _positive_pairs(crossing, 4)
    collate = TeacherCollate(TeacherSpec(weight=0.5, folder=teacher_folder), response_offsets(17, 8))
    exemplar, search, labels, weights, skipped = collate(items)
    paper = torch.stack([item[2] for item in items])
    teacher = NanoTrackNet(teacher_folder, threads=1).pair_maps(exemplar.numpy(), search.numpy())
    expected = 0.5 * paper + 0.5 * (2 * torch.from_numpy(on_response_grid(teacher, response_offsets(17, 8)))[:, None]
                                    - 1)
    assert torch.allclose(labels, expected, atol=1e-5)
    assert not torch.equal(labels, paper) and labels.min() >= -1 and labels.max() <= 1
    assert torch.equal(weights, torch.stack([item[3] for item in items]))
    clone = pickle.loads(pickle.dumps(collate))
    assert clone.net is None and torch.allclose(clone(items)[2], labels, atol=1e-6)


def test_teacher_switch_refuses_missing_files(train_root, tmp_path):
    config = TrainConfig.from_dict({
        "sources": [{"kind": "got10k", "root": str(train_root / "got10k")}], "out_dir": str(tmp_path / "run"),
        "teacher": {"weight": 0.5, "folder": str(tmp_path)}})
    with pytest.raises(ConfigError, match="nanotrack_backbone_sim.onnx"):
        Trainer(config)
    with pytest.raises(ConfigError, match="weight"):
        TrainConfig.from_dict({"sources": [{"kind": "coco", "root": "x"}]}, {"teacher.weight": 1.5})
    (tmp_path / "nanotrack_backbone_sim.onnx").write_bytes(b"not the snapshot")
    (tmp_path / "nanotrack_head_sim.onnx").write_bytes(b"not the snapshot")
    with pytest.raises(ConfigError, match="SHA-256"):
        teacher_files(str(tmp_path))


# ---- pseudo-labels -----------------------------------------------------------------------------------------------
def _replay(truth: np.ndarray, wrong_from: dict[int, np.ndarray] | None = None,
            glitch: tuple[int, int] | None = None):
    """A TrackFn that reports `truth`, except that a track started on a frame in `wrong_from` reports that box
    everywhere (it followed something else), and the track started on glitch[0] is off on frame glitch[1]."""
    def run(start, box, indices):
        if wrong_from and start in wrong_from:
            return np.repeat(wrong_from[start][None], len(indices), axis=0)
        out = truth[indices].copy()
        if glitch and start == glitch[0]:
            out[list(indices).index(glitch[1])] += [100.0, 0, 0, 0]
        return out
    return run


def test_label_run_keeps_agreement_and_drops_disagreement():
    truth = np.array([[10.0 + 5 * i, 20, 30, 40] for i in range(12)])
    annotated = np.array([1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1], bool)
    assert unannotated_runs(annotated) == [(2, 4), (7, 10)]
    boxes, kept = label_run(2, 4, truth, annotated, _replay(truth), 0.7)
    assert kept.all() and np.array_equal(boxes, truth[2:5])
    far = np.array([200.0, 200, 30, 40])
    boxes, kept = label_run(7, 10, truth, annotated, _replay(truth, {11: far}), 0.7)  # the backward track is lost
    assert not kept.any()


def test_label_run_at_the_video_ends_needs_the_track_to_return():
    truth = np.array([[10.0 + 5 * i, 20, 30, 40] for i in range(10)])
    annotated = np.zeros(10, bool)
    annotated[6] = True  # frames 0-5 before it, 7-9 after it: one annotated neighbour each
    boxes, kept = label_run(7, 9, truth, annotated, _replay(truth), 0.7)
    assert kept.all() and np.array_equal(boxes, truth[7:10])
    # the return track from the far end (frame 0) follows something else: that check fails, the nearer half
    # (frames 3-5, returning from frame 3) passes
    boxes, kept = label_run(0, 5, truth, annotated, _replay(truth, {0: np.array([300.0, 300, 30, 40])}), 0.7)
    assert kept.tolist() == [False, False, False, True, True, True]
    # the return track closes but was off on frame 4: frames beyond a disagreement (seen from frame 6) are not kept
    boxes, kept = label_run(0, 5, truth, annotated, _replay(truth, glitch=(0, 4)), 0.7)
    assert kept.tolist() == [False, False, False, False, False, True]


def test_pseudo_labels_on_a_real_sequence(net, crossing):
    """The teacher boxes frames 10-19 of a real sequence whose boxes were hidden: kept boxes match the hidden truth;
    with the annotation after the gap moved onto background, the two tracks disagree and the gap is dropped."""
    hidden = crossing.boxes.copy()
    hidden[10:20] = np.nan
    visible = np.isfinite(hidden).all(axis=1)
    track = Sequence("walker", crossing.frames, hidden, visible=visible)
    tracker = NanoTrackTracker(net)
    labelled, counts = pseudo_label_track(track, tracking(tracker, track.frames), 0.7)
    assert counts["unannotated"] == 10 and counts["kept"] + counts["dropped"] == 10 and counts["kept"] >= 5
    kept = labelled.visible & ~visible
    assert iou(labelled.boxes[kept], crossing.boxes[kept]).min() > 0.5
    assert np.array_equal(labelled.boxes[visible], crossing.boxes[visible])

    moved = hidden.copy()
    moved[20] = [5.0, 5.0, moved[20, 2], moved[20, 3]]  # the top-left corner: no walker there
    labelled, counts = pseudo_label_track(Sequence("walker", crossing.frames, moved, visible=visible),
                                          tracking(tracker, crossing.frames), 0.7)
    assert counts["kept"] == 0 and counts["dropped"] == 10


def test_curate_gains_pseudo_labelled_frames(teacher_folder, crossing, tmp_path):
    """`[teacher] pseudo_labels = true`: the curated track gains the teacher's frames, curation.json counts them and
    records the teacher; the folder is not reused with other pseudo-label settings."""
    from siamfc_plugin.training.curate import curate, read_curation, read_pseudo_labels

    lines = [",".join(f"{v:.2f}" for v in box) if not 10 <= i < 20 else "0,0,0,0"
             for i, box in enumerate(crossing.boxes)]
    (tmp_path / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    frames = tmp_path / "frames"
    frames.mkdir()
    for i, path in enumerate(crossing.frames, 1):
        os.symlink(path, frames / f"{i:08d}.jpg")
    config = tmp_path / "curate.toml"
    config.write_text(f"""
[[sources]]
name = "walk"
kind = "sequence"
images = ["{frames}"]
annotations = ["{tmp_path / 'groundtruth.txt'}"]
names = ["walker"]
object_class = "person"

[teacher]
pseudo_labels = true
sources = ["walk"]
folder = "{teacher_folder}"
""")
    sources, spec, split = read_curation(str(config))
    pseudo = read_pseudo_labels(str(config))
    summary = curate(sources, str(tmp_path / "out"), spec, split=split, pseudo_labels=pseudo)
    counts = summary["sources"]["walk"]["pseudo_labels"]
    assert counts["unannotated"] == 10 and counts["kept"] >= 5
    assert summary["pseudo_labels"]["sources"] == ["walk"] and "248663fde6bf" in summary["pseudo_labels"]["teacher"]
    written = json.loads((tmp_path / "out" / "curation.json").read_text())
    assert written["sources"]["walk"]["pseudo_labels"] == counts
    boxes = (tmp_path / "out" / "walk-walker" / "groundtruth.txt").read_text().split()
    assert len(boxes) == 20 + counts["kept"]
    with pytest.raises(ConfigError, match="pseudo-label settings"):
        curate(sources, str(tmp_path / "out"), spec, split=split, pseudo_labels=None)


def test_pseudo_labels_only_for_sequence_sources(tmp_path, monkeypatch):
    from siamfc_plugin.training.curate import read_pseudo_labels

    config = tmp_path / "curate.toml"
    config.write_text("""
[[sources]]
name = "mot"
kind = "mot"
root = "/nowhere"

[teacher]
pseudo_labels = true
sources = ["mot"]
""")
    with pytest.raises(ConfigError, match="sequence sources"):
        read_pseudo_labels(str(config))
    monkeypatch.setenv("SIAMFC_SHARED_DATA", "/data/shared")
    monkeypatch.setenv("SIAMFC_SOURCES", "/data/sources")
    shipped = read_pseudo_labels(str(REPO / "configs" / "curate_public.toml"))
    assert shipped.pseudo_labels is False and shipped.sources == ("manakin",)  # off unless switched on
