"""Training: labels, pair sampler invariants, data sources on real and made-up layouts, a tiny real training run
whose loss goes down, and exact resume after SIGKILL."""
import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from siamfc_plugin.core.checkpoint import read_checkpoint
from siamfc_plugin.data.readers import Sequence
from siamfc_plugin.common.errors import ConfigError, FrameReadError
from siamfc_plugin.training.pairs import PairConfig, PairSampler, make_labels
from siamfc_plugin.training.sources import SourceSpec, coco_tracks, got10k_tracks, load_source, vid_tracks
from siamfc_plugin.training.trainer import TrainConfig, Trainer, lr_at

REPO = Path(__file__).resolve().parents[1]

# small crops keep the CPU runs short: 127 -> 6x6 exemplar, 175 -> 12x12 search, 7x7 score map
SMALL = {"pairs.instance_size": 175, "pairs.response_size": 7}


def test_labels_radius_and_balance():
    labels, weights = make_labels(17, 8, 16)
    centre = np.zeros((17, 17), bool)
    for r in range(17):
        for c in range(17):
            centre[r, c] = np.hypot(r - 8, c - 8) * 8 <= 16
    np.testing.assert_array_equal(labels == 1, centre)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[labels == 1].sum() == pytest.approx(0.5) and weights[labels == -1].sum() == pytest.approx(0.5)
    shifted, _ = make_labels(17, 8, 16, offset=(16, -8))
    assert shifted[7, 10] == 1 and shifted[8, 8] == -1  # target 2 cells right, 1 cell up
    negative, nweights = make_labels(17, 8, 16, negative=True)
    assert (negative == -1).all() and nweights.sum() == pytest.approx(1.0)


def _tracks(n_tracks=3, length=150):
    tracks = []
    for t in range(n_tracks):
        visible = np.ones(length, bool)
        visible[10:20] = False
        tracks.append(Sequence(f"t{t}", [f"{t}/{i}" for i in range(length)], np.tile([10, 10, 20, 20.0], (length, 1)),
                               visible=visible))
    return tracks


def test_pair_sampler_invariants():
    tracks = _tracks()
    sampler = PairSampler([(tracks, 1.0)], PairConfig(negative_prob=0.3), pairs_per_epoch=100)
    negatives = 0
    for k in range(600):
        z_track, i, x_track, j, negative = sampler.choose(np.random.default_rng(k))
        assert z_track.visible[i] and x_track.visible[j]
        if negative:
            negatives += 1
            assert x_track is not z_track
        else:
            assert x_track is z_track and abs(i - j) <= 100
    assert 0.15 < negatives / 600 < 0.35


def test_pairs_are_reproducible_and_labels_follow_the_shift(train_root):
    tracks = got10k_tracks(str(train_root / "got10k"))[:3]
    sampler = PairSampler([(tracks, 1.0)], PairConfig(negative_prob=0.0), pairs_per_epoch=8, seed=5)
    first = sampler[3]
    again = sampler[3]
    for a, b in zip(first[:4], again[:4]):
        assert torch.equal(a, b)
    sampler.set_epoch(1)
    assert not torch.equal(sampler[3][1], first[1])
    exemplar, search, labels, weights, skipped = first
    assert skipped == 0
    assert exemplar.shape == (3, 127, 127) and search.shape == (3, 255, 255) and labels.shape == (1, 17, 17)
    assert (labels == 1).sum() > 0 and weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("still", [False, True])
def test_rotated_search_view_keeps_the_target_on_its_labels(still):
    # a bright square at the box centre of made-up frames: wherever rotation, flip, scale and shift put it, the
    # positive labels must sit on it
    def frame_reader(path):
        image = np.full((360, 480, 3), 40, np.uint8)
        cv2.rectangle(image, (230, 170), (250, 190), (255, 255, 255), -1)  # centre (240.5, 180.5) in pixel centres
        return image

    box = [220.5, 160.5, 40.0, 40.0]
    track = Sequence("dot", ["a"] if still else ["a", "b"], np.array([box] * (1 if still else 2)))
    sampler = PairSampler([([track], 1.0)], PairConfig(negative_prob=0.0, gray_prob=0.0, rotation=60.0,
                                                       still_rotation=60.0), pairs_per_epoch=16, seed=3,
                          frame_reader=frame_reader)
    for index in range(16):
        _, search, labels, _, _ = sampler[index]
        bright = search[0].numpy() > 150
        dot_y, dot_x = (np.argwhere(bright).mean(axis=0) - 127) / 8  # in score-map cells from the centre
        label_y, label_x = np.argwhere(labels[0].numpy() > 0).mean(axis=0) - 8
        assert abs(dot_x - label_x) < 0.6 and abs(dot_y - label_y) < 0.6


def test_occlusion_covers_part_of_the_target_and_keeps_labels(train_root):
    tracks = got10k_tracks(str(train_root / "got10k"))[:3]
    config = PairConfig(negative_prob=0.0, gray_prob=0.0)
    plain = PairSampler([(tracks, 1.0)], config, pairs_per_epoch=8, seed=7)
    occluded = PairSampler([(tracks, 1.0)], dataclasses.replace(config, occlusion_prob=1.0), pairs_per_epoch=8,
                           seed=7)
    for index in range(6):
        a, b = plain[index], occluded[index]
        assert torch.equal(a[0], b[0]) and torch.equal(a[2], b[2])  # exemplar and labels untouched
        changed = np.argwhere((a[1] != b[1]).any(dim=0).numpy())
        assert len(changed) > 0
        # the pasted patch overlaps the target: the changed area reaches into the positive labels' region
        label_y, label_x = (np.argwhere(a[2][0].numpy() > 0).mean(axis=0) - 8) * 8 + 127
        y0, x0 = changed.min(axis=0)
        y1, x1 = changed.max(axis=0)
        assert x0 - 24 <= label_x <= x1 + 24 and y0 - 24 <= label_y <= y1 + 24


def test_photometric_augmentation_changes_pixels_not_labels(train_root):
    tracks = got10k_tracks(str(train_root / "got10k"))[:3]
    plain = PairSampler([(tracks, 1.0)], PairConfig(negative_prob=0.0, gray_prob=0.0), pairs_per_epoch=8, seed=5)
    augmented = PairSampler([(tracks, 1.0)], PairConfig(negative_prob=0.0, gray_prob=0.0, colour_jitter=0.3,
                                                        blur_prob=1.0), pairs_per_epoch=8, seed=5)
    for index in range(4):
        a, b = plain[index], augmented[index]
        assert torch.equal(a[2], b[2]) and torch.equal(a[3], b[3])  # same geometry, same labels
        assert not torch.equal(a[1], b[1])  # the search view is jittered and blurred
        assert torch.equal(b[1], augmented[index][1])  # still reproducible


def test_got10k_source_uses_absence_labels(train_root, tmp_path):
    tracks = got10k_tracks(str(train_root / "got10k"))
    assert len(tracks) == 21 and sum(len(t) for t in tracks) == 1627
    # a made-up copy of one sequence with frames marked absent
    src = train_root / "got10k" / "train" / "DAVIS2016_camel"
    dst = tmp_path / "train" / "seq"
    dst.mkdir(parents=True)
    for f in src.iterdir():
        os.symlink(f, dst / f.name)
    os.remove(dst / "absence.label")
    n = len((src / "groundtruth.txt").read_text().split())
    (dst / "absence.label").write_text("\n".join("1" if i < 5 else "0" for i in range(n)) + "\n")
    (tmp_path / "train" / "list.txt").write_text("seq\n")
    track = got10k_tracks(str(tmp_path))[0]
    assert not track.visible[:5].any() and track.visible[5:].all()


def test_coco_source(train_root):
    tracks = coco_tracks(str(train_root / "coco"))
    assert 1000 < len(tracks) <= 1827
    assert all(len(t) == 1 and os.path.isfile(t.frames[0]) for t in tracks[:20])
    assert all(t.boxes[0, 2] >= 8 and t.boxes[0, 3] >= 8 for t in tracks)


def test_sequence_folder_sources(otb_root, vot_root):
    otb = load_source(SourceSpec("otb", str(otb_root)))
    vot = load_source(SourceSpec("vot", str(vot_root)))
    assert {t.name for t in otb} == {"Crossing", "DragonBaby", "FaceOcc1", "Human3", "MotorRolling"}
    assert {t.name for t in vot} == {"ball1", "book", "bag"}


def _write_vid(root):
    """A made-up ImageNet VID layout: one video, 4 frames, three objects."""
    ann = root / "Annotations" / "VID" / "train" / "ILSVRC2015_VID_train_0000" / "vid_a"
    data = root / "Data" / "VID" / "train" / "ILSVRC2015_VID_train_0000" / "vid_a"
    ann.mkdir(parents=True)
    data.mkdir(parents=True)
    objects = {  # trackid: (class, box per frame)
        "0": ("n02084071", [(100, 100, 180, 160)] * 3 + [(2, 100, 80, 160)]),  # dog; last frame at the edge
        "1": ("n01726692", [(300, 200, 360, 260)] * 4),  # snake: excluded class
        "2": ("n02084071", [(5, 5, 495, 370)] * 4),  # covers almost the whole image: too large
    }
    for f in range(4):
        cv2.imwrite(str(data / f"{f:06d}.JPEG"), np.zeros((375, 500, 3), np.uint8))
        objs = "".join(
            f"<object><trackid>{tid}</trackid><name>{cls}</name><bndbox><xmin>{b[f][0]}</xmin><ymin>{b[f][1]}</ymin>"
            f"<xmax>{b[f][2]}</xmax><ymax>{b[f][3]}</ymax></bndbox></object>" for tid, (cls, b) in objects.items())
        (ann / f"{f:06d}.xml").write_text(f"<annotation><size><width>500</width><height>375</height></size>{objs}"
                                          "</annotation>")


def test_vid_source_curation(tmp_path):
    _write_vid(tmp_path)
    tracks = vid_tracks(str(tmp_path))
    assert len(tracks) == 1
    track = tracks[0]
    assert track.name.endswith(":0") and len(track) == 3  # edge frame dropped
    assert all(os.path.isfile(f) for f in track.frames)
    np.testing.assert_allclose(track.boxes[0], [100, 100, 81, 61])


def _config(tmp_path, train_root, **overrides):
    values = {
        "sources": [{"kind": "got10k", "root": str(train_root / "got10k"), "max_tracks": 4},
                    {"kind": "coco", "root": str(train_root / "coco"), "weight": 0.5}],
        "epochs": 2, "pairs_per_epoch": 16, "batch_size": 4, "threads": 1, "seed": 1,
        "out_dir": str(tmp_path / "run"), "log_every": 1,
    }
    values.update(overrides)
    return TrainConfig.from_dict(values, SMALL)


def test_config_errors(train_root, tmp_path):
    with pytest.raises(ConfigError, match="unknown train config field"):
        _config(tmp_path, train_root, epoch=3)
    with pytest.raises(ConfigError, match="lr_end"):
        _config(tmp_path, train_root, lr_end=1.0)
    with pytest.raises(ConfigError, match="unknown pairs field"):
        TrainConfig.from_dict({"sources": [{"kind": "coco", "root": "x"}]}, {"pairs.radios": 3})
    assert lr_at(0, 10, 1e-2, 1e-5) == pytest.approx(1e-2) and lr_at(9, 10, 1e-2, 1e-5) == pytest.approx(1e-5)


def test_tiny_training_run_loss_goes_down(train_root, tmp_path):
    """The same batch, many SGD steps: a working loss/gradient/optimiser chain drives the loss down."""
    trainer = Trainer(_config(tmp_path, train_root, lr_start=1e-2, lr_end=1e-2))
    sampler = trainer.build_sampler()
    batch = next(iter(trainer.loader(sampler)))
    losses = [trainer.train_step(*batch[:4]) for _ in range(25)]
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:3]), losses


def test_training_writes_checkpoints_logs_and_validates(train_root, otb_root, tmp_path):
    config = _config(tmp_path, train_root, epochs=1, val_root=str(otb_root), val_max_frames=4)
    summary = Trainer(config).fit()
    run = tmp_path / "run"
    assert (run / "last.pth").is_file() and (run / "best.pth").is_file()
    assert (run / "log.csv").read_text().count("\n") >= 4
    assert set(summary["history"][0]["val_auc_per_sequence"]) == {"Crossing", "DragonBaby", "FaceOcc1", "Human3",
                                                                  "MotorRolling"}
    assert read_checkpoint(run / "best.pth")["training"]["pairs_seen"] == 16
    # the geometry trained at (SMALL: 175-pixel search crops, 7x7 maps) travels with the model
    assert read_checkpoint(run / "best.pth")["geometry"]["instance_size"] == 175


def _train_cmd(config_path, resume=False):
    cmd = [sys.executable, "-m", "siamfc_plugin", "train", "--config", str(config_path)]
    return cmd + (["--resume"] if resume else [])


@pytest.mark.slow
def test_resume_after_sigkill_matches_uninterrupted_run(train_root, tmp_path):
    import json

    def write_config(name, epochs=3):
        cfg = {"sources": [{"kind": "got10k", "root": str(train_root / "got10k"), "max_tracks": 3}],
               "epochs": epochs, "pairs_per_epoch": 24, "batch_size": 4, "threads": 1, "seed": 2,
               "out_dir": str(tmp_path / name), "pairs": {"instance_size": 175, "response_size": 7}}
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(cfg))
        return path

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    straight = write_config("straight")
    subprocess.run(_train_cmd(straight), check=True, env=env, capture_output=True, timeout=600)

    killed = write_config("killed")
    proc = subprocess.Popen(_train_cmd(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = tmp_path / "killed" / "last.pth"
    deadline = time.time() + 300
    while time.time() < deadline and not (last.is_file() and read_checkpoint(last)["epoch"] >= 1):
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)  # mid-way through epoch 2 (or just after epoch 1's checkpoint)
    proc.wait()
    assert read_checkpoint(last)["epoch"] in (1, 2)
    subprocess.run(_train_cmd(killed, resume=True), check=True, env=env, capture_output=True, timeout=600)

    a, b = read_checkpoint(tmp_path / "straight" / "last.pth"), read_checkpoint(last)
    assert a["epoch"] == b["epoch"] == 3
    for key in a["state_dict"]:
        assert torch.equal(a["state_dict"][key], b["state_dict"][key]), key


def _damaged_copy(train_root, tmp_path, corrupt_every, broken_lines):
    """A GOT-10k-layout copy of two real sequences with corrupt frames and broken annotation lines."""
    base = tmp_path / "damaged" / "train"
    names = ["DAVIS2016_camel", "DAVIS2016_cows"]
    for name in names:
        src, dst = train_root / "got10k" / "train" / name, base / name
        dst.mkdir(parents=True)
        for k, f in enumerate(sorted(src.glob("*.jpg"))):
            if k % corrupt_every == 1:
                (dst / f.name).write_bytes(b"broken")
            else:
                os.symlink(f, dst / f.name)
        lines = (src / "groundtruth.txt").read_text().splitlines()
        for k in range(broken_lines):
            lines[2 + k] = "12,oops"
        (dst / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (base / "list.txt").write_text("\n".join(names) + "\n")
    return tmp_path / "damaged"


def test_unreadable_frames_and_broken_lines_are_skipped_and_counted(train_root, tmp_path, caplog):
    root = _damaged_copy(train_root, tmp_path, corrupt_every=10, broken_lines=3)
    config = TrainConfig.from_dict({"sources": [{"kind": "got10k", "root": str(root)}], "epochs": 1,
                                    "pairs_per_epoch": 40, "batch_size": 4, "threads": 1,
                                    "out_dir": str(tmp_path / "run"), "max_unreadable_fraction": 1.0}, SMALL)
    with caplog.at_level("WARNING"):
        summary = Trainer(config).fit()
    assert "skipped 6 of" in caplog.text  # 3 broken lines in each of the two sequences
    assert summary["history"][0]["unreadable_frames"] > 0


def test_too_many_unreadable_frames_fail(train_root, tmp_path):
    root = _damaged_copy(train_root, tmp_path, corrupt_every=2, broken_lines=0)
    config = TrainConfig.from_dict({"sources": [{"kind": "got10k", "root": str(root)}], "epochs": 1,
                                    "pairs_per_epoch": 24, "batch_size": 4, "threads": 1,
                                    "out_dir": str(tmp_path / "run")}, SMALL)
    with pytest.raises((RuntimeError, FrameReadError), match="unreadable frames"):
        Trainer(config).fit()


def test_too_many_broken_annotation_lines_fail(train_root, tmp_path):
    root = _damaged_copy(train_root, tmp_path, corrupt_every=10 ** 6, broken_lines=40)
    with pytest.raises(ValueError, match="annotation lines are broken"):
        load_source(SourceSpec("got10k", str(root)))


@pytest.mark.parametrize("path", sorted((Path(__file__).parent.parent / "configs").glob("train_*.toml")),
                         ids=lambda p: p.name)
def test_shipped_training_configs_parse(path):
    from siamfc_plugin.training.trainer import TrainConfig

    config = TrainConfig.from_file(str(path))
    # checkpoints are chosen by validation during the run, or afterwards among per-epoch snapshots
    assert config.sources and (config.val_root or config.snapshot_every) and config.pair_config().radius == 16.0


@pytest.mark.parametrize("path", sorted((Path(__file__).parent.parent / "configs").glob("curate_*.toml")),
                         ids=lambda p: p.name)
def test_shipped_curation_configs_parse(path, monkeypatch):
    from siamfc_plugin.training.curate import read_config

    monkeypatch.setenv("SIAMFC_SHARED_DATA", "/data/shared")
    monkeypatch.setenv("SIAMFC_SOURCES", "/data/sources")
    sources, spec = read_config(str(path))
    assert spec.search_size == 255 and {s.kind for s in sources} >= {"got10k", "coco", "yolo", "voc", "vid"}


def test_without_validation_no_best_checkpoint_only_last_and_snapshots(train_root, tmp_path):
    """The checkpoint policy: 'best' needs a validation score; without one the run leaves last.pth and snapshots."""
    Trainer(_config(tmp_path, train_root, epochs=2, snapshot_every=1)).fit()
    run = tmp_path / "run"
    assert not (run / "best.pth").exists()
    assert (run / "last.pth").is_file() and (run / "epoch-001.pth").is_file() and (run / "epoch-002.pth").is_file()
    assert read_checkpoint(run / "epoch-002.pth")["training"]["epochs_done"] == 2


def test_loader_workers_start_after_opencv_ran_threaded_in_the_parent(train_root, tmp_path):
    """Loader workers used to hang for ever: each called cv2.setNumThreads(1) at start, which joins the threads of
    OpenCV's pool, and a worker forked from a parent whose pool was running has those threads only on paper. The
    parent here runs OpenCV on several threads first (as validation or a previous run in the same process does)."""
    script = f"""
import cv2, numpy as np, sys
sys.path.insert(0, {str(REPO)!r})
cv2.setNumThreads(4)
for _ in range(5):
    cv2.resize(np.zeros((2000, 2000, 3), np.uint8), (1000, 1000))  # OpenCV's thread pool is up
from tests.test_training import _config
from siamfc_plugin.training.trainer import Trainer
from pathlib import Path
trainer = Trainer(_config(Path({str(tmp_path)!r}), Path({str(train_root)!r}), workers=1))
batch = next(iter(trainer.loader(trainer.build_sampler())))
print("batch", tuple(batch[0].shape))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "batch (4, 3," in done.stdout


def test_train_command_with_loader_workers(train_root, tmp_path):
    """`python -m siamfc_plugin train` with a loader worker trains once (a spawned worker re-imports the main
    module of a script; multiprocessing leaves a package's __main__ alone)."""
    config = tmp_path / "w1.toml"
    config.write_text(f'epochs = 1\npairs_per_epoch = 16\nbatch_size = 4\nthreads = 1\nworkers = 1\nseed = 1\n'
                      f'out_dir = "{tmp_path / "run"}"\nval_root = ""\n[[sources]]\nkind = "got10k"\n'
                      f'root = "{train_root / "got10k"}"\nmax_tracks = 4\n')
    done = subprocess.run(_train_cmd(config), capture_output=True, text=True, timeout=180, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "run" / "last.pth").is_file()
    assert done.stdout.count('"pairs_seen": 16') == 1  # one run, not one per worker
