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
import math  # noqa: E402
import re  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from analysis.collect import read_vot_trajectory, read_value_file  # noqa: E402
from siamfc_plugin.toolkits.vot import workspace as ws  # noqa: E402
from siamfc_plugin.commands.vot import read_analysis  # noqa: E402
from tests.conftest import write_registry  # noqa: E402


def raster(region, width: int, height: int) -> np.ndarray | None:
    """Pixels (H, W bool) of a ground-truth line or a trajectory entry; None for an empty / unknown region.

    The rules are the toolkit's overlap rules written again (so that the numbers agree to 1e-4, not only roughly):
    a rectangle's x, y, w, h rounded; a polygon's corners rounded and filled row by row (scanline); a mask's
    run-length code decoded into its box."""
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
    if values.size == 4:  # the toolkit's overlap rule: x, y, w, h rounded, then columns x .. x + w - 1
        x, y, w, h = (int(v) for v in np.round(values))
        if w <= 0 or h <= 0:
            return None
        out[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)] = 1
        return out.astype(bool)
    return scanline(np.round(values.reshape(-1, 2)), width, height)


def scanline(polygon: np.ndarray, width: int, height: int) -> np.ndarray:
    """The toolkit's polygon raster rule, written again: per pixel row the crossings of the (rounded) polygon's
    edges, truncated to whole pixels, filled pairwise, both ends included."""
    out = np.zeros((height, width), dtype=bool)
    count = len(polygon)
    for row in range(height):
        nodes = []
        j = count - 1
        for i in range(count):
            (xi, yi), (xj, yj) = polygon[i], polygon[j]
            if (yi <= row < yj) or (yj <= row < yi) or (yi < row <= yj) or (yj < row <= yi) or (yi == yj == row):
                nodes.append(int(xi + (row - yi) / (yj - yi) * (xj - xi)) if yj != yi else int(xi))
            j = i
        nodes.sort()
        i = 0
        while i < len(nodes) - 1:
            if nodes[i] >= width:
                break
            if nodes[i] == nodes[i + 1] and i < len(nodes) - 2:
                i += 1
                continue
            if nodes[i + 1] >= 0:
                out[row, max(nodes[i], 0):min(nodes[i + 1], width - 1) + 1] = True
            i += 2
    return out


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



def make_workspace(root: Path, source: Path, names: list[str], frames: int) -> Path:
    assert siamfc_main(["vot", "prepare", "--from", str(source), "--names", ",".join(names), "--frames", str(frames),
                        "--workspace", str(root)]) == 0
    write_registry(root)
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["registry"] = ["./trackers.ini"]
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root


def evaluate(root: Path, stack: str, experiments: str, name: str, trackers: tuple[str, ...] = ("SiamFC-3s",)) -> dict:
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
    table = evaluate(root, "vot2017", "baseline", "st", ("SiamFC-3s", "SiamFC-3s-random"))
    assert "siamfc_plugin.toolkits.vot.compat.Supervised" in (root / "vot2017_compat.yaml").read_text()
    for tracker in ("SiamFC-3s", "SiamFC-3s-random"):
        row = table["baseline"][tracker]
        accuracy, failures = supervised_ar(root, tracker, "baseline", names)
        assert row["accuracy"] == pytest.approx(accuracy, abs=1e-4)
        assert row["failures_per_sequence"] == pytest.approx(failures, abs=1e-9)
    assert 0.3 < table["baseline"]["SiamFC-3s"]["accuracy"] <= 1
    assert table["baseline"]["SiamFC-3s-random"]["failures_per_sequence"] > 0  # re-initialisations were counted

    for name in names:
        masks_from_polygons(root / "sequences" / name)
    table = evaluate(root, "vot2020/shortterm", "vot2020_baseline", "ms")  # `baseline` is vot2017's, renamed
    row = table["vot2020_baseline"]["SiamFC-3s"]
    accuracy, share = multistart_ar(root, "SiamFC-3s", "vot2020_baseline", names)
    assert row["accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert row["robustness_share_tracked"] == pytest.approx(share, abs=1e-6)
    assert 0.3 < row["accuracy"] <= 1 and 0 < share <= 1


def unsupervised_accuracy(root: Path, tracker: str, experiment: str, names: list[str], burnin: int = 1) -> float:
    """average_accuracy of a one-pass experiment: per sequence the mean overlap after `burnin` frames from the
    initialisation, frames without ground truth left out; sequences weighted by their lengths."""
    total = weight = 0.0
    for name in names:
        seq = Sequence(root / "sequences" / name)
        trajectory = read_vot_trajectory(str(root / "results" / tracker / experiment / name / f"{name}_001.bin"))
        values = [v for f, v in enumerate(overlaps(trajectory, seq)) if f >= burnin and v is not None
                  and seq.truth(f) is not None]
        total += float(np.mean(values)) * len(seq)
        weight += len(seq)
    return total / weight


@pytest.mark.slow
def test_otb_stack_on_prepared_otb_sequences(tmp_path, otb_root):
    """otb100 (unsupervised, average accuracy with a 1-frame burn-in) on OTB sequences that `siamfc vot prepare`
    converted (x,y,w,h boxes); the toolkit's accuracy recomputed from the trajectory files."""
    names = ["Crossing", "DragonBaby"]
    root = make_workspace(tmp_path / "ws", otb_root, names, 25)
    table = evaluate(root, "otb100", "otb100_baseline", "otb")  # renamed: the plugin's stacks have a `baseline`
    accuracy = unsupervised_accuracy(root, "SiamFC-3s", "otb100_baseline", names)
    assert table["otb100_baseline"]["SiamFC-3s"]["accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert 0.3 < accuracy <= 1


# ---- TIR stacks ----------------------------------------------------------------------------------------------------
def thermal_copy(root: Path, source: str, name: str, bits: int) -> None:
    """A single-channel copy of a prepared sequence: each frame converted to grey (8-bit PNG, or 16-bit PNG with
    the grey levels times 257, the full 16-bit range), as a thermal camera delivers one channel."""
    src, dst = root / "sequences" / source, root / "sequences" / name
    (dst / "color").mkdir(parents=True)
    for index, frame in enumerate(sorted((src / "color").iterdir()), 1):
        grey = cv2.cvtColor(cv2.imread(str(frame)), cv2.COLOR_BGR2GRAY)
        if bits == 16:
            grey = grey.astype(np.uint16) * 257
        cv2.imwrite(str(dst / "color" / f"{index:08d}.png"), grey)
    for file in src.iterdir():
        if file.is_file() and file.name != "sequence":
            (dst / file.name).write_bytes(file.read_bytes())
    (dst / "sequence").write_text(f"channels.color=color/%08d.png\nformat=default\nfps=30\nname={name}\n")


@pytest.mark.slow
def test_tir_stack_on_single_channel_frames(tmp_path, vot_root):
    """vot2016/tir on a thermal-like sequence: VOT's bag (real frames) converted to one channel, 8-bit and 16-bit.
    The tracker replicates the channel to 3 (16-bit: value x 255 / 65535), so both runs give the same trajectory;
    the AR numbers are recomputed from the trajectory files."""
    root = make_workspace(tmp_path / "ws", vot_root, ["bag"], 25)
    thermal_copy(root, "bag", "bag_tir8", 8)
    thermal_copy(root, "bag", "bag_tir16", 16)
    assert cv2.imread(str(root / "sequences" / "bag_tir16" / "color" / "00000001.png"), cv2.IMREAD_UNCHANGED).dtype \
        == np.uint16
    names = ["bag_tir8", "bag_tir16"]
    (root / "sequences" / "list.txt").write_text("\n".join(names) + "\n")
    table = evaluate(root, "vot2016/tir", "baseline", "tir")
    row = table["baseline"]["SiamFC-3s"]
    accuracy, failures = supervised_ar(root, "SiamFC-3s", "baseline", names)
    assert row["accuracy"] == pytest.approx(accuracy, abs=1e-4)
    assert row["failures_per_sequence"] == pytest.approx(failures, abs=1e-9)
    assert 0.3 < row["accuracy"] <= 1
    results = root / "results" / "SiamFC-3s" / "baseline"
    eight = read_vot_trajectory(str(results / "bag_tir8" / "bag_tir8_001.bin"))
    sixteen = read_vot_trajectory(str(results / "bag_tir16" / "bag_tir16_001.bin"))
    assert [(k, np.round(np.asarray(v, float), 3).tolist()) for k, v in eight] == \
        [(k, np.round(np.asarray(v, float), 3).tolist()) for k, v in sixteen]

    # the leaderboard names the stack (the analysis JSON does not: `evaluate` notes it beside it) and keeps the
    # published VOT2015 colour numbers away from a thermal stack
    note = (root / "analysis" / "tir.stack.txt").read_text()
    assert "title: VOT-TIR2016 challenge" in note and "source: vot2016/tir" in note
    from analysis.report import build_report

    outputs = build_report(str(tmp_path / "board"), vot_workspace=str(root))
    page = Path(outputs.index_md).read_text()
    section = page.split("## VOT baseline: VOT-TIR2016 challenge (vot2016/tir)", 1)[1].split("\n## ", 1)[0]
    assert "published" not in section.lower()
    assert outputs.data["vot"].loc[0, "accuracy"] == pytest.approx(accuracy, abs=1e-4)


# ---- long-term stacks ----------------------------------------------------------------------------------------------
def window_offsets(frames: int, start: int) -> list[int]:
    """x of a 240-px window per frame: on the target (start), sliding to 0 (the target leaves on the right), out
    for a while, sliding back."""
    hold, slide = frames // 4, frames // 5
    out = frames - 2 * hold - 2 * slide
    going = [round(start * (1 - (i + 1) / slide)) for i in range(slide)]
    return [start] * hold + going + [0] * out + going[::-1][1:] + [start] * (hold + 1)


def exit_sequence(root: Path, source: Path, name: str, frames: int = 40, width: int = 240) -> list[bool]:
    """A sequence where the target leaves the frame and comes back, cut from VOT's bag (real frames, 480x360): a
    `width`-px wide window of each frame, its x as window_offsets(). Ground truth: the bounding box of the bag's
    polygon moved into the window and clipped to it, `nan,nan,nan,nan` (absent) where less than a quarter of the
    box is inside. Returns visibility per frame."""
    from analysis.groundtruth import bounding_box, read_regions

    boxes = [bounding_box(r) for r in read_regions(str(source / "groundtruth.txt"))][:frames]
    first = boxes[0]
    start = int(np.clip(first[0] + first[2] / 2 - width / 2, 0, 480 - width))
    offsets = window_offsets(frames, start)
    dst = root / "sequences" / name
    (dst / "color").mkdir(parents=True)
    lines, visible = [], []
    for index, (box, x0) in enumerate(zip(boxes, offsets)):
        image = cv2.imread(str(source / "color" / f"{index + 1:08d}.jpg"))
        cv2.imwrite(str(dst / "color" / f"{index + 1:08d}.jpg"), image[:, x0:x0 + width])
        x, y, w, h = box
        left, right = max(x - x0, 0), min(x + w - x0, width)
        inside = max(0.0, right - left) * h / (w * h)
        visible.append(inside >= 0.25)
        lines.append(f"{left:.2f},{y:.2f},{right - left:.2f},{h:.2f}" if visible[-1] else "nan,nan,nan,nan")
    (dst / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (dst / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nname={name}\n")
    return visible


def longterm_prf(root: Path, tracker: str, experiment: str, name: str):
    """(precision, recall, F, F curve) as VOT-LT: thresholds = every frame's confidence (up to 98 of them, as the
    toolkit's resolution 100 allows) plus +-inf; at each threshold precision = mean overlap over the frames whose
    confidence reaches it, recall = their overlap sum / the frames with the target visible; F at the threshold
    with the best F."""
    seq = Sequence(root / "sequences" / name)
    folder = root / "results" / tracker / experiment / name
    trajectory = read_vot_trajectory(str(folder / f"{name}_001.bin"))
    confidence = read_value_file(str(folder / f"{name}_001_confidence.value"), len(seq))
    values = np.array(overlaps(trajectory, seq), dtype=object)
    values = np.array([0.0 if v is None else v for v in values])
    visible = sum(seq.truth(f) is not None for f in range(len(seq)))
    scores = sorted([c for c in confidence if not math.isnan(c)], reverse=True)
    assert len(scores) <= 98  # else the toolkit takes a subset of thresholds
    thresholds = [math.inf] + scores + [-math.inf]
    curve = []
    for threshold in thresholds:
        subset = confidence >= threshold
        precision, recall = (1.0, 0.0) if not subset.any() else \
            (float(values[subset].mean()), float(values[subset].sum() / visible))
        curve.append((precision, recall))
    f = [2 * p * r / (p + r) if p + r > 0 else float("nan") for p, r in curve]
    best = int(np.nanargmax(f))
    return curve[best][0], curve[best][1], f[best], f


@pytest.mark.slow
def test_longterm_stack_target_leaves_the_frame(tmp_path, vot_root):
    """vot2022/longterm (experiments longterm and redetection) on a sequence where the target leaves the frame
    (exit_sequence: a window sliding over VOT's bag). The tracker's confidence is lower while the target is out;
    precision, recall and F are recomputed from the trajectory and confidence files; the redetection experiment
    runs its 200 frames (the stock transformer gives 5, all the first frame, and no cache: it cannot run)."""
    root = make_workspace(tmp_path / "ws", vot_root, ["bag"], 1)
    visible = exit_sequence(root, vot_root / "bag", "bag_exit", 40)
    assert 5 <= visible.count(False) <= 15
    (root / "sequences" / "list.txt").write_text("bag_exit\n")
    assert siamfc_main(["vot", "evaluate", "SiamFC-3s", "--workspace", str(root), "--stack", "vot2022/longterm",
                        "--quiet", "--timeout", "500", "--name", "lt"]) == 0
    from siamfc_plugin.commands.vot import read_analysis

    row = read_analysis(str(root / "analysis" / "lt.json"))["longterm"]["SiamFC-3s"]
    precision, recall, fscore, curve = longterm_prf(root, "SiamFC-3s", "longterm", "bag_exit")
    assert row["precision"] == pytest.approx(precision, abs=1e-4)
    assert row["recall"] == pytest.approx(recall, abs=1e-4)
    assert row["fscore"] == pytest.approx(fscore, abs=1e-4)
    assert len(row["f_curve"]) == len(curve)
    assert 0.3 < fscore <= 1
    confidence = read_value_file(str(root / "results" / "SiamFC-3s" / "longterm" / "bag_exit" /
                                     "bag_exit_001_confidence.value"), 40)
    assert np.all((confidence >= 0) & (confidence <= 1))
    absent, present = confidence[~np.array(visible)], confidence[np.array(visible)][1:]
    assert absent.mean() < present.mean() - 0.1  # the peak drops while the target is out

    [folder] = (root / "results" / "SiamFC-3s" / "redetection").iterdir()
    trajectory = read_vot_trajectory(str(next(folder.glob("*_001.bin"))))
    assert len(trajectory) == 200 and trajectory[0] == ("special", 1)

    # the leaderboard reads the long-term experiment in its own words, and says redetection has no analysis
    from analysis.report import build_report

    outputs = build_report(str(tmp_path / "board"), vot_workspace=str(root))
    board = outputs.data["vot_longterm"]
    assert list(board["tracker"]) == ["SiamFC-3s"]
    assert board.loc[0, "fscore"] == pytest.approx(fscore, abs=1e-4)
    assert board.loc[0, "precision"] == pytest.approx(precision, abs=1e-4)
    assert Path(outputs.figures["longterm_longterm"]).is_file()
    page = Path(outputs.index_md).read_text()
    assert "tracking precision" in page and "F-score curve" in page
    assert "redetection" in page and "no analysis" in page
    assert not len(outputs.data["problems"]), outputs.data["problems"]


# ---- multi-object stacks -------------------------------------------------------------------------------------------
def two_object_sequence(root: Path, vot_root: Path, name: str, frames: int = 20, late: int = 5) -> dict[str, int]:
    """A two-object sequence made of real frames: VOT's book (640x480) and bag (480x360, black below) side by side,
    frame by frame. Ground truth as VOTS ships it: one groundtruth_<object>.txt per object, masks (the VOT polygons
    rasterised, bag's moved 640 px right); bag appears at frame `late` (before it: unknown, code 0), so the tracker
    is given it in a frame request. Returns {object: first frame}."""
    from analysis.groundtruth import read_regions
    from vot.region import Mask, Polygon
    from vot.region.io import write_trajectory

    dst = root / "sequences" / name
    (dst / "color").mkdir(parents=True)
    width, height = 640 + 480, 480
    for index in range(frames):
        canvas = np.zeros((height, width, 3), np.uint8)
        canvas[:, :640] = cv2.imread(str(vot_root / "book" / "color" / f"{index + 1:08d}.jpg"))
        canvas[:360, 640:] = cv2.imread(str(vot_root / "bag" / "color" / f"{index + 1:08d}.jpg"))
        cv2.imwrite(str(dst / "color" / f"{index + 1:08d}.jpg"), canvas)
    starts = {"book": 0, "bag": late}
    for obj, shift in (("book", 0), ("bag", 640)):
        regions = []
        for index, values in enumerate(read_regions(str(vot_root / obj / "groundtruth.txt"))[:frames]):
            points = values.reshape(-1, 2) + [shift, 0]
            regions.append(Mask(Polygon([tuple(p) for p in points]).rasterize((0, 0, width - 1, height - 1)),
                                optimize=True))
        write_trajectory(str(dst / f"groundtruth_{obj}.txt"), regions)
        if starts[obj]:
            lines = (dst / f"groundtruth_{obj}.txt").read_text().splitlines()
            (dst / f"groundtruth_{obj}.txt").write_text("\n".join(["0"] * starts[obj] + lines[starts[obj]:]) + "\n")
    (dst / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nname={name}\n")
    return starts


def test_multiobject_session_scores_all_objects_in_one_batch(tmp_path, vot_root, random_checkpoint):
    """Two objects in one process (no trax here): from the second frame on, both targets' search crops go through
    the network in one batch, and every box is the one a tracker of its own gives (the same bits, CPU)."""
    from siamfc_plugin.backends.batched import shared_factory
    from siamfc_plugin.backends.build import build_tracker
    from siamfc_plugin.toolkits.vot.trax_server import MultiObjectSession, TrackingSession

    two_object_sequence(tmp_path, vot_root, "bookbag", frames=8, late=3)
    folder = tmp_path / "sequences" / "bookbag"
    frames = [str(p) for p in sorted((folder / "color").iterdir())]
    truth = {o: Sequence(folder, f"groundtruth_{o}.txt") for o in ("book", "bag")}

    def box(obj, frame):
        rows, cols = np.nonzero(truth[obj].truth(frame))
        return [cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1]

    tracker = build_tracker(random_checkpoint, preset="siamfc-3s", threads=1, backend="torch").tracker
    multi = MultiObjectSession(TrackingSession(tracker), shared_factory(tracker))
    together = [multi.initialize(frames[0], [box("book", 0)])]
    for f in range(1, len(frames)):
        together.append(multi.frame(frames[f], [box("bag", 3)] if f == 3 else []))
    assert multi.batched_frames == len(frames) - 4  # frames 4..7: two live targets
    assert len(multi.pool) == 2 and multi.pool[1].tracker.backend is tracker.backend  # one network

    for obj, start, index in (("book", 0, 0), ("bag", 3, 1)):
        alone = TrackingSession(build_tracker(random_checkpoint, preset="siamfc-3s", backend="torch",
                                              threads=1).tracker)
        answers = [alone.initialize(frames[start], box(obj, start))] + [alone.frame(p) for p in frames[start + 1:]]
        assert [a.box for a in answers] == [t[index].box for t in together[start:]], obj
        assert [a.confidence for a in answers] == [t[index].confidence for t in together[start:]], obj


def quality(root: Path, tracker: str, experiment: str, name: str, objects: list[str]) -> float:
    """VOTS quality (average_accuracy, burn-in 0, unknown frames kept): per object the mean overlap over the frames
    where its ground truth is known (an empty prediction on an empty truth counts 1), averaged over the objects."""
    folder = root / "sequences" / name
    per_object = []
    for obj in objects:
        seq = Sequence(folder, f"groundtruth_{obj}.txt")
        lines = (root / "results" / tracker / experiment / name / f"{name}_{obj}_001.txt").read_text().splitlines()
        values = []
        for frame, (line, truth) in enumerate(zip(lines, seq.lines)):
            if truth.strip() == "0":  # not yet in the sequence: unknown
                continue
            predicted = None if re.fullmatch(r"\d+", line.strip()) else raster(line, seq.width, seq.height)
            values.append(iou(predicted, seq.truth(frame)))
        per_object.append(float(np.mean(values)))
    return float(np.mean(per_object))


@pytest.mark.slow
def test_multiobject_stack_vots2023(tmp_path, vot_root, monkeypatch):
    """vots2023 (multiobject) on two objects of real frames, one appearing later, with the `SiamFC-3s-mask` entry:
    one trax process follows both, answers masks filled from its boxes; VOTS quality recomputed from the
    trajectory files (text results, VOT_RESULTS_BINARY=0, so that the masks are read here without the toolkit)."""
    monkeypatch.setenv("VOT_RESULTS_BINARY", "0")
    root = make_workspace(tmp_path / "ws", vot_root, ["bag"], 1)
    two_object_sequence(root, vot_root, "bookbag", frames=20, late=5)
    (root / "sequences" / "list.txt").write_text("bookbag\n")
    assert siamfc_main(["vot", "evaluate", "SiamFC-3s-mask", "--workspace", str(root), "--stack", "vots2023",
                        "--quiet", "--timeout", "500", "--name", "mo"]) == 0
    [experiment] = [e for e in read_analysis(str(root / "analysis" / "mo.json")) if not e.startswith("_")]
    row = read_analysis(str(root / "analysis" / "mo.json"))[experiment]["SiamFC-3s-mask"]
    results = root / "results" / "SiamFC-3s-mask" / experiment / "bookbag"
    book = (results / "bookbag_book_001.txt").read_text().splitlines()
    bag = (results / "bookbag_bag_001.txt").read_text().splitlines()
    assert len(book) == len(bag) == 20
    assert book[0] == "1" and all(line.startswith("m") for line in book[1:])  # masks, as the entry promises
    # the toolkit marks frame 0 "initialisation" for every object, also one that starts later; until bag starts,
    # "unknown" (0); from its first frame on (its initialisation answer included), the answered masks
    assert bag[:5] == ["1"] + ["0"] * 4 and all(line.startswith("m") for line in bag[5:])
    assert row["quality"] == pytest.approx(quality(root, "SiamFC-3s-mask", experiment, "bookbag",
                                                            ["book", "bag"]), abs=1e-4)
    assert 0.3 < row["quality"] <= 1 and 0 <= row["robustness"] <= 1

    # realtime VOTS (vots2025/realtime): the stock realtime wrapper refuses objects that appear later; the compat
    # one hands their frame over
    table = evaluate(root, "vots2025/realtime", "vots2025_realtime", "rt", ("SiamFC-3s-mask",))
    realtime = table["vots2025_realtime"]["SiamFC-3s-mask"]
    recomputed = quality(root, "SiamFC-3s-mask", "vots2025_realtime", "bookbag", ["book", "bag"])
    assert realtime["quality"] == pytest.approx(recomputed, abs=1e-4)
    rt_bag = (root / "results" / "SiamFC-3s-mask" / "vots2025_realtime" / "bookbag" / "bookbag_bag_001.txt")
    assert rt_bag.read_text().splitlines()[5].startswith("m")

    from analysis.report import build_report

    outputs = build_report(str(tmp_path / "board"), vot_workspace=str(root))
    board = outputs.data[f"vot_{experiment}"]
    assert board.loc[0, "quality"] == pytest.approx(row["quality"], abs=1e-9)
    assert board.loc[0, "robustness"] == pytest.approx(row["robustness"], abs=1e-9)
    assert Path(outputs.figures[f"vots_{experiment}"]).is_file()
    assert "VOTS robustness" in Path(outputs.index_md).read_text()
