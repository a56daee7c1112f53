"""Issue 23: every stock stack of the installed vot-toolkit: the coverage table (`siamfc vot stacks`) and, per stack
family, the real toolkit run end to end on real sequences (../shared/data, cut short) with the analysis numbers
checked against a recomputation from the trajectory files."""
from __future__ import annotations

from pathlib import Path

from siamfc_plugin.cli import main as siamfc_main
from siamfc_plugin.toolkits.vot import stacks

REPO = Path(__file__).resolve().parents[1]


# ---- the coverage table --------------------------------------------------------------------------------------------
def test_doc_table_is_the_commands_output(capsys):
    assert siamfc_main(["vot", "stacks"]) == 0
    printed = capsys.readouterr().out.strip("\n")
    documented = stacks.doc_block((REPO / "docs" / "vot.md").read_text())
    assert documented is not None, "docs/vot.md lacks the table's markers"
    assert documented == printed, "docs/vot.md's stack table is stale: run `siamfc vot stacks --write docs/vot.md`"


def test_every_stock_stack_is_listed_with_a_verdict():
    from vot.stack import list_integrated_stacks

    shipped = {name for name in list_integrated_stacks() if not name.startswith("tests/")}
    rows = {r.name: r for r in stacks.stock_stacks()}
    assert set(rows) == shipped and len(rows) >= 39
    for row in rows.values():
        assert row.experiments and row.groundtruth and not row.groundtruth.startswith("unknown"), row
        assert row.runs.startswith("yes") or (row.runs.startswith("no: ") and len(row.runs) > 20), row
        assert (row.command == "-") == row.runs.startswith("no"), row
    # what a box tracker cannot enter is listed with the reason, never left out
    for name in ("vot2019/rgbd", "vot2020/rgbd", "vot2021/rgbd", "vot2022/rgbd", "vot2022/depth"):
        assert rows[name].runs.startswith("no: ") and "depth" in rows[name].runs
    for name in ("vot2013", "vot2017", "vot2022/shorttermbox", "otb100", "vot2016/tir", "vot2022/longterm",
                 "vots2023"):
        assert rows[name].runs.startswith("yes"), name
    assert "multiobject" in rows["vots2023"].experiments[0]
    assert "redetection" in " ".join(rows["vot2018/longterm"].experiments)


def test_stacks_write_refuses_a_file_without_markers(tmp_path, capsys):
    target = tmp_path / "doc.md"
    target.write_text("no markers here\n")
    assert siamfc_main(["vot", "stacks", "--write", str(target)]) == 2
    assert "no <!-- siamfc vot stacks: begin -->" in capsys.readouterr().err


# ---- an independent recomputation from the files (no toolkit code) ------------------------------------------------
import configparser  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from analysis.collect import read_vot_trajectory, read_value_file  # noqa: E402
from siamfc_plugin.toolkits.vot import workspace as ws  # noqa: E402
from siamfc_plugin.toolkits.vot.cli import read_analysis  # noqa: E402


def raster(region, width: int, height: int) -> np.ndarray | None:
    """Pixels (H, W bool) of a ground-truth line or a trajectory entry; None for an empty / unknown region."""
    if isinstance(region, str):
        line = region.strip()
        if line.startswith("m"):
            values = [int(v) for v in line[1:].split(",")]
            x, y, w, h, runs = values[0], values[1], values[2], values[3], values[4:]
            flat = np.zeros(w * h, dtype=bool)
            position, value = 0, False
            for run in runs:
                flat[position:position + run] = value
                position, value = position + run, not value
            out = np.zeros((height, width), dtype=bool)
            patch = flat.reshape(h, w)[: max(0, height - y), : max(0, width - x)]
            out[y:y + patch.shape[0], x:x + patch.shape[1]] = patch
            return out
        values = np.array([float(v) for v in re.split(r"[,\s]+", line) if v])
    else:
        values = np.asarray(region, float)
    if values.size < 4 or not np.all(np.isfinite(values)):
        return None
    out = np.zeros((height, width), dtype=np.uint8)
    if values.size == 4:
        x, y, w, h = values
        if w <= 0 or h <= 0:
            return None
        values = np.array([x, y, x + w, y, x + w, y + h, x, y + h])
    cv2.fillPoly(out, [np.round(values.reshape(-1, 2)).astype(np.int32)], 1)
    return out.astype(bool)


def iou(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None and b is None:
        return 1.0
    if a is None or b is None:
        return 0.0
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


class Sequence:
    def __init__(self, folder: Path, groundtruth: str = "groundtruth.txt"):
        self.name = folder.name
        self.lines = [ln for ln in (folder / groundtruth).read_text().splitlines() if ln.strip()]
        first = sorted((folder / "color").iterdir())[0]
        image = cv2.imread(str(first), cv2.IMREAD_UNCHANGED)
        self.height, self.width = image.shape[:2]

    def __len__(self):
        return len(self.lines)

    def truth(self, frame: int):
        return raster(self.lines[frame], self.width, self.height)


def overlaps(trajectory, seq: Sequence) -> list[float | None]:
    """Per frame: IoU with the ground truth, None for special entries."""
    out = []
    for frame, (kind, value) in enumerate(trajectory):
        out.append(None if kind == "special" else iou(raster(value, seq.width, seq.height), seq.truth(frame)))
    return out


def supervised_ar(root: Path, tracker: str, experiment: str, names: list[str], burnin: int = 10):
    """(accuracy, failures per sequence) as VOT2015's AR: burn-in after each initialisation, failures and skipped
    frames excluded, runs averaged per sequence, sequences weighted by their lengths."""
    acc_sum = fail_sum = weight = 0.0
    for name in names:
        seq = Sequence(root / "sequences" / name)
        runs = sorted((root / "results" / tracker / experiment / name).glob(f"{name}_[0-9][0-9][0-9].bin"))
        assert runs, f"no runs of {name}"
        accuracy = failures = 0.0
        for path in runs:
            trajectory = read_vot_trajectory(str(path))
            values = overlaps(trajectory, seq)
            used = np.ones(len(values), bool)
            for i, (kind, value) in enumerate(trajectory):
                if kind == "special" and value == 1:
                    used[i:i + burnin] = False
                elif kind == "special":
                    used[i] = False
            failures += sum(1 for kind, value in trajectory if kind == "special" and value == 2)
            accuracy += float(np.mean([values[i] for i in np.flatnonzero(used)])) if used.any() else 0.0
        acc_sum += accuracy / len(runs) * len(seq)
        fail_sum += failures / len(runs) * len(seq)
        weight += len(seq)
    return acc_sum / weight, fail_sum / weight


def multistart_ar(root: Path, tracker: str, experiment: str, names: list[str], threshold: float = 0.1,
                  grace: int = 10):
    """(accuracy, robustness) as VOT2020: a run from each anchor (anchor.value 1 forward, -1 backward) fails at
    the first of `grace` consecutive frames with overlap <= threshold; accuracy is the mean overlap over the frames
    before the failures (all runs together), robustness the share of frames before them (sequences weighted by
    their lengths)."""
    overlap_sum = progress_sum = robust_sum = weight = 0.0
    for name in names:
        folder = root / "sequences" / name
        seq = Sequence(folder)
        anchors = [int(float(v)) for v in (folder / "anchor.value").read_text().split()]
        progress_seq = total_seq = 0
        for start, direction in enumerate(anchors):
            if direction == 0:
                continue
            frames = list(range(start, len(seq))) if direction > 0 else list(range(start, -1, -1))
            trajectory = read_vot_trajectory(str(root / "results" / tracker / experiment / name
                                                 / f"{name}_{start:08d}.bin"))
            assert len(trajectory) == len(frames)
            values = [0.0 if kind == "special" else iou(raster(value, seq.width, seq.height), seq.truth(f))
                      for (kind, value), f in zip(trajectory, frames)]
            progress, left = len(frames), grace
            for j, value in enumerate(values):
                if value <= threshold and seq.truth(frames[j]) is not None:
                    left -= 1
                    if left == 0:
                        progress = j + 1 - grace
                        break
                else:
                    left = grace
            overlap_sum += sum(values[:progress])
            progress_seq += progress
            total_seq += len(frames)
        progress_sum += progress_seq
        robust_sum += progress_seq / total_seq * len(seq)
        weight += len(seq)
    return overlap_sum / progress_sum, robust_sum / weight


def write_registry(folder: Path) -> Path:
    """The committed trackers.ini, `paths` absolute, one torch thread per tracker process (2 busy cores)."""
    source = configparser.ConfigParser()
    source.optionxform = str
    source.read(REPO / "trackers.ini")
    for name in source.sections():
        source[name]["paths"] = str(REPO)
        source[name]["env_SIAMFC_THREADS"] = "1"
    path = folder / "trackers.ini"
    with open(path, "w") as handle:
        source.write(handle)
    return path


def make_workspace(root: Path, source: Path, names: list[str], frames: int) -> Path:
    assert siamfc_main(["vot", "prepare", "--from", str(source), "--names", ",".join(names), "--frames", str(frames),
                        "--workspace", str(root)]) == 0
    write_registry(root)
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["registry"] = ["./trackers.ini"]
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root


def evaluate(root: Path, stack: str, experiments: str, name: str, trackers: tuple[str, ...] = ("siamfc",)) -> dict:
    assert siamfc_main(["vot", "evaluate", *trackers, "--workspace", str(root), "--stack", stack, "--experiments",
                        experiments, "--quiet", "--timeout", "500", "--name", name]) == 0
    return read_analysis(str(root / "analysis" / f"{name}.json"))


def masks_from_polygons(folder: Path) -> None:
    """Rewrite a prepared sequence's polygon ground truth as VOT2020-style masks (the polygons rasterised)."""
    from vot.region import Mask
    from vot.region.io import read_trajectory, write_trajectory

    height, width = Sequence(folder).height, Sequence(folder).width
    regions = read_trajectory(str(folder / "groundtruth.txt"))
    write_trajectory(str(folder / "groundtruth.txt"),
                     [Mask(r.rasterize((0, 0, width - 1, height - 1)), optimize=True) for r in regions])


# ---- short-term box stacks -----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_shortterm_stacks_supervised_and_multistart_on_masks(tmp_path, vot_root):
    """vot2017 (supervised, re-initialisation) on polygon ground truth, then vot2020/shortterm (multistart) on the
    same frames with mask ground truth (the polygons rasterised: the form VOT2020-2022 ship), both through
    `siamfc vot evaluate --stack NAME`; accuracy and failures recomputed from the trajectory files."""
    names = ["bag", "book"]
    root = make_workspace(tmp_path / "ws", vot_root, names, 25)
    table = evaluate(root, "vot2017", "baseline", "st", ("siamfc", "siamfc_random"))
    assert "siamfc_plugin.toolkits.vot.compat.Supervised" in (root / "vot2017_compat.yaml").read_text()
    for tracker in ("siamfc", "siamfc_random"):
        row = table["baseline"][tracker]
        accuracy, failures = supervised_ar(root, tracker, "baseline", names)
        assert row["accuracy"] == pytest.approx(accuracy, abs=0.005)
        assert row["failures_per_sequence"] == pytest.approx(failures, abs=1e-9)
    assert 0.3 < table["baseline"]["siamfc"]["accuracy"] <= 1
    assert table["baseline"]["siamfc_random"]["failures_per_sequence"] > 0  # re-initialisations were counted

    for name in names:
        masks_from_polygons(root / "sequences" / name)
    table = evaluate(root, "vot2020/shortterm", "vot2020_baseline", "ms")  # `baseline` is vot2017's, renamed
    row = table["vot2020_baseline"]["siamfc"]
    accuracy, share = multistart_ar(root, "siamfc", "vot2020_baseline", names)
    assert row["accuracy"] == pytest.approx(accuracy, abs=0.005)
    assert row["robustness_share_tracked"] == pytest.approx(share, abs=1e-6)
    assert 0.3 < row["accuracy"] <= 1 and 0 < share <= 1
