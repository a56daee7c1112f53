"""Issue 21's video readers (DAVIS masks, MOT gt.txt, LaSOT flags, frames + box file), the benchmark-name check,
the validation split and the selection rule. Every layout is written by the test itself with a known answer."""
from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from siamfc_plugin.common.errors import ConfigError
from siamfc_plugin.training.curate import CropSpec, CurateSource, ValidationSplit, curate, validation_sequences
from siamfc_plugin.training.selection import Paired, decide
from siamfc_plugin.training.video_sources import (benchmark_names, davis_tracks, forbidden_track, lasot_tracks,
                                                  mot_tracks, sequence_track)


def _frame(path, width=320, height=240, box=None, value=200):
    image = np.full((height, width, 3), 60, np.uint8)
    if box is not None:
        x, y, w, h = box
        image[y:y + h, x:x + w] = value
    cv2.imwrite(str(path), image)


def test_davis_masks_become_bounding_boxes_and_empty_masks_absence(tmp_path):
    for seq, n in (("cat-run", 3), ("dog-walk", 2)):
        (tmp_path / "JPEGImages" / "480p" / seq).mkdir(parents=True)
        (tmp_path / "Annotations" / "480p" / seq).mkdir(parents=True)
        for k in range(n):
            _frame(tmp_path / "JPEGImages" / "480p" / seq / f"{k:05d}.jpg")
            mask = np.zeros((240, 320), np.uint8)
            if not (seq == "cat-run" and k == 1):  # frame 1 of cat-run: the object is absent
                mask[50 + k:90 + k, 100:160] = 255
                mask[120, 10] = 255  # a stray pixel of the object far away: the rectangle must include it
            cv2.imwrite(str(tmp_path / "Annotations" / "480p" / seq / f"{k:05d}.png"), mask)
    (tmp_path / "ImageSets" / "480p").mkdir(parents=True)
    lines = [f"/JPEGImages/480p/{s}/{k:05d}.jpg /Annotations/480p/{s}/{k:05d}.png"
             for s, n in (("cat-run", 3), ("dog-walk", 2)) for k in range(n)]
    (tmp_path / "ImageSets" / "480p" / "train.txt").write_text("\n".join(lines) + "\n")
    tracks = davis_tracks(str(tmp_path))
    assert [t.name for t in tracks] == ["davis-cat-run", "davis-dog-walk"]
    cat = tracks[0]
    assert cat.visible.tolist() == [True, False, True]
    np.testing.assert_allclose(cat.boxes[0], [10, 50, 150, 71])  # x from the stray pixel to 159; y 50..120
    np.testing.assert_allclose(cat.boxes[2], [10, 52, 150, 69])
    assert cat.object_class == "cat"


def test_mot15_and_mot17_columns(tmp_path):
    """MOT15 (10 columns, world coordinates) keeps every id with conf 1; MOT17 (9 columns) keeps class 1 and marks
    boxes below the visibility threshold as not visible. A missing frame file drops that frame, no shift."""
    for seq in ("A", "B"):
        (tmp_path / seq / "img1").mkdir(parents=True)
        (tmp_path / seq / "gt").mkdir()
        for k in range(1, 5):
            if not (seq == "A" and k == 3):  # A's frame 3 is missing on disk
                _frame(tmp_path / seq / "img1" / f"{k:06d}.jpg")
    a = [f"{k},{i},{10 * k + i},20,30,40,{0 if i == 3 else 1},1.5,2.5,0" for k in range(1, 5) for i in (1, 2, 3)]
    (tmp_path / "A" / "gt" / "gt.txt").write_text("\n".join(a) + "\n")
    b = [f"{k},7,{k},5,30,40,1,1,{0.1 if k == 2 else 0.9}" for k in range(1, 5)]
    b += [f"{k},8,{k},5,30,40,1,3,1.0" for k in range(1, 5)]  # class 3 (a car): not a pedestrian track
    (tmp_path / "B" / "gt" / "gt.txt").write_text("\n".join(b) + "\n")
    tracks = {t.name: t for t in mot_tracks(str(tmp_path))}
    assert sorted(tracks) == ["mot-A-0001", "mot-A-0002", "mot-B-0007"]  # id 3 ignored (conf 0); car dropped
    one = tracks["mot-A-0001"]
    assert [os.path.basename(f) for f in one.frames] == ["000001.jpg", "000002.jpg", "000004.jpg"]
    np.testing.assert_allclose(one.boxes[:, 0], [11, 21, 41])  # frame 4's box stays with frame 4
    assert tracks["mot-B-0007"].visible.tolist() == [True, False, True, True]
    assert {t.group for t in tracks.values()} == {"mot-A", "mot-B"}


def test_lasot_flags_and_numbered_frames(tmp_path):
    seq = tmp_path / "bird-3"
    (seq / "img").mkdir(parents=True)
    for k in (1, 2, 3, 5):  # frame 4 missing on disk
        _frame(seq / "img" / f"{k:08d}.jpg")
    (seq / "groundtruth.txt").write_text("\n".join(f"{k},{k},10,10" for k in range(1, 6)) + "\n")
    (seq / "full_occlusion.txt").write_text("0,1,0,0,0")
    (seq / "out_of_view.txt").write_text("0,0,0,0,1")
    (track,) = lasot_tracks(str(tmp_path))
    assert track.name == "bird-3" and track.object_class == "bird"
    np.testing.assert_allclose(track.boxes[:, 0], [1, 2, 3, 5])
    assert track.visible.tolist() == [True, False, True, False]
    (seq / "out_of_view.txt").write_text("0,0")
    with pytest.raises(ConfigError, match="2 flags for 5 boxes"):
        lasot_tracks(str(tmp_path))


def test_frames_and_box_file_zero_lines_are_unannotated(tmp_path):
    folder = tmp_path / "video"
    folder.mkdir()
    for k in range(1, 4):
        _frame(folder / f"img{k:06d}.jpg")
    (tmp_path / "gt.txt").write_text("0,0,0,0\n5,6,7,8\n9\t10\t11\t12\n13,14,15,16\n")  # line 4: no frame 4
    track = sequence_track(str(folder), str(tmp_path / "gt.txt"), "clip", "bird")
    assert track.visible.tolist() == [False, True, True]
    np.testing.assert_allclose(track.boxes[1:], [[5, 6, 7, 8], [9, 10, 11, 12]])


def test_benchmark_names_are_refused_unless_vouched_for(tmp_path):
    names = benchmark_names()
    assert forbidden_track("Basketball", names) == "OTB" and forbidden_track("davis-bag", names) == "VOT"
    assert forbidden_track("wakeboard1", names) == "UAV123" and forbidden_track("ChasingDrones", names) == "DTB70"
    assert forbidden_track("davis-bear", names) is None and forbidden_track("manakin", names) is None
    # LaSOT's official test split is a benchmark too (airplane-1 was curated once); its training split is not
    assert forbidden_track("lasot-airplane-1", names) == "LaSOT test" and forbidden_track("airplane-2", names) is None
    for k in range(1, 4):
        (tmp_path / "Crossing").mkdir(exist_ok=True)
        _frame(tmp_path / "Crossing" / f"{k:04d}.jpg", box=(100, 80, 60, 60))
    (tmp_path / "gt.txt").write_text("100,80,60,60\n" * 3)
    source = CurateSource("mine", "sequence", images=[str(tmp_path / "Crossing")], annotations=[str(tmp_path / "gt.txt")])
    with pytest.raises(ConfigError, match="name of a OTB sequence"):
        curate([source], str(tmp_path / "out"))
    source.allow_names = ["Crossing"]
    assert curate([source], str(tmp_path / "out"), CropSpec(margin=0))["tracks"] == 1


def test_validation_split_is_a_fixed_rule_and_never_curated(tmp_path):
    folders, boxes = [], []
    for name in ("v1", "v2", "v3", "v4", "v5", "v6"):
        (tmp_path / name).mkdir()
        for k in range(1, 4):
            _frame(tmp_path / name / f"{k:04d}.jpg", box=(100 + 5 * k, 80, 60, 50))
        (tmp_path / f"{name}.txt").write_text("".join(f"{100 + 5 * k},80,60,50\n" for k in range(1, 4)))
        folders.append(str(tmp_path / name))
        boxes.append(str(tmp_path / f"{name}.txt"))
    source = CurateSource("clips", "sequence", images=folders, annotations=boxes)
    split = ValidationSplit(every=3, sources=("clips",))
    summary = curate([source], str(tmp_path / "out"), CropSpec(margin=0), split=split)
    assert summary["validation"]["videos"] == {"clips": ["v3", "v6"]}
    assert sorted(open(tmp_path / "out" / "list.txt").read().split()) == ["clips-v1", "clips-v2", "clips-v4", "clips-v5"]
    held = validation_sequences([source], split)
    assert [s.name for s in held] == ["clips/v3", "clips/v6"] and len(held[0]) == 3  # whole, in frame pixels
    np.testing.assert_allclose(held[0].boxes[0], [105, 80, 60, 50])


def test_selection_rule_pairs_seeds_and_refuses_noise():
    sequences = [f"s{k}" for k in range(12)]
    rng = np.random.default_rng(0)
    base = {n: float(v) for n, v in zip(sequences, rng.uniform(0.3, 0.7, 12))}
    other = {n: v - 0.02 for n, v in base.items()}
    scores = {"old": base, "older": other}
    # configuration "good": every seed better by 0.05 on every sequence (+- small noise): qualifies
    for seed in range(3):
        scores[f"good#{seed}"] = {n: v + 0.05 + rng.normal(0, 0.005) for n, v in base.items()}
    # configuration "noisy": mean gain 0.01 but spread 0.1 across sequences: its SE exceeds the gain
    for seed in range(3):
        scores[f"noisy#{seed}"] = {n: v + 0.01 + rng.normal(0, 0.1) for n, v in base.items()}
    # configuration "two-seeds": large gain but only two seeds: never qualifies
    for seed in range(2):
        scores[f"two#{seed}"] = {n: v + 0.1 for n, v in base.items()}
    decision = decide(scores, {"good": [f"good#{s}" for s in range(3)], "noisy": [f"noisy#{s}" for s in range(3)],
                               "two": ["two#0", "two#1"]}, ["older", "old"])
    assert decision.better_baseline == "old"
    assert decision.configurations["good"]["qualifies"]
    assert not decision.configurations["noisy"]["qualifies"] and not decision.configurations["two"]["qualifies"]
    per_seed = decision.configurations["good"]["per_seed_auc"]
    assert decision.ships == sorted(per_seed, key=per_seed.get)[1]  # the median seed, not the best one
    nothing = decide(scores, {"noisy": [f"noisy#{s}" for s in range(3)]}, ["older", "old"])
    assert nothing.ships == "old" and "stays" in nothing.reason
    paired = Paired.of({"a": 0.5, "b": 0.7}, {"a": 0.4, "b": 0.4})
    assert paired.mean == pytest.approx(0.2) and paired.se == pytest.approx(0.1) and paired.wins == 2


def test_selection_leaves_out_the_sequences_a_model_was_selected_on(tmp_path):
    """A model chosen on some sequences is compared without them: here the baseline "picked" leads only on the four
    sequences it was picked on, so with them left out the candidate's real gain elsewhere qualifies; counted on
    all twelve it would not (the picked model's flattering lead hides the gain)."""
    sequences = [f"val/s{k}" for k in range(8)] + [f"otb/d{k}" for k in range(4)]
    rng = np.random.default_rng(1)
    picked = {n: 0.5 + (0.3 if n.startswith("otb/") else 0.0) + float(rng.normal(0, 0.01)) for n in sequences}
    scores = {"picked": picked}
    for seed in range(3):
        scores[f"new#{seed}"] = {n: (0.5 + 0.04 if n.startswith("val/") else 0.5) + float(rng.normal(0, 0.01))
                                 for n in sequences}
    configs = {"new": [f"new#{s}" for s in range(3)]}
    flattered = decide(scores, configs, ["picked"])
    assert not flattered.configurations["new"]["qualifies"]
    selected = {"picked": {"d0", "d1", "d2", "d3"}}  # bare names, as the trainer's best.pth records them
    fair = decide(scores, configs, ["picked"], selected)
    assert fair.configurations["new"]["qualifies"] and fair.ships.startswith("new#")
    assert fair.configurations["new"]["paired"]["picked"]["n"] == 8
    assert fair.configurations["new"]["left_out"]["picked"] == ["d0", "d1", "d2", "d3"]
    with pytest.raises(ConfigError, match="no sequence is left"):
        decide(scores, configs, ["picked"], {"picked": set(sequences)})


def test_shipped_model_records_the_sequences_it_was_selected_on(tmp_path):
    """The shipped weights were picked on the five OTB development sequences: its sidecar says so, a trainer's best.pth
    carries its validation sequences, and `siamfc select --selected-on` adds to both."""
    import torch

    from siamfc_plugin.core.checkpoint import save_checkpoint
    from siamfc_plugin.core.network import SiamFC
    from siamfc_plugin.models import shipped_model_path
    from siamfc_plugin.training.selection import DEVELOPMENT_GROUPS, checkpoint_selected_on

    assert checkpoint_selected_on(shipped_model_path()) == set(DEVELOPMENT_GROUPS["otb-dev"])
    torch.manual_seed(0)
    best = tmp_path / "best.pth"
    save_checkpoint(best, SiamFC("alexnet-slim"), extra={"selected_on": ["Crossing", "bag"]})
    assert checkpoint_selected_on(str(best)) == {"Crossing", "bag"}
    save_checkpoint(tmp_path / "last.pth", SiamFC("alexnet-slim"))
    assert checkpoint_selected_on(str(tmp_path / "last.pth")) == set()


def test_learning_curves_use_fixed_pairs_and_plot(tmp_path):
    """The loss of a snapshot on a pair set is a property of the weights (same pairs every call), it differs between
    weights, and the figure and JSON are written."""
    import torch

    from siamfc_plugin.core.checkpoint import save_checkpoint
    from siamfc_plugin.core.config import preset
    from siamfc_plugin.core.network import SiamFC
    from siamfc_plugin.training.curves import pair_loss, plot_curves, snapshots
    from siamfc_plugin.training.trainer import TrainConfig

    folder = tmp_path / "clip"
    folder.mkdir()
    for k in range(1, 6):
        _frame(folder / f"{k:04d}.jpg", box=(100 + 4 * k, 80, 60, 50))
    (tmp_path / "gt.txt").write_text("".join(f"{100 + 4 * k},80,60,50\n" for k in range(1, 6)))
    tracks = [sequence_track(str(folder), str(tmp_path / "gt.txt"), "clip")]
    run = tmp_path / "run"
    run.mkdir()
    for epoch in (1, 2):
        torch.manual_seed(epoch)
        model = SiamFC("alexnet-slim")
        model.initialise()
        save_checkpoint(str(run / f"epoch-{epoch:03d}.pth"), model.eval(), preset("siamfc-3s"), {})
    config = TrainConfig(pairs_per_epoch=300, sources=[{"kind": "got10k", "root": str(tmp_path)}])
    points = snapshots(str(run), config)
    assert [seen for seen, _ in points] == [300, 600]
    from siamfc_plugin.core.checkpoint import load_model

    first, _ = load_model(points[0][1])
    second, _ = load_model(points[1][1])
    a = pair_loss(first, tracks, config, pairs=6)
    assert a == pair_loss(first, tracks, config, pairs=6) and a != pair_loss(second, tracks, config, pairs=6)
    curves = {str(run): [{"pairs_seen": 300, "loss train video": a}, {"pairs_seen": 600, "loss train video": a / 2}]}
    written = plot_curves(curves, str(tmp_path / "fig"))
    assert all(os.path.getsize(p) > 0 for p in written)


def test_shipped_model_recipe_sits_beside_it_and_parses(monkeypatch):
    """pysot's pattern: the released model's training config beside its weights, valid (this model read
    ../shared/data/train as it is: no curation config)."""
    from siamfc_plugin.models import shipped_model_path
    from siamfc_plugin.training.trainer import TrainConfig

    stem = os.path.splitext(shipped_model_path())[0]
    assert not os.path.exists(stem + ".curate.toml")
    config = TrainConfig.from_file(stem + ".train.toml")
    assert (config.pairs_per_epoch, config.seed, config.arch, config.snapshot_every) == (4000, 1, "alexnet-slim", 1)
    assert config.init_checkpoint == "runs/slim/best.pth"  # stage 1: configs/train_shared_slim.toml
    assert {s["root"] for s in config.sources} == {"../shared/data/train/got10k", "../shared/data/train/coco"}
