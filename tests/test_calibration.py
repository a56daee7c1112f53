"""The faithfulness rule calibrated on the eager fp32 reference's own noise (issue 22): the rule on constructed numbers,
the record `--backend auto` reads, and a real (few-frame) run of `siamfc bench --calibrate`."""
from __future__ import annotations

import json

import numpy as np
import pytest

from siamfc_plugin.cli import main
from siamfc_plugin.backends.fidelity import (MEAN_AUC_MAX, SPREAD_FLOOR, judge, perturb_frames, perturbation_names,
                                          record_update, spread_of, summarise_calibration)

SPREAD = {"book": 0.015, "DragonBaby": 0.009, "Human3": 0.0}


def backend(iou=0.996, **deltas):
    return {"mean_iou": iou, "auc_delta": {"book": -0.010, "DragonBaby": 0.008, "Human3": 0.001, **deltas}}


def test_a_backend_inside_the_reference_spread_is_faithful():
    ok, why = judge(backend(), SPREAD)
    assert ok and why == []


def test_a_backend_outside_the_spread_on_one_sequence_is_refused_and_named():
    ok, why = judge(backend(book=-0.016), SPREAD)  # the reference itself moved book by 0.015 at most
    assert not ok and len(why) == 1 and why[0].startswith("book: AUC change -0.0160")
    # a sequence the reference never moved: bound by the floor
    ok, why = judge(backend(Human3=SPREAD_FLOOR + 0.0005), SPREAD)
    assert not ok and why[0].startswith("Human3")
    assert judge(backend(Human3=SPREAD_FLOOR), SPREAD)[0]


def test_the_mean_change_and_the_shared_state_iou_bound_too():
    # each sequence within its spread, but all moved the same way: the mean over the dev set is out
    wide = {name: 0.02 for name in SPREAD}
    ok, why = judge(backend(book=0.015, DragonBaby=0.008, Human3=0.0), wide)
    assert not ok and why == [f"mean AUC change +0.0077 outside +-{MEAN_AUC_MAX}"]
    ok, why = judge(backend(iou=0.985), SPREAD)
    assert not ok and "IoU" in why[0]
    # without a calibration every sequence is bound by the floor alone
    assert not judge(backend(), {})[0]


def test_spread_is_the_largest_change_under_the_perturbations():
    assert spread_of({"threads-1": 0.0, "noise1-seed1": -0.009, "noise1-seed2": 0.007}) == 0.009
    assert spread_of({}) == 0.0


def test_noise_is_plus_minus_one_grey_level_seeded_and_clipped():
    frames = [np.full((20, 30, 3), 128, np.uint8), np.zeros((20, 30, 3), np.uint8), np.full((20, 30, 3), 255,
                                                                                                 np.uint8)]
    one = perturb_frames(frames, 1, "seq")
    assert all(f.dtype == np.uint8 and f.shape == (20, 30, 3) for f in one)
    diff = one[0].astype(int) - 128
    assert set(np.unique(diff)) == {-1, 0, 1}  # every pixel moved by at most one grey level, both ways
    assert one[1].min() == 0 and one[2].max() == 255  # clipped, not wrapped
    assert np.array_equal(one[0], perturb_frames(frames, 1, "seq")[0])  # seeded
    assert not np.array_equal(one[0], perturb_frames(frames, 2, "seq")[0])
    jpeg = perturb_frames(frames, 1, "seq", jpeg=90)[0]
    assert jpeg.shape == (20, 30, 3) and not np.array_equal(jpeg, one[0])


def test_jpeg_adds_a_run_per_seed_beside_the_plain_noise():
    assert perturbation_names(2, (1, 2)) == ["threads-1", "noise1-seed1", "noise1-seed2"]
    assert perturbation_names(1, (1, 2, 3), jpeg=90) == [
        "threads-2", "noise1-seed1", "noise1-seed2", "noise1-seed3",
        "noise1-seed1-jpeg90", "noise1-seed2-jpeg90", "noise1-seed3-jpeg90"]


def per_sequence_rows():
    ious = [1.0, 0.99, 0.98]
    return {
        "book": {"frames": 4, "reference_auc": 0.2, "changes": {"threads-1": 0.0, "noise1-seed1": -0.015},
                 "spread": 0.015, "backends": {"int8": {"ious": ious, "shifts": [0, 0.1, 0.2], "auc": 0.19},
                                               "torch-bf16": {"ious": ious, "shifts": [0, 0, 0], "auc": 0.23}}},
        "bag": {"frames": 4, "reference_auc": 0.6, "changes": {"threads-1": 0.0, "noise1-seed1": 0.001},
                "spread": 0.001, "backends": {"int8": {"ious": [1.0] * 3, "shifts": [0] * 3, "auc": 0.6},
                                              "torch-bf16": {"ious": [1.0] * 3, "shifts": [0] * 3, "auc": 0.6}}},
    }


def test_the_record_keeps_the_spread_and_every_backends_verdict():
    calibration = summarise_calibration(per_sequence_rows(), ["int8", "torch-bf16"], ["threads-1", "noise1-seed1"])
    assert calibration["sequences"]["book"]["spread"] == 0.015
    int8, bf16 = calibration["backends"]["int8"], calibration["backends"]["torch-bf16"]
    assert int8["faithful"] and int8["auc_delta"] == {"book": -0.01, "bag": 0.0}
    assert not bf16["faithful"] and bf16["why_not"][0].startswith("book: AUC change +0.0300")
    old = {"models": {"aaaa": {"int8": {"3": {"faithful": True, "mean_iou": 0.99}}},  # judged by an older rule
                      "cccc": {"int8": {"3": {"faithful": False, "rule": "calibrated"}}}},
           "calibrations": {"cccc": {"3": {}}}}
    about = {"arch": "alexnet-slim", "cpu": "X", "cpu_kind": "avx2", "source": "cal.json"}
    record = record_update(old, calibration, "bbbb", 3, about)
    assert set(record["models"]) == {"bbbb", "cccc"} and set(record["calibrations"]) == {"bbbb", "cccc"}
    entry = record["models"]["bbbb"]
    assert entry["int8"]["3"]["faithful"] and not entry["torch-bf16"]["3"]["faithful"]
    assert entry["torch"]["3"]["reference"] and entry["int8"]["3"]["cpu_kind"] == "avx2"
    assert record["calibrations"]["bbbb"]["3"]["sequences"]["bag"]["changes"]["noise1-seed1"] == 0.001


def test_auto_trusts_a_reduced_precision_verdict_on_the_kind_of_cpu_it_was_measured_on():
    from siamfc_plugin.backends.choice import cpu_kind, faithful

    entry = {"faithful": True, "mean_iou": 0.996, "worst_auc_delta": -0.01, "mean_auc_delta": -0.002,
             "cpu_kind": "avx2+avx512f+avx512_vnni+avx512_bf16"}
    record = {"w": {"int8": {"3": entry}, "onnx": {"3": {"faithful": False, "why_not": ["book: ..."]}}}}
    assert faithful("int8", "w", 3, record, kind="avx2+avx512f+avx512_vnni+avx512_bf16")[0]
    ok, why = faithful("int8", "w", 3, record, kind="avx2")
    assert not ok and "another kind of CPU" in why
    assert not faithful("int8", "w", 5, record)[0]  # not measured at 5 scales
    assert not faithful("onnx", "w", 3, record)[0]  # an fp32 backend the record measured unfaithful
    assert faithful("torch", "w", 3, record)[0]
    assert cpu_kind(["avx", "avx2", "avx512_vnni"]) == "avx2+avx512_vnni" and cpu_kind([]) == "baseline"


def test_calibrate_runs_for_real_on_a_few_frames(tmp_path, monkeypatch, capsys):
    """The whole calibration path on real frames (the first 3 of a VOT sequence): the eager reference under the
    other thread count and two noise seeds, an fp32 backend judged against it; resumed from its state file."""
    pytest.importorskip("onnxruntime")
    from tests.conftest import shared_path

    vot = shared_path("eval", "vot")
    monkeypatch.setenv("SIAMFC_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "cal.json"
    args = ["bench", "--calibrate", "--dev", str(vot), "--sequence", "ball1", "--frames", "3", "--backends",
            "torch,onnx", "--threads", "2", "--out", str(out)]
    # a record takes whole sequences only: refused before anything runs
    assert main(args + ["--record", str(tmp_path / "record.json")]) == 2
    assert not (tmp_path / "record.json").exists() and not out.exists()
    capsys.readouterr()
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["perturbations"] == ["threads-1", "noise1-seed1", "noise1-seed2"]
    assert set(report["sequences"]) == {"ball1"} and report["reference_engine"] == "torch"
    for row in report["sequences"].values():
        assert row["frames"] == 3 and set(row["changes"]) == set(report["perturbations"])
        assert row["spread"] == max(abs(v) for v in row["changes"].values())
    onnx = report["backends"]["onnx"]  # the reference's maths: the same steps
    assert onnx["steps"] == 2 and onnx["mean_iou"] > 0.999 and onnx["faithful"]
    assert json.loads(out.read_text())["weights_sha1"] == report["weights_sha1"]
    assert (tmp_path / "cal.json.partial").is_file()  # a share of the sequences: kept for merging
    # a rerun resumes: nothing measured again, the same figures
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "resuming from" in captured.err and "ball1 done (" not in captured.err  # no progress line: not run
    assert json.loads(captured.out.strip().splitlines()[-1])["sequences"] == report["sequences"]


def test_calibration_and_bench_outputs_are_checked_before_the_work(synthetic_root, tmp_path, capsys):
    """A record or an output that cannot be written (here: under a file, not a folder) is refused in one line before
    the calibration runs (it takes tens of minutes on the dev set), not with a traceback after it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = tmp_path / "cal.json"
    args = ["bench", "--calibrate", "--dev", str(synthetic_root), "--backends", "torch,onnx", "--threads", "1"]
    assert main(args + ["--out", str(out), "--record", str(blocker / "record.json")]) == 2
    assert "--record" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "cal.json.partial").exists()  # nothing ran
    assert main(args + ["--out", str(blocker / "cal.json")]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["bench", "--root", str(synthetic_root / "Synthetic01"), "--backends", "torch", "--frames", "3",
                 "--out", str(blocker / "bench.json")]) == 2
    assert "--out" in capsys.readouterr().err
