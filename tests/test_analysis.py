"""The leaderboard analysis, from REAL toolkit outputs.

One module-scoped run of `siamfc leaderboard` (SiamFC with the seeded random-weights checkpoint, the
MIL and static-box peers) on a small subset of ../shared/data/eval (2 OTB + 2 VOT sequences, first 30 frames, as
symbolic links in a temporary folder): got10k writes results/ and performance.json, vot-toolkit writes a
workspace's results/*.bin and analysis JSON. Every figure and table is built from those, and the numbers are
checked against independent computations (OTB AUC from the box files vs got10k's performance.json; vot-toolkit's
own EAO/AR vs a recomputation from the trajectories; the trajectory reader vs vot-toolkit's reader).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `analysis` is a top-level package of the repository
    sys.path.insert(0, str(REPO))

from analysis import collect, measures, tables  # noqa: E402
from siamfc_plugin.data.readers import read_otb_sequence  # noqa: E402

OTB_SEQUENCES = ["Crossing", "DragonBaby"]
VOT_SEQUENCES = ["ball1", "bag"]  # ball1 has .tag files, bag has none
FRAMES = 30
FIGURES = ["otb_otb_success_precision", "vot_eao_ranking", "vot_ar_plot", "vot_eao_curves", "vot_attributes",
           "speed_accuracy"]


@pytest.fixture(scope="module")
def board(tmp_path_factory, otb_root, vot_root, random_checkpoint):
    """A real leaderboard run (about a minute on 2 cores)."""
    from siamfc_plugin.cli import main

    out = tmp_path_factory.mktemp("leaderboard")
    code = main(["leaderboard", "--checkpoint", random_checkpoint, "--threads", "1", "--name", "SiamFC-3s",
                 "--root", str(otb_root), "--vot-root", str(vot_root),
                 "--sequences", ",".join(OTB_SEQUENCES + VOT_SEQUENCES), "--max-frames", str(FRAMES),
                 "--peers", "MIL,Static", "--out", str(out)])
    assert code == 0
    return out


# ---- got10k --------------------------------------------------------------------------------------------------------
def test_got10k_outputs_are_real_and_complete(board):
    for tracker in ("SiamFC-3s", "MIL", "Static"):
        for seq in OTB_SEQUENCES:
            boxes = np.loadtxt(board / "got10k" / "results" / "OTB" / tracker / f"{seq}.txt", delimiter=",")
            assert boxes.shape == (FRAMES, 4)
        assert (board / "got10k" / "reports" / "OTB" / tracker / "performance.json").is_file()


def test_otb_auc_from_box_files_equals_got10k_performance_json(board):
    """Independent: success/precision recomputed from the raw box files and the ground truth (read with numpy),
    against got10k's performance.json, per sequence and overall."""
    reports, curves = collect.read_got10k_reports(str(board / "got10k"))
    for tracker in ("SiamFC-3s", "MIL", "Static"):
        with open(board / "got10k" / "reports" / "OTB" / tracker / "performance.json") as handle:
            perf = json.load(handle)[tracker]
        succ_all, prec_all = [], []
        for seq in OTB_SEQUENCES:
            boxes = np.loadtxt(board / "got10k" / "results" / "OTB" / tracker / f"{seq}.txt", delimiter=",")
            gt = read_otb_sequence(str(board / "data" / "otb" / seq))[0].boxes  # 0-based, like the results
            mine = measures.one_pass_sequence(boxes, gt)
            assert mine["success_score"] == pytest.approx(perf["seq_wise"][seq]["success_score"], abs=1e-12)
            assert mine["precision_score"] == pytest.approx(perf["seq_wise"][seq]["precision_score"], abs=1e-12)
            succ_all.append(mine["success_curve"])
            prec_all.append(mine["precision_curve"])
        auc = float(np.mean(np.mean(succ_all, axis=0)))
        assert auc == pytest.approx(perf["overall"]["success_score"], abs=1e-12)
        assert float(np.mean(prec_all, axis=0)[20]) == pytest.approx(perf["overall"]["precision_score"], abs=1e-12)
        # and the collector's table carries exactly got10k's numbers
        row = reports[(reports.tracker == tracker) & (reports.sequence == "_overall_")].iloc[0]
        assert row.success_score == perf["overall"]["success_score"]
        np.testing.assert_allclose(curves[("OTB", tracker)]["success_curve"], perf["overall"]["success_curve"])


def test_otb_auc_agrees_with_the_plugin_metric(board):
    """A second, separate implementation (siamfc_plugin.core.metrics) gives the same per-sequence AUC."""
    from siamfc_plugin.core.metrics import success_auc

    reports, _ = collect.read_got10k_reports(str(board / "got10k"))
    for seq in OTB_SEQUENCES:
        boxes = np.loadtxt(board / "got10k" / "results" / "OTB" / "MIL" / f"{seq}.txt", delimiter=",")
        gt = read_otb_sequence(str(board / "data" / "otb" / seq))[0].boxes  # 0-based, like the results
        boxes[0] = gt[0]
        row = reports[(reports.tracker == "MIL") & (reports.sequence == seq)].iloc[0]
        assert success_auc(boxes, gt) == pytest.approx(row.success_score, abs=1e-9)


def test_got10k_frames_table_is_tidy(board):
    frames = pd.read_csv(board / "tables" / "frames_got10k.csv")
    assert not frames.duplicated(["tracker", "sequence", "run", "frame"]).any()
    assert len(frames) == 3 * len(OTB_SEQUENCES) * FRAMES
    assert set(frames.columns) >= set(collect.FRAME_COLUMNS)
    # speed as got10k computes it: mean of 1/t over frames, averaged over sequences
    reports, _ = collect.read_got10k_reports(str(board / "got10k"))
    mil = frames[frames.tracker == "MIL"]
    fps = np.mean([measures.mean_fps(g.time.to_numpy()) for _, g in mil.groupby("sequence")])
    got = reports[(reports.tracker == "MIL") & (reports.sequence == "_overall_")].speed_fps.iloc[0]
    assert fps == pytest.approx(got, rel=1e-6)  # times are written with 8 decimals


# ---- VOT -----------------------------------------------------------------------------------------------------------
def _workspace(board) -> Path:
    return board / "vot-workspace"


def test_vot_trajectory_reader_matches_the_toolkit(board):
    from vot.region import Special
    from vot.region.io import read_trajectory

    files = sorted(_workspace(board).glob("results/*/baseline/*/*_001.bin"))
    assert len(files) == 3 * len(VOT_SEQUENCES)
    for path in files:
        theirs = read_trajectory(str(path))
        mine = collect.read_vot_trajectory(str(path))
        assert len(theirs) == len(mine) == FRAMES
        for region, (kind, value) in zip(theirs, mine):
            if isinstance(region, Special):
                assert kind == "special" and value == region.code
            else:
                assert kind == "rectangle"
                np.testing.assert_allclose(value, [region.x, region.y, region.width, region.height], rtol=1e-6)


def test_vot_analysis_json_parsed_exactly(board):
    path = _workspace(board) / "analysis" / "leaderboard.json"
    with open(path) as handle:
        doc = json.load(handle)
    analysis = collect.read_vot_analysis(str(path))
    trackers = list(doc["trackers"])
    assert set(analysis.summary.tracker) == {"SiamFC-3s", "MIL", "Static"}
    results = doc["results"]["baseline"]["results"]
    kinds = [a["type"].rsplit(".", 1)[-1] for a in doc["results"]["baseline"]["parameters"]["analyses"]]
    eao = results[kinds.index("EAOScore")]
    ar = results[kinds.index("AverageAccuracyRobustness")]
    for i, tracker in enumerate(trackers):
        row = analysis.summary.set_index("tracker").loc[tracker]
        np.testing.assert_equal(row.eao, eao[i][0])  # NaN where the toolkit has NaN
        assert row.accuracy == ar[i][0] and row.failures_per_sequence == ar[i][1]
        assert row.robustness_ar_plot == ar[i][2][0]
    assert len(analysis.per_sequence) == len(trackers) * len(VOT_SEQUENCES)


def test_vot_eao_and_ar_recomputed_from_trajectories_match_the_toolkit(board):
    """Independent: AR and EAO from the .bin trajectories (exact polygon overlaps with shapely; the toolkit
    rasterises to pixels, hence the small tolerance) against vot-toolkit's own analysis JSON."""
    ws = str(_workspace(board))
    analysis = collect.read_vot_analysis(str(_workspace(board) / "analysis" / "leaderboard.json"))
    sequences = collect.read_vot_sequences(ws)
    frames = collect.collect_vot_frames(ws, "baseline", sequences=sequences)
    mine, curves = tables.recompute_vot(frames, analysis.eao_low, analysis.eao_high)
    theirs = analysis.summary.set_index("tracker")
    for _, row in mine.iterrows():
        ref = theirs.loc[row.tracker]
        # failures are exact (same trajectories)
        assert row.failures_per_sequence == pytest.approx(ref.failures_per_sequence, abs=1e-12)
        assert row.robustness_ar_plot == pytest.approx(ref.robustness_ar_plot, abs=1e-12)
        assert row.accuracy == pytest.approx(ref.accuracy, abs=0.02)
        assert np.isnan(row.eao) == np.isnan(ref.eao)
        assert np.isnan(ref.eao) or row.eao == pytest.approx(ref.eao, abs=0.02)
        curve, ref_curve = curves[row.tracker], analysis.curves[row.tracker]
        assert len(curve) == len(ref_curve)
        np.testing.assert_allclose(curve, ref_curve, atol=0.03)
    assert np.isfinite(theirs.eao).sum() >= 2  # the check above did compare real numbers
    # the ranking by EAO is the same either way
    assert list(mine.sort_values("eao", ascending=False).tracker) == \
        list(theirs.sort_values("eao", ascending=False).index)


def test_eao_curve_function_equals_vot_toolkit_function():
    """measures.eao_curve against vot.analysis.supervised.compute_eao_curve on random segments."""
    from vot.analysis.supervised import compute_eao_curve

    rng = np.random.default_rng(0)
    segments = [(np.r_[0.0, rng.uniform(0, 1, rng.integers(1, 40))], bool(rng.integers(0, 2))) for _ in range(25)]
    theirs = compute_eao_curve([s[0] for s in segments], [1] * len(segments), [s[1] for s in segments])
    np.testing.assert_allclose(measures.eao_curve(segments), theirs, rtol=1e-5, atol=1e-6)


def test_vot_frames_table_is_tidy(board):
    frames = pd.read_csv(board / "tables" / "frames_vot.csv")
    assert not frames.duplicated(["tracker", "sequence", "run", "frame"]).any()
    assert len(frames) == 3 * len(VOT_SEQUENCES) * FRAMES
    assert set(frames.state) <= {"init", "tracked", "failure", "skip"}
    first = frames[frames.frame == 0]
    assert (first.state == "init").all()
    # VOT ground truth of these sequences is polygons: the collector keeps their bounding boxes
    gt = np.loadtxt(Path(_workspace(board)) / "sequences" / "bag" / "groundtruth.txt", delimiter=",")
    bag = frames[(frames.sequence == "bag") & (frames.tracker == "MIL")].sort_values("frame")
    np.testing.assert_allclose(bag.gt_x.to_numpy(), gt[:, 0::2].min(axis=1), rtol=1e-9)


def test_attribute_table_counts_tagged_frames(board, vot_root):
    """Tagged-frame counts against the source .tag files (read independently); failures against the frames."""
    attributes = pd.read_csv(board / "tables" / "attributes_vot.csv")
    sequences = collect.read_vot_sequences(str(_workspace(board)))
    total = sum(s.length for s in sequences.values())
    expected, has_file = {}, {}
    for tag in collect.VOT_TAGS:
        has_file[tag] = any((vot_root / seq / f"{tag}.tag").is_file() for seq in VOT_SEQUENCES)
        expected[tag] = sum(int(np.loadtxt(vot_root / seq / f"{tag}.tag", max_rows=FRAMES).sum())
                            for seq in VOT_SEQUENCES if (vot_root / seq / f"{tag}.tag").is_file())
    assert expected["motion_change"] > 0 and not has_file["occlusion"]  # ball1: tags; occlusion: nowhere
    for tracker, rows in attributes.groupby("tracker"):
        rows = rows.set_index("attribute")
        assert rows.loc["all", "frames"] == total
        for tag, count in expected.items():
            assert rows.loc[tag, "frames"] == count, tag
            # annotated in some sequence: read, never derived (no mixing); else reported as not annotated
            assert rows.loc[tag, "source"] == ("tags" if has_file[tag] else "not annotated")
    # failures in 'all' = the trajectories' failure frames
    frames = pd.read_csv(board / "tables" / "frames_vot.csv")
    for tracker, sub in frames.groupby("tracker"):
        failures = attributes[(attributes.tracker == tracker) & (attributes.attribute == "all")].failures.iloc[0]
        assert failures == (sub.state == "failure").sum()  # one run per sequence


def test_tags_derived_only_when_no_sequence_is_annotated(tmp_path):
    import cv2

    for name, step in (("a", 0.0), ("b", 6.0)):
        folder = tmp_path / "sequences" / name
        (folder / "color").mkdir(parents=True)
        cv2.imwrite(str(folder / "color" / "00000001.jpg"), np.zeros((120, 160, 3), np.uint8))
        boxes = [[10 + step * t * (t > 12), 10, 20 * 1.06 ** t, 20] for t in range(25)]
        (folder / "groundtruth.txt").write_text("\n".join(",".join(map(str, b)) for b in boxes) + "\n")
    (tmp_path / "sequences" / "list.txt").write_text("a\nb\n")
    sequences = collect.read_vot_sequences(str(tmp_path))
    assert sequences["a"].derived_tags == ("motion_change", "size_change")
    assert sequences["a"].tags["size_change"].any()  # the box grows 6% a frame
    assert not sequences["a"].tags["motion_change"].any() and sequences["b"].tags["motion_change"].any()
    (tmp_path / "sequences" / "b" / "occlusion.tag").write_text("0\n" * 25)
    sequences = collect.read_vot_sequences(str(tmp_path))
    assert all(not s.derived_tags for s in sequences.values())
    assert not sequences["a"].tags  # annotated elsewhere: no tag file = no tagged frame


# ---- tables --------------------------------------------------------------------------------------------------------
def test_leaderboards_sorted_with_speed_in_three_formats(board):
    for stem, key in (("leaderboard_otb", "success_auc"), ("leaderboard_vot", "eao")):
        csv = pd.read_csv(board / "tables" / f"{stem}.csv")
        values = csv[key].to_numpy(float)  # sorted, undefined (NaN) last
        finite = values[np.isfinite(values)]
        assert list(finite) == sorted(finite, reverse=True) and np.all(np.isfinite(values[: len(finite)]))
        static = csv["tracker"] == "Static"  # no computation: no meaningful speed, shown as "-"
        assert csv.loc[~static, "fps"].notna().all() and csv.loc[static, "fps"].isna().all()
        assert list(csv["rank"]) == list(range(1, len(csv) + 1))
        md = (board / "tables" / f"{stem}.md").read_text()
        assert md.count("\n| ") >= len(csv) and "fps" in md
        tex = (board / "tables" / f"{stem}.tex").read_text()
        for command in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tabular}"):
            assert command in tex
        assert tex.count(r"\\") == len(csv) + 1
    vot = pd.read_csv(board / "tables" / "leaderboard_vot.csv")
    analysis = collect.read_vot_analysis(str(_workspace(board) / "analysis" / "leaderboard.json"))
    merged = vot.merge(analysis.summary, on="tracker", suffixes=("", "_json"))
    np.testing.assert_allclose(merged.eao, merged.eao_json)  # NaN == NaN here


def test_published_reference_is_separate_and_marked(board):
    published = pd.read_csv(board / "tables" / "published_vot2015.csv")
    assert (published["kind"] == "published").all()
    assert published["source"].notna().all() and (published["source"].str.len() > 0).all()
    measured = pd.read_csv(board / "tables" / "leaderboard_vot.csv")
    assert not set(published.tracker) & set(measured.tracker)
    assert "kind" not in measured.columns
    shipped = tables.published_table()
    assert (shipped.eao.dropna().between(0, 1)).all()
    index = (board / "index.md").read_text()
    assert "Published (VOT2015, reference only" in index


# ---- figures and pages ---------------------------------------------------------------------------------------------
def test_every_figure_written_as_png_and_pdf(board):
    import matplotlib.image as mpimg

    for name in FIGURES:
        png, pdf = board / "figures" / f"{name}.png", board / "figures" / f"{name}.pdf"
        assert png.stat().st_size > 10_000, name
        assert pdf.read_bytes()[:5] == b"%PDF-"
        image = mpimg.imread(png)
        assert image.shape[0] > 300 and image.shape[1] > 300
        assert image[..., :3].std() > 0.05  # not blank


def test_index_md_and_html_embed_figures_and_tables(board):
    md = (board / "index.md").read_text()
    html = (board / "index.html").read_text()
    for name in FIGURES:
        assert f"figures/{name}.png" in md and f"src=\"figures/{name}.png\"" in html
    assert html.count("<table") >= 5 and "Published VOT2015" in html
    for line in md.splitlines():  # every linked file exists
        for part in line.split("](")[1:]:
            target = part.split(")")[0]
            assert (board / target).exists(), target
    summary = json.loads((board / "summary.json").read_text())
    assert {r["tracker"] for r in summary["vot"]} == {"SiamFC-3s", "MIL", "Static"}


def test_report_rebuilds_from_toolkit_outputs_alone(board, tmp_path):
    done = subprocess.run([sys.executable, "-m", "analysis", "report", "--out", str(tmp_path),
                           "--got10k", str(board / "got10k"), "--vot-workspace", str(_workspace(board)),
                           "--otb-root", str(board / "data" / "otb")], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    a = pd.read_csv(board / "tables" / "leaderboard_vot.csv")
    b = pd.read_csv(tmp_path / "tables" / "leaderboard_vot.csv")
    pd.testing.assert_frame_equal(a, b)


# ---- boundaries ----------------------------------------------------------------------------------------------------
def test_analysis_imports_nothing_of_the_plugin_but_its_ground_floor():
    """analysis/ reads result files and ground truth: every module of it imports without torch and, of
    siamfc_plugin, loads only the ground floor (siamfc_plugin.formats, the one reader of benchmark folders, and the
    error types it raises); the package's __init__ loads nothing of the model (issue 27: one reader for both)."""
    modules = sorted(p.stem for p in (REPO / "analysis").glob("*.py") if p.stem != "__main__")
    floor = ("siamfc_plugin", "siamfc_plugin.common", "siamfc_plugin.common.errors", "siamfc_plugin.formats")
    code = ("import sys, importlib\n"
            f"for m in {modules!r}: importlib.import_module('analysis.' + m)\n"
            "import analysis.cli; analysis.cli.build_parser()\n"
            f"floor = {floor!r}\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'torch' or m.split('.')[0] == 'siamfc_plugin'"
            " and not (m in floor or m.startswith('siamfc_plugin.formats.')))\n"
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_leaderboard_and_peers_start_without_torch():
    """The leaderboard's own process and the peers' trax entry never load the network (SiamFC runs in a child)."""
    code = ("import sys; import siamfc_plugin.commands.leaderboard, siamfc_plugin.commands.leaderboard_cli, "
            "siamfc_plugin.core.peers, siamfc_plugin.toolkits.vot.peers_trax; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_siamfc_cli_registers_leaderboard():
    from siamfc_plugin.cli import build_parser

    args = build_parser().parse_args(["leaderboard", "--root", "x", "--out", "y", "--checkpoint", "c.pth"])
    assert args.root == "x" and args.out == "y" and args.checkpoint == "c.pth" and args.vot_root is None


def test_leaderboard_refuses_without_a_model(tmp_path, monkeypatch):
    from siamfc_plugin.cli import main
    from siamfc_plugin.commands import leaderboard_cli

    monkeypatch.setattr(leaderboard_cli, "_shipped_model_exists", lambda arch: False)
    assert main(["leaderboard", "--out", str(tmp_path)]) == 2


def test_eao_interval_rule():
    assert measures.eao_interval([400, 500, 1000]) == (108, 371)
    low, high = measures.eao_interval([30, 30])
    assert 1 <= low <= high <= 29


# ---- peers ---------------------------------------------------------------------------------------------------------
def test_peers_follow_the_core_interface(otb_root):
    from siamfc_plugin.data.images import read_frame
    from siamfc_plugin.core.peers import available_peers, make_peer

    frames = sorted((otb_root / "Crossing" / "img").glob("*.jpg"))[:4]
    box = np.loadtxt(otb_root / "Crossing" / "groundtruth_rect.txt", delimiter=",", max_rows=1)
    assert {"MIL", "Static"} <= set(available_peers())
    for name in ("MIL", "Static"):
        core = make_peer(name)
        core.init(read_frame(frames[0]), box)
        for frame in frames[1:]:
            out = core.update(read_frame(frame))
            assert out.shape == (4,) and np.all(np.isfinite(out)) and out[2] > 0
            assert 0.0 <= core.confidence <= 1.0
    static = make_peer("Static")
    static.init(read_frame(frames[0]), box)
    np.testing.assert_array_equal(static.update(read_frame(frames[1])), box)


def test_opencv_failure_keeps_previous_box():
    import cv2

    from siamfc_plugin.core.peers import OpenCVTracker

    class Fake:
        answers = [(True, (12, 14, 20, 22)), (False, (0, 0, 0, 0)), (None, None)]

        def init(self, image, rect):
            self.rect = rect

        def update(self, image):
            answer = self.answers.pop(0)
            if answer[0] is None:
                raise cv2.error("boom")
            return answer

    core = OpenCVTracker("fake", Fake)
    image = np.zeros((60, 80, 3), np.uint8)
    core.init(image, (10, 10, 20, 20))
    np.testing.assert_array_equal(core.update(image), [12, 14, 20, 22])
    assert core.confidence == 1.0
    np.testing.assert_array_equal(core.update(image), [12, 14, 20, 22])  # reported failure
    assert core.confidence == 0.0
    np.testing.assert_array_equal(core.update(image), [12, 14, 20, 22])  # OpenCV raised
    assert core.failures == 2


def test_kcf_csrt_need_contrib():
    from siamfc_plugin.core.peers import make_peer, opencv_has_contrib, peer_unavailable_reason

    if opencv_has_contrib():
        for name in ("KCF", "CSRT"):
            assert peer_unavailable_reason(name) is None and make_peer(name) is not None
    else:
        for name in ("KCF", "CSRT"):
            assert "opencv-contrib-python" in peer_unavailable_reason(name)
            with pytest.raises(ValueError):
                make_peer(name)


def test_peers_plug_into_got10k_tracker(otb_root):
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.core.peers import make_peer

    frames = [str(p) for p in sorted((otb_root / "Crossing" / "img").glob("*.jpg"))[:5]]
    box = np.loadtxt(otb_root / "Crossing" / "groundtruth_rect.txt", delimiter=",", max_rows=1)
    boxes, times = Got10kTracker(make_peer("Static"), "Static").track(frames, box)
    assert boxes.shape == (5, 4) and np.allclose(boxes, box)


@pytest.mark.parametrize("name, min_iou", [("KCF", 0.5), ("CSRT", 0.5)])
def test_contrib_peers_track_a_real_sequence(otb_root, name, min_iou):
    """KCF and CSRT, where opencv-contrib-python is the installed cv2 (CI runs this in a second environment)."""
    from siamfc_plugin.data.readers import read_otb_sequence
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.core.metrics import iou
    from siamfc_plugin.core.peers import make_peer, opencv_has_contrib

    if not opencv_has_contrib():
        pytest.skip("opencv-contrib-python is not the installed cv2 (see docs/leaderboards.md, Peers)")
    seq = read_otb_sequence(str(otb_root / "Crossing"))[0]
    boxes, times = Got10kTracker(make_peer(name), name).track(seq.frames[:40], seq.boxes[0])
    assert boxes.shape == (40, 4) and np.all(np.isfinite(boxes))
    assert float(np.mean(iou(boxes, seq.boxes[:40]))) > min_iou


# ---- a maintainer's own outputs: got10k (OTB + GOT-10k) and a VOT workspace run with both stacks ------------------
# Built once per module by really running MIL and the static box: through the plugin's got10k experiments on two
# OTB and two GOT-10k val sequences (first 30 frames, symbolic links to ../shared/data), and through vot-toolkit
# (trax) with the stock VOT2015 and VOT2020 stacks patched into one workspace on two VOT sequences. The VOT
# registry names the trackers "mil" and "static" (as a registry would), got10k "MIL" and "Static".
MAINTAINER_FRAMES = 30
GOT10K_SEQUENCES = ["DAVIS2016_blackswan", "DAVIS2016_car_shadow"]
ABSENT = range(12, 17)  # DragonBaby's frames marked absent (NaN rows, UAV123's convention)
MULTISTART = "vot2020_baseline"  # VOT2020's `baseline`, renamed by patch-stack beside VOT2015's


def _otb_view(otb_root: Path, folder: Path) -> Path:
    for seq in OTB_SEQUENCES:
        (folder / seq / "img").mkdir(parents=True)
        for i, frame in enumerate(sorted((otb_root / seq / "img").glob("*.jpg"))[:MAINTAINER_FRAMES], 1):
            (folder / seq / "img" / f"{i:04d}.jpg").symlink_to(frame)
        lines = (otb_root / seq / "groundtruth_rect.txt").read_text().splitlines()[:MAINTAINER_FRAMES]
        if seq == "DragonBaby":
            for i in ABSENT:
                lines[i] = "NaN,NaN,NaN,NaN"
        (folder / seq / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")
    return folder


def _got10k_val_view(train_root: Path, folder: Path) -> Path:
    """A GOT-10k val split (list.txt; per sequence frames, groundtruth.txt, the label files, meta_info.ini)."""
    source = train_root / "got10k" / "train"
    (folder / "val").mkdir(parents=True)
    for seq in GOT10K_SEQUENCES:
        (folder / "val" / seq).mkdir()
        for i in range(1, MAINTAINER_FRAMES + 1):
            (folder / "val" / seq / f"{i:08d}.jpg").symlink_to(source / seq / f"{i:08d}.jpg")
        for name in ("groundtruth.txt", "absence.label", "cover.label", "cut_by_image.label"):
            lines = (source / seq / name).read_text().splitlines()[:MAINTAINER_FRAMES]
            (folder / "val" / seq / name).write_text("\n".join(lines) + "\n")
        (folder / "val" / seq / "meta_info.ini").write_text((source / seq / "meta_info.ini").read_text())
    (folder / "val" / "list.txt").write_text("\n".join(GOT10K_SEQUENCES) + "\n")
    return folder


def _run_vot(arguments: list[str]) -> str:
    done = subprocess.run([sys.executable, "-m", "vot", *arguments], capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO), "VOT_PERSISTENT_CACHE": "0"})
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in output, output[-3000:]
    return output


def _vot_workspace(vot_root: Path, folder: Path) -> Path:
    import yaml

    from siamfc_plugin.toolkits.vot import workspace as ws

    ws.init_workspace(str(folder))
    # `siamfc vot prepare` writes VOT2020-style anchors (these sequences have none): frames 0, 10 forward, 20 backward
    prepared = ws.prepare_sequences(str(folder), source=str(vot_root), names=VOT_SEQUENCES,
                                    max_frames=MAINTAINER_FRAMES, anchor_spacing=10)
    assert all(p.anchors_written for p in prepared)
    registry = "".join(f"[{name}]\nlabel = {name}\nprotocol = traxpython\ncommand = siamfc_plugin.toolkits.vot.peers_trax\n"
                       f"paths = {REPO}\ntimeout = 60\nenv_SIAMFC_PEER = {peer}\n\n"
                       for name, peer in (("mil", "MIL"), ("static", "Static")))
    (folder / "trackers.ini").write_text(registry)
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["registry"] = ["./trackers.ini"]
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    # both stock stacks name their main experiment `baseline`: patch-stack renames VOT2020's (multistart) one
    for stack, experiment in (("vot2015/rgb", "baseline"), ("vot2020/shortterm", MULTISTART)):
        path = Path(ws.patch_stack(stack, str(folder)))
        data = yaml.safe_load(path.read_text())
        chosen = data["experiments"][experiment]
        if "repetitions" in chosen:
            chosen["repetitions"] = 3  # 15 in the stock stack: 3 keep the test short, results are the same kind
        for analysis in chosen["analyses"]:  # an EAO interval inside these 30-frame sequences
            if "low" in analysis:
                analysis["low"], analysis["high"] = 5, 25
            elif "high" in analysis:
                analysis["high"] = 25
        data["experiments"] = {experiment: chosen}
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        _run_vot(["evaluate", "--workspace", str(folder), "mil", "static"])  # the other experiments: not run
        _run_vot(["analysis", "--workspace", str(folder), "--format", "json", "--name", experiment, "mil",
                  "static"])
    return folder


@pytest.fixture(scope="module")
def maintainer(tmp_path_factory, otb_root, vot_root, train_root):
    """Real outputs of a maintainer's own runs (about a minute on 2 cores)."""
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment
    from siamfc_plugin.core.peers import make_peer

    root = tmp_path_factory.mktemp("maintainer")
    otb = _otb_view(otb_root, root / "data" / "otb")
    got10k = _got10k_val_view(train_root, root / "data" / "got10k")
    for peer in ("MIL", "Static"):
        for dataset, data in (("otb", otb), ("got10k", got10k)):
            run_experiment(Got10kTracker(make_peer(peer), name=peer, is_deterministic=True), dataset, str(data),
                           str(root / "got10k-output"))
    _vot_workspace(vot_root, root / "workspace")
    return root


def _report(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "report", *args], cwd=REPO, capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def maintainer_report(maintainer, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "board"
    done = _report(["--out", str(out), "--got10k", str(maintainer / "got10k-output"),
                    "--otb-root", str(maintainer / "data" / "otb"),
                    "--vot-workspace", str(maintainer / "workspace")])
    assert done.returncode == 0, done.stderr
    return out


def test_report_reads_got10k_folder_with_otb_and_got10k_results(maintainer, maintainer_report):
    out = maintainer_report
    got = pd.read_csv(out / "tables" / "leaderboard_got10k.csv").set_index("tracker")
    for tracker in ("MIL", "Static"):
        with open(maintainer / "got10k-output" / "reports" / "GOT-10k" / tracker / "performance.json") as handle:
            overall = json.load(handle)[tracker]["overall"]
        assert got.loc[tracker, "ao"] == overall["ao"] and got.loc[tracker, "sr50"] == overall["sr"]
        assert got.loc[tracker, "sr75"] == overall["succ_curve"][75]  # IoU > 0.75 (thresholds 0, 0.01, ...)
    assert pd.isna(got.loc["Static", "fps"]) and got.loc["MIL", "fps"] > 0  # no speed for the static box
    otb = pd.read_csv(out / "tables" / "leaderboard_otb.csv")
    assert set(otb.tracker) == {"MIL", "Static"} and otb.success_auc.is_monotonic_decreasing
    for name in ("otb_otb_success_precision", "got10k_got10k_success", "datasize"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000, name
    index = (out / "index.md").read_text()
    assert "## GOT-10k (got10k)" in index and "## OTB one-pass evaluation (got10k)" in index
    assert "cover.label" in index  # the GOT-10k convention is said
    assert not list(out.parent.glob(".board-report-*")) and not list(out.glob(".old-report-*"))


def test_absent_frames_excluded_as_the_benchmark_does(maintainer, maintainer_report):
    """Independent: per-sequence AUC from the raw files with absent frames masked, against the report and got10k."""
    frames = pd.read_csv(maintainer_report / "tables" / "frames_got10k.csv")
    board = pd.read_csv(maintainer_report / "tables" / "leaderboard_otb.csv").set_index("tracker")
    thresholds = np.linspace(0, 1, 21)
    for tracker in ("MIL", "Static"):
        with open(maintainer / "got10k-output" / "reports" / "OTB" / tracker / "performance.json") as handle:
            got10k = json.load(handle)[tracker]
        curves = []
        for seq in OTB_SEQUENCES:
            boxes = np.loadtxt(maintainer / "got10k-output" / "results" / "OTB" / tracker / f"{seq}.txt",
                               delimiter=",")
            gt = np.genfromtxt(maintainer / "data" / "otb" / seq / "groundtruth_rect.txt", delimiter=",")
            gt[:, :2] -= 1
            boxes[0] = gt[0]
            present = np.isfinite(gt).all(axis=1)
            assert (~present).sum() == (len(ABSENT) if seq == "DragonBaby" else 0)
            ious = measures.rect_iou(boxes[present], gt[present])
            curve = np.mean(ious[:, None] > thresholds[None, :], axis=0)
            curves.append(curve)
            if seq == "Crossing":  # nothing absent: exactly got10k's number
                assert curve.mean() == pytest.approx(got10k["seq_wise"][seq]["success_score"], abs=1e-12)
            else:  # got10k's OTB experiment counts absent frames as failures: lower than ours
                assert curve.mean() > got10k["seq_wise"][seq]["success_score"]
        assert board.loc[tracker, "success_auc"] == pytest.approx(np.mean(curves), abs=1e-12)
        assert board.loc[tracker, "success_auc_got10k"] == got10k["overall"]["success_score"]
        assert board.loc[tracker, "absent_frames"] == len(ABSENT)
    dragon = frames[(frames.sequence == "DragonBaby") & frames.frame.isin(ABSENT)]
    assert dragon.overlap.isna().all()
    assert f"{len(ABSENT)} such frames here" in (maintainer_report / "index.md").read_text()


def test_report_reads_workspace_with_both_stacks(maintainer, maintainer_report):
    out = maintainer_report
    supervised = pd.read_csv(out / "tables" / "leaderboard_vot.csv").set_index("tracker")
    multistart = pd.read_csv(out / "tables" / "leaderboard_vot_vot2020_baseline.csv").set_index("tracker")
    with open(maintainer / "workspace" / "analysis" / "baseline.json") as handle:
        doc = json.load(handle)
    trackers = list(doc["trackers"])
    ar = doc["results"]["baseline"]["results"][0]  # supervised_average_ar
    for i, tracker in enumerate(trackers):
        assert supervised.loc[tracker, "accuracy"] == ar[i][0]
        assert supervised.loc[tracker, "failures_per_sequence"] == ar[i][1]
        assert supervised.loc[tracker, "robustness_ar_plot"] == ar[i][2][0]
    with open(maintainer / "workspace" / "analysis" / f"{MULTISTART}.json") as handle:
        doc = json.load(handle)
    kinds = [a["type"].rsplit(".", 1)[-1] for a in doc["results"][MULTISTART]["parameters"]["analyses"]]
    results = doc["results"][MULTISTART]["results"]
    for i, tracker in enumerate(doc["trackers"]):
        accuracy, robustness = results[kinds.index("AverageAccuracyRobustness")][i][:2]
        assert multistart.loc[tracker, "accuracy"] == accuracy
        assert multistart.loc[tracker, "robustness_share_tracked"] == robustness
        assert multistart.loc[tracker, "eao"] == results[kinds.index("EAOScore")][i][0]
        assert multistart.loc[tracker, "runs"] == 3  # three anchors per sequence (one backward)
    assert np.isfinite(supervised.eao).all() and np.isfinite(multistart.eao).all()
    for name in ("vot_eao_ranking", "vot_ar_plot", "vot_eao_curves", "vot_attributes",
                 f"vot_{MULTISTART}_eao_ranking", f"vot_{MULTISTART}_ar_plot", f"vot_{MULTISTART}_eao_curves"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000, name
    assert not (out / "tables" / "problems.csv").read_text().strip().count("\n")  # header only: nothing missing


def test_one_vocabulary_for_robustness(maintainer_report):
    """No table header says a bare "robustness": each names which number it is."""
    import re

    for md in (maintainer_report / "tables").glob("*.md"):
        header = next(line for line in md.read_text().splitlines() if line.startswith("| "))
        for cell in header.strip("|").split("|"):
            if "robustness" in cell.lower():
                assert re.search(r"AR-plot robustness exp\(-30F/L\)|VOT2020 robustness \(share of frames "
                                 r"tracked\)", cell), (md.name, cell)
    supervised = (maintainer_report / "tables" / "leaderboard_vot.md").read_text()
    assert "failures / sequence" in supervised and "share of frames" not in supervised
    assert "failures" not in (maintainer_report / "tables" / "leaderboard_vot_vot2020_baseline.md").read_text()


def test_one_tracker_identity_across_toolkits(maintainer_report):
    """got10k's "MIL" and the VOT registry's "mil" are one row, with every benchmark's column."""
    trackers = pd.read_csv(maintainer_report / "tables" / "trackers.csv")
    assert sorted(trackers.tracker) == ["MIL", "Static"]
    mil = trackers.set_index("tracker").loc["MIL"]
    for column in ("OTB success AUC", "GOT-10k AO", "VOT baseline EAO", f"VOT {MULTISTART} EAO"):
        assert np.isfinite(mil[column]), column
    from analysis.figures import Style

    style = Style(["MIL", "mil", "Static", "static"])
    assert style("MIL") == style("mil") and style("MIL")["color"] != style("static")["color"]


def test_attribute_all_row_equals_the_toolkit_accuracy(maintainer_report):
    attributes = pd.read_csv(maintainer_report / "tables" / "attributes_vot.csv")
    board = pd.read_csv(maintainer_report / "tables" / "leaderboard_vot.csv").set_index("tracker")
    rows = attributes[attributes.attribute == "all"].set_index("tracker")
    for tracker in board.index:
        assert rows.loc[tracker, "accuracy"] == board.loc[tracker, "accuracy"]
    assert "empty" not in set(attributes.attribute)


def test_published_rows_marked_and_never_mixed(maintainer_report):
    published = pd.read_csv(maintainer_report / "tables" / "published_vot2015.csv")
    assert len(published) == 16 and (published.kind == "published").all()
    docs = REPO.parent / "shared" / "docs" / "published.md"
    if docs.is_file():  # the shipped rows are the document's Table 3, number for number
        rows = {}
        for line in docs.read_text().split("## Effect")[0].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 5 and cells[1].replace(".", "").isdigit():
                rows[cells[0]] = (float(cells[1]), float(cells[2]), float(cells[3]))
        assert len(rows) == 16
        for _, row in published.iterrows():
            assert rows[row.tracker] == (row.accuracy, row.failures, row.eao)
    measured = pd.read_csv(maintainer_report / "tables" / "leaderboard_vot.csv")
    assert not set(published.tracker) & set(measured.tracker) and "kind" not in measured
    datasize = pd.read_csv(maintainer_report / "tables" / "published_datasize.csv")
    assert list(datasize.eao) == [0.144, 0.188, 0.210, 0.244]


def test_partial_and_failed_runs_are_reported(maintainer, tmp_path):
    """A run cut short, missing sequences and anchors, an unreadable report: listed (tracker, sequence, why),
    exit 0, the rest of the leaderboard built, no temporary folder left behind."""
    import shutil

    copy = tmp_path / "outputs"
    shutil.copytree(maintainer, copy, symlinks=True)
    shutil.rmtree(copy / "got10k-output" / "results" / "GOT-10k" / "Static" / GOT10K_SEQUENCES[1])
    (copy / "got10k-output" / "reports" / "OTB" / "Static" / "performance.json").write_text("{not json")
    trajectory = copy / "workspace" / "results" / "mil" / "baseline" / "bag" / "bag_001.bin"
    trajectory.write_bytes(trajectory.read_bytes()[:200])
    for path in (copy / "workspace" / "results" / "static" / MULTISTART / "ball1").glob("ball1_00000010*"):
        path.unlink()
    out = tmp_path / "board"
    done = _report(["--out", str(out), "--got10k", str(copy / "got10k-output"),
                    "--otb-root", str(copy / "data" / "otb"), "--vot-workspace", str(copy / "workspace")])
    assert done.returncode == 0, done.stderr
    problems = pd.read_csv(out / "tables" / "problems.csv").fillna("")
    found = {}
    for p in problems.itertuples():
        found[(p.toolkit, p.experiment, p.tracker, p.sequence)] = found.get((p.toolkit, p.experiment, p.tracker,
                                                                             p.sequence), "") + p.why
    assert "no results" in found[("got10k", "GOT-10k", "Static", GOT10K_SEQUENCES[1])]
    assert "unreadable" in found[("got10k", "OTB", "Static", "")]
    assert "frames" in found[("vot", "baseline", "mil", "bag")] or "unreadable" in found[("vot", "baseline", "mil",
                                                                                          "bag")]
    assert "anchor frame(s) 10" in found[("vot", MULTISTART, "static", "ball1")]
    assert "Incomplete or failed runs" in (out / "index.md").read_text()
    assert "anchor frame(s) 10" in done.stderr
    assert (out / "tables" / "leaderboard_vot_vot2020_baseline.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_report_replaces_its_outputs_whole_or_not_at_all(maintainer, maintainer_report, tmp_path, monkeypatch):
    """A report that fails half-way leaves the previous one as it was and no temporary folder."""
    import shutil

    from analysis import report

    out = tmp_path / "board"
    shutil.copytree(maintainer_report, out)
    before = (out / "index.md").read_text()
    (out / "got10k").mkdir()  # a leaderboard run's own folders beside the report are never touched

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(report, "_write_html", broken)
    with pytest.raises(OSError):
        report.build_report(str(out), str(maintainer / "got10k-output"))
    assert (out / "index.md").read_text() == before and (out / "got10k").is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    report.build_report(str(out), str(maintainer / "got10k-output"))
    assert (out / "index.md").read_text() != before and (out / "got10k").is_dir()
    assert not list(out.glob(".old-report-*"))


def test_datasize_figure_takes_the_shipped_curve(maintainer, tmp_path):
    import matplotlib.image as mpimg

    curve = tmp_path / "datasize.csv"
    curve.write_text("fraction,auc,objects\n0.25,0.21,400\n0.5,0.30,800\n1.0,0.41,1600\n")
    out = tmp_path / "board"
    done = _report(["--out", str(out), "--got10k", str(maintainer / "got10k-output"), "--datasize-curve",
                    str(curve)])
    assert done.returncode == 0, done.stderr
    with_curve = mpimg.imread(out / "figures" / "datasize.png")
    assert "datasize.csv" in (out / "index.md").read_text()
    done = _report(["--out", str(out), "--got10k", str(maintainer / "got10k-output")])
    assert not (out / "figures" / "datasize.png").exists()  # a got10k-only page without a curve: no VOT2015 figure
    done = _report(["--out", str(out), "--got10k", str(maintainer / "got10k-output"), "--vot-workspace",
                    str(maintainer / "workspace")])
    without = mpimg.imread(out / "figures" / "datasize.png")  # beside the VOT section: Table 2 alone
    assert with_curve.shape[1] > 1.6 * without.shape[1]  # a second panel
    (tmp_path / "bad.csv").write_text("share,score\n0.5,0.3\n")
    done = _report(["--out", str(out), "--got10k", str(maintainer / "got10k-output"), "--datasize-curve",
                    str(tmp_path / "bad.csv")])
    assert done.returncode == 2 and "fraction and auc" in done.stderr and "Traceback" not in done.stderr


def test_report_refuses_bad_input_with_one_line(tmp_path):
    done = _report(["--out", str(tmp_path / "x")])
    assert done.returncode == 2 and "nothing to report" in done.stderr
    done = _report(["--out", str(tmp_path / "x"), "--got10k", str(tmp_path / "absent")])
    assert done.returncode == 2 and "not found" in done.stderr and "Traceback" not in done.stderr


# ---- the demo ranks ----------------------------------------------------------------------------------------------
def test_synthetic_benchmark_tags_every_attribute(tmp_path):
    from siamfc_plugin.data.synthetic import TAGS, SyntheticConfig, write_benchmark

    names = write_benchmark(str(tmp_path), SyntheticConfig(sequences=2, frames=40, style="demo"))
    for name in names:
        for tag in TAGS:
            values = np.loadtxt(tmp_path / name / f"{tag}.tag")
            assert len(values) == 40 and 0 < values.sum() < 40, (name, tag)
    stamp = json.loads((tmp_path / "synthetic.json").read_text())
    assert stamp["distractors"] == 2
    before = (tmp_path / names[0] / "img" / "0010.jpg").read_bytes()
    write_benchmark(str(tmp_path), SyntheticConfig(sequences=2, frames=40, style="demo", distractors=0))  # anew
    assert (tmp_path / names[0] / "img" / "0010.jpg").read_bytes() != before


@pytest.mark.slow  # 6-20 s on 2 cores: the full suite runs it, the quick subset (-m "not slow") does not
def test_demo_ranks_static_mil_siamfc(trained_checkpoint, tmp_path):
    """The demo's benchmark separates the trackers (shipped model): static < MIL < SiamFC with clear gaps. (Its
    progress bars are drawn on a terminal only: tests/test_progress.py runs them on a pseudo-terminal.)"""
    done = subprocess.run([sys.executable, "-m", "siamfc_plugin", "demo", "--data", str(tmp_path / "syn"),
                           "--out", str(tmp_path / "demo"), "--synthetic-sequences", "3", "--frames", "60",
                           "--peers", "MIL,Static", "--skip-vot", "--threads", "1"], cwd=REPO, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    board = pd.read_csv(tmp_path / "demo" / "tables" / "leaderboard_otb.csv").set_index("tracker")
    auc = board["success_auc"]
    assert auc["Static"] + 0.1 < auc["MIL"] < auc["SiamFC-3s"] - 0.1, auc.to_dict()
    assert "100%" not in done.stderr  # stderr is a pipe here: no progress bar
    assert pd.isna(board.loc["Static", "fps"]) and "no speed" in done.stdout


def test_report_reads_uav123_dtb70_and_got10k_vot_results(maintainer, tmp_path):
    """The other got10k experiments a maintainer runs, really run (static box) on the same real frames: UAV123
    (anno/ + data_seq/ layout, NaN rows kept), DTB70 (OTB-like) and got10k's own VOT experiment."""
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment
    from siamfc_plugin.core.peers import make_peer

    otb = maintainer / "data" / "otb"
    uav = tmp_path / "UAV123"
    (uav / "anno" / "UAV123").mkdir(parents=True)
    for seq in OTB_SEQUENCES:
        (uav / "data_seq" / "UAV123" / seq).mkdir(parents=True)
        for frame in sorted((otb / seq / "img").iterdir()):
            (uav / "data_seq" / "UAV123" / seq / frame.name).symlink_to(frame.resolve())
        (uav / "anno" / "UAV123" / f"{seq}.txt").write_text((otb / seq / "groundtruth_rect.txt").read_text())
    out = tmp_path / "got10k-output"
    for dataset, root in (("uav123", uav), ("dtb70", otb), ("vot", maintainer / "workspace" / "sequences")):
        run_experiment(Got10kTracker(make_peer("Static"), name="Static", is_deterministic=True), dataset, str(root),
                       str(out))
    board = tmp_path / "board"
    done = _report(["--out", str(board), "--got10k", str(out), "--dataset-root", f"UAV123={uav}",
                    "--dataset-root", f"DTB70={otb}"])
    assert done.returncode == 0, done.stderr
    uav_board = pd.read_csv(board / "tables" / "leaderboard_uav123.csv").set_index("tracker")
    with open(out / "reports" / "UAV123" / "Static" / "performance.json") as handle:
        got10k_uav = json.load(handle)["Static"]["overall"]
    # got10k's UAV123 experiment leaves NaN rows out too: the same number, computed independently
    assert uav_board.loc["Static", "success_auc"] == pytest.approx(got10k_uav["success_score"], abs=1e-9)
    assert uav_board.loc["Static", "absent_frames"] == len(ABSENT)
    dtb = pd.read_csv(board / "tables" / "leaderboard_dtb70.csv").set_index("tracker")
    assert dtb.loc["Static", "success_auc"] > dtb.loc["Static", "success_auc_got10k"]  # got10k's OTB rule
    vot = pd.read_csv(board / "tables" / "leaderboard_got10k_vot.csv").set_index("tracker")
    with open(out / "reports" / "VOT" / "Static" / "performance.json") as handle:
        assert vot.loc["Static", "accuracy"] == json.load(handle)["Static"]["accuracy"]
    index = (board / "index.md").read_text()
    assert "## UAV123 one-pass evaluation (got10k)" in index and "## DTB70 one-pass evaluation (got10k)" in index
    assert "got10k's VOT experiment" in index
