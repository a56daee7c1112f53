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
    code = main(["leaderboard", "--checkpoint", random_checkpoint, "--threads", "1",
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
        assert row.accuracy == ar[i][0] and row.failures == ar[i][1] and row.robustness == ar[i][2][0]
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
        assert row.failures == pytest.approx(ref.failures, abs=1e-12)  # failures are exact (same trajectories)
        assert row.robustness == pytest.approx(ref.robustness, abs=1e-12)
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
        assert "fps" in csv and csv["fps"].notna().all()
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
def test_analysis_imports_nothing_of_the_plugin():
    """analysis/ reads result files: every module of it imports without siamfc_plugin or torch."""
    modules = sorted(p.stem for p in (REPO / "analysis").glob("*.py") if p.stem != "__main__")
    code = ("import sys, importlib\n"
            f"for m in {modules!r}: importlib.import_module('analysis.' + m)\n"
            "import analysis.cli; analysis.cli.build_parser()\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('siamfc_plugin', 'torch'))\n"
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_leaderboard_and_peers_start_without_torch():
    """The leaderboard's own process and the peers' trax entry never load the network (SiamFC runs in a child)."""
    code = ("import sys; import siamfc_plugin.tools.leaderboard, siamfc_plugin.tools.leaderboard_cli, "
            "siamfc_plugin.toolkits.peers, siamfc_plugin.toolkits.vot.peers_trax; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_siamfc_cli_registers_leaderboard():
    from siamfc_plugin.cli import build_parser

    args = build_parser().parse_args(["leaderboard", "--root", "x", "--out", "y", "--checkpoint", "c.pth"])
    assert args.root == "x" and args.out == "y" and args.checkpoint == "c.pth" and args.vot_root is None


def test_leaderboard_refuses_without_a_model(tmp_path, monkeypatch):
    from siamfc_plugin.cli import main
    from siamfc_plugin.tools import leaderboard_cli

    monkeypatch.setattr(leaderboard_cli, "_shipped_model_exists", lambda arch: False)
    assert main(["leaderboard", "--out", str(tmp_path)]) == 2


def test_eao_interval_rule():
    assert measures.eao_interval([400, 500, 1000]) == (108, 371)
    low, high = measures.eao_interval([30, 30])
    assert 1 <= low <= high <= 29


# ---- peers ---------------------------------------------------------------------------------------------------------
def test_peers_follow_the_core_interface(otb_root):
    from siamfc_plugin.data.images import read_frame
    from siamfc_plugin.toolkits.peers import available_peers, make_peer

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

    from siamfc_plugin.toolkits.peers import OpenCVTracker

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
    from siamfc_plugin.toolkits.peers import make_peer, opencv_has_contrib, peer_unavailable_reason

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
    from siamfc_plugin.toolkits.peers import make_peer

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
    from siamfc_plugin.toolkits.peers import make_peer, opencv_has_contrib

    if not opencv_has_contrib():
        pytest.skip("opencv-contrib-python is not the installed cv2 (see README, Peers)")
    seq = read_otb_sequence(str(otb_root / "Crossing"))[0]
    boxes, times = Got10kTracker(make_peer(name), name).track(seq.frames[:40], seq.boxes[0])
    assert boxes.shape == (40, 4) and np.all(np.isfinite(boxes))
    assert float(np.mean(iou(boxes, seq.boxes[:40]))) > min_iou
