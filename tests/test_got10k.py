"""got10k integration on real data: the Tracker subclass and the offline, numpy-2 experiment runner."""
import json
import os
import re
import shlex
import shutil

import numpy as np
import pytest

from siamfc_plugin.backends.build import build_tracker
from siamfc_plugin.data.readers import read_otb_sequence
from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
from siamfc_plugin.toolkits.got10k.experiments import run_experiment
from siamfc_plugin.core.metrics import success_auc


@pytest.fixture(scope="module")
def tracker(random_checkpoint):
    return Got10kTracker(build_tracker(random_checkpoint).tracker, name="SiamFC-test")


def test_tracker_is_deterministic(tracker, otb_root):
    frames = sorted((otb_root / "Crossing" / "img").iterdir())[:8]
    box = np.loadtxt(otb_root / "Crossing" / "groundtruth_rect.txt", delimiter=",")[0]
    first, _ = tracker.track([str(f) for f in frames], box)
    second, _ = tracker.track([str(f) for f in frames], box)
    assert tracker.is_deterministic
    np.testing.assert_array_equal(first, second)


def test_otb_folder_experiment_on_real_sequences(tracker, otb_root, tmp_path):
    import matplotlib.pyplot as plt

    open_figures = set(plt.get_fignums())
    summary = run_experiment(tracker, "otb", str(otb_root), str(tmp_path), names=["Crossing", "DragonBaby"])
    assert set(plt.get_fignums()) == open_figures  # got10k's report leaves its two plots open: closed at the edge
    report = tmp_path / "reports" / "OTB" / "SiamFC-test"
    performance = json.loads((report / "performance.json").read_text())["SiamFC-test"]
    assert set(performance["seq_wise"]) == {"Crossing", "DragonBaby"}
    assert (report / "success_plots.png").is_file() and (report / "precision_plots.png").is_file()
    assert summary["sequences"] == 2 and summary["frames"] == 120 + 113
    # the report's AUC is the one recomputed independently from the box files
    aucs = []
    for name in ("Crossing", "DragonBaby"):
        boxes = np.loadtxt(tmp_path / "results" / "OTB" / "SiamFC-test" / f"{name}.txt", delimiter=",")
        gt = read_otb_sequence(str(otb_root / name))[0].boxes  # 0-based, like the results
        aucs.append(success_auc(boxes, gt))
    assert summary["success_auc"] == pytest.approx(np.mean(aucs), abs=1e-6)
    # finished sequences are not re-run: the result file is left untouched
    record = tmp_path / "results" / "OTB" / "SiamFC-test" / "Crossing.txt"
    stamp = record.stat().st_mtime_ns
    run_experiment(tracker, "otb", str(otb_root), str(tmp_path), names=["Crossing"])
    assert record.stat().st_mtime_ns == stamp


def test_vot_experiment_patched_for_numpy2(tracker, vot_root, tmp_path):
    summary = run_experiment(tracker, "vot", str(vot_root), str(tmp_path), names=["ball1"])
    assert summary["sequences"] == 1
    assert 0.0 <= summary["accuracy"] <= 1.0
    assert os.path.isfile(os.path.join(summary["report_dir"], "performance.json"))


@pytest.mark.slow  # 6-20 s on 2 cores: the full suite runs it, the quick subset (-m "not slow") does not
def test_got10k_val_layout(tracker, train_root, tmp_path):
    """GOT-10k's own experiment on a val split assembled (by links) from the real GOT-10k-layout data."""
    source = train_root / "got10k" / "train"
    val = tmp_path / "data" / "val"
    val.mkdir(parents=True)
    names = ["DAVIS2016_camel", "DAVIS2016_cows"]
    for name in names:
        os.symlink(source / name, val / name)
    (val / "list.txt").write_text("\n".join(names) + "\n")
    summary = run_experiment(tracker, "got10k", str(tmp_path / "data"), str(tmp_path / "out"))
    assert summary["sequences"] == 2 and 0.0 <= summary["ao"] <= 1.0 and 0.0 <= summary["sr50"] <= 1.0


@pytest.mark.parametrize("layout", ["dtb70", "uav123"])
def test_uav_layouts(tracker, synthetic_root, tmp_path, layout):
    """DTB70 (OTB-like) and UAV123 (anno/ + data_seq/) layouts, built from the synthetic benchmark."""
    root = tmp_path / layout
    names = sorted(p.name for p in synthetic_root.iterdir() if p.is_dir())[:2]  # not synthetic.json
    for name in names:
        if layout == "dtb70":
            shutil.copytree(synthetic_root / name, root / name)
        else:
            shutil.copytree(synthetic_root / name / "img", root / "data_seq" / "UAV123" / name)
            (root / "anno" / "UAV123").mkdir(parents=True, exist_ok=True)
            shutil.copy(synthetic_root / name / "groundtruth_rect.txt", root / "anno" / "UAV123" / f"{name}.txt")
    summary = run_experiment(tracker, layout, str(root), str(tmp_path / "out"))
    assert summary["sequences"] == 2
    # the report's AUC is the one recomputed from the box files and the layout's own ground truth (a range check
    # such as 0 <= AUC <= 1 held for any tracker, even one whose results were never read)
    from siamfc_plugin.toolkits.got10k.experiments import make_experiment

    experiment = make_experiment(layout, str(root), str(tmp_path / "out" / "results"), str(tmp_path / "x"))
    aucs = [success_auc(np.loadtxt(os.path.join(experiment.result_dir, "SiamFC-test", f"{name}.txt"), delimiter=","),
                        np.asarray(experiment.dataset[name][1])) for name in names]
    assert summary["success_auc"] == pytest.approx(np.mean(aucs), abs=1e-6)


def test_batched_runner_gives_the_sequential_results(tracker, synthetic_root, tmp_path):
    run_experiment(tracker, "otb", str(synthetic_root), str(tmp_path / "seq"))
    run_experiment(tracker, "otb", str(synthetic_root), str(tmp_path / "bat"), batch=3)
    for name in sorted(p.name for p in synthetic_root.iterdir() if p.is_dir()):
        a = np.loadtxt(tmp_path / "seq" / "results" / "OTB" / "SiamFC-test" / f"{name}.txt", delimiter=",")
        b = np.loadtxt(tmp_path / "bat" / "results" / "OTB" / "SiamFC-test" / f"{name}.txt", delimiter=",")
        np.testing.assert_allclose(a, b, atol=1e-3)


def test_got10k_val_without_label_files_is_refused_before_tracking(tracker, train_root, tmp_path):
    """got10k's report() crashes on a val sequence without meta_info.ini or the label files: say so up front."""
    source = train_root / "got10k" / "train" / "DAVIS2016_camel"
    folder = tmp_path / "data" / "val" / "DAVIS2016_camel"
    folder.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name not in ("cover.label", "absence.label"):
            os.symlink(entry, folder / entry.name)
    (tmp_path / "data" / "val" / "list.txt").write_text("DAVIS2016_camel\n")
    with pytest.raises(FileNotFoundError, match="lacks cover.label, absence.label"):
        run_experiment(tracker, "got10k", str(tmp_path / "data"), str(tmp_path / "out"))
    assert not (tmp_path / "out" / "results").exists()  # refused before any tracking


def readme_got10k_example() -> tuple[str, str]:
    """(the Python snippet, the `siamfc eval` line after it) of the README's "got10k researcher" example."""
    from tests.conftest import REPO

    text = (REPO / "README.md").read_text()
    section = text[text.index("**got10k researcher**"):]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    command = re.search(r"```bash\n(siamfc eval [^\n]*)\n```", section).group(1)
    return snippet, command


@pytest.mark.slow  # tracks 10 frames with backend auto (its speeds measured once): 10-30 s on 2 busy cores
def test_the_readme_snippet_then_the_cli_share_got10k_output(otb_root, tmp_path, monkeypatch, capsys):
    """README, "got10k researcher": the Python snippet, then `siamfc eval --toolkit got10k` on the same folder: the
    snippet records its tracker as the CLI does (tracker-spec.json), so the CLI reuses its results. (It once left
    no record: the CLI refused the results, and the user had to re-track everything.)"""
    from siamfc_plugin.cli import main

    data = tmp_path / "data" / "Crossing"  # a short real sequence: Crossing's first 10 frames
    (data / "img").mkdir(parents=True)
    for frame in sorted((otb_root / "Crossing" / "img").iterdir())[:10]:
        (data / "img" / frame.name).symlink_to(frame)
    lines = (otb_root / "Crossing" / "groundtruth_rect.txt").read_text().splitlines()[:10]
    (data / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIAMFC_CACHE_DIR", str(tmp_path / "cache"))
    snippet, command = readme_got10k_example()
    assert snippet.count('"/data/OTB100"') == 1 and "/data/OTB100" in command
    exec(compile(snippet.replace('"/data/OTB100"', repr(str(data.parent))), "README.md", "exec"), {})
    results = tmp_path / "got10k-output" / "results" / "OTB" / "SiamFC-3s"
    boxes = results / "Crossing.txt"
    stamp, written = boxes.stat().st_mtime_ns, json.loads((results / "tracker-spec.json").read_text())
    capsys.readouterr()
    assert main(shlex.split(command.replace("/data/OTB100", str(data.parent)))[1:]) == 0, capsys.readouterr().err
    assert boxes.stat().st_mtime_ns == stamp  # the snippet's results, reused: nothing tracked again
    assert json.loads((results / "tracker-spec.json").read_text()) == written  # the very record the CLI writes
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["tracker"] == "SiamFC-3s" and summary["frames"] == 10
