"""Figures that read at a glance, checked on the figures themselves: the page's own trackers (SiamFC rows) in strong
colours and drawn on top, peers muted; the metric named in every legend; dataset and sequence count in titles; the
CPU and load on the speed plot, from the record written beside the results; only the sections a page has data for.
Real got10k and vot-toolkit runs (OpenCV peers, the static box; no torch) on the synthetic benchmark."""
from __future__ import annotations

import colorsys
import json

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis import figures

OWN = ["SiamFC-3s", "siamfc_authors", "SiamFC-5s-1a2b3c4d"]
PEERS = ["MIL", "KCF", "CSRT", "Static"]


def saturation(colour) -> float:
    return colorsys.rgb_to_hsv(*matplotlib.colors.to_rgb(colour))[1]


def _curves(names):
    rng = np.random.default_rng(0)
    return {n: {"success_curve": np.sort(rng.uniform(0, 1, 21))[::-1],
                "precision_curve": np.sort(rng.uniform(0, 1, 51))} for n in names}


def _lines(ax) -> dict:
    return {line.get_label().split(" [")[0]: line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_own_trackers_strong_and_on_top_peers_muted():
    style = figures.Style(OWN + PEERS)
    own = [saturation(style(n)["color"]) for n in OWN]
    peers = [saturation(style(n)["color"]) for n in PEERS]
    assert min(own) >= 0.6, dict(zip(OWN, own))  # not grey, not pastel: never lost in the grey EAO band
    assert max(peers) <= 0.5 and max(peers) < min(own), dict(zip(PEERS, peers))
    assert len({style(n)["color"] for n in OWN}) == len(OWN)  # own curves (no markers) told apart by colour
    for name in OWN:
        for peer in PEERS:
            assert style.line(name)["linewidth"] > style.line(peer)["linewidth"]
            assert style.line(name)["zorder"] > style.line(peer)["zorder"]
    assert figures.is_own("SiameseFC-AlexNet") and not figures.is_own("MDNet")  # the paper's rows are SiamFC too


def test_success_and_precision_legends_name_their_metric():
    fig = figures.otb_plots(_curves(OWN[:1] + PEERS), None, "OTB one-pass evaluation (got10k): 5 sequences")
    success, precision = fig.axes
    for ax, metric in ((success, "AUC"), (precision, "P@20px")):
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels and all(f"[{metric} " in label for label in labels), labels
        lines = _lines(ax)
        assert saturation(lines["SiamFC-3s"].get_color()) >= 0.6
        assert all(saturation(lines[p].get_color()) <= 0.5 for p in PEERS)
        assert lines["SiamFC-3s"].get_linewidth() > lines["MIL"].get_linewidth()
    assert "AUC" in success.get_title() and "precision at 20 px" in precision.get_title()
    assert figures.figure_title(fig).startswith("OTB one-pass evaluation (got10k): 5 sequences")


def test_eao_curves_name_the_eao_and_own_curves_stand_out_of_the_interval_band():
    curves = {n: np.linspace(0.9, 0.4 + 0.1 * i, 40) for i, n in enumerate(["SiamFC-3s", "MIL", "Static"])}
    fig = figures.eao_curves(curves, None, 30, 39, {"SiamFC-3s": 0.62, "MIL": 0.5, "Static": float("nan")},
                             title="VOT baseline: 3 sequences")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "SiamFC-3s [EAO 0.620]" in labels and "Static [EAO n/a]" in labels, labels
    band = next(p for p in ax.patches)  # the grey EAO interval
    own = _lines(ax)["SiamFC-3s"]
    assert own.get_zorder() > band.get_zorder() and saturation(own.get_color()) >= 0.6
    assert "3 sequences" in ax.get_title()


def test_got10k_and_ranking_legends_name_their_metric():
    fig = figures.got10k_plot({"SiamFC-3s": np.linspace(1, 0, 101), "MIL": np.linspace(0.8, 0, 101)}, None,
                              "GOT-10k (got10k): 4 sequences")
    assert all("[AO " in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    board = pd.DataFrame({"tracker": ["SiamFC-3s", "MIL"], "eao": [0.3, 0.2]})
    fig = figures.eao_ranking(board, None)
    assert all("(EAO " in t.get_text() for t in fig.axes[0].get_legend().get_texts())


# ---- a page from real results --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def got10k_only(tmp_path_factory, synthetic_root):
    """got10k one-pass results of two peers on the synthetic benchmark (3 sequences), and their page."""
    from analysis.report import build_report
    from siamfc_plugin.core.peers import make_peer
    from siamfc_plugin.toolkits.got10k.adapter import Got10kTracker
    from siamfc_plugin.toolkits.got10k.experiments import run_experiment

    root = tmp_path_factory.mktemp("got10k-only")
    for peer in ("MIL", "Static"):
        run_experiment(Got10kTracker(make_peer(peer), name=peer), "otb", str(synthetic_root), str(root / "got10k"))
    build_report(str(root / "page"), str(root / "got10k"), None, {"OTB": str(synthetic_root)})
    return root


def _title(path) -> str:
    with Image.open(path) as image:
        return image.info.get("Title", "")


def test_got10k_only_page_has_only_its_own_sections(got10k_only):
    page = got10k_only / "page"
    index = (page / "index.md").read_text()
    sections = [line[3:] for line in index.splitlines() if line.startswith("## ")]
    assert "OTB one-pass evaluation (got10k)" in sections and "Speed vs accuracy" in sections, sections
    assert not [s for s in sections if "Published" in s or "VOT" in s], sections
    assert not (page / "figures" / "datasize.png").exists()
    assert not list((page / "tables").glob("published_*"))
    summary = json.loads((page / "summary.json").read_text())
    assert "datasize" not in summary["figures"]


def test_titles_name_dataset_and_sequence_count(got10k_only):
    page = got10k_only / "page"
    title = _title(page / "figures" / "otb_otb_success_precision.png")
    assert "OTB" in title and "3 sequences" in title, title
    assert "AUC" in title  # the success panel's title says what its legend's number is


def test_got10k_own_report_plots_name_dataset_count_and_metric(got10k_only):
    """got10k's success_plots.png / precision_plots.png in reports/ (what `siamfc eval` users open first)."""
    report = got10k_only / "got10k" / "reports" / "OTB" / "MIL"
    for name, metric in (("success_plots.png", "AUC"), ("precision_plots.png", "P@20px")):
        title = _title(report / name)
        assert "OTB" in title and "3 sequences" in title and metric in title, title


def test_speed_plot_names_the_cpu_and_load_from_the_results_record(got10k_only):
    from siamfc_plugin.common.machine import PROC_CPUINFO, cpu_model

    record = json.loads((got10k_only / "got10k" / "results" / "OTB" / "MIL" / "machine.json").read_text())
    assert record["cpu"] == cpu_model(PROC_CPUINFO) and record["sequences_run"] == 3
    assert len(record["load_average_end"]) == 3
    title = _title(got10k_only / "page" / "figures" / "speed_accuracy.png")
    assert f"CPU: {cpu_model(PROC_CPUINFO)}" in title and "load average" in title, title
    assert "OTB one-pass (got10k): 3 sequences" in title


def test_vot_results_carry_their_cpu_and_the_page_names_it(tmp_path):
    """`siamfc vot evaluate` writes results/<tracker>/machine.json; the VOT page's speed plot names that CPU."""
    from analysis.report import build_report
    from siamfc_plugin.cli import main as siamfc_main
    from siamfc_plugin.common.machine import PROC_CPUINFO, cpu_model

    workspace = tmp_path / "ws"
    assert siamfc_main(["vot", "prepare", "--synthetic", "--workspace", str(workspace), "--sequences", "2",
                        "--synthetic-frames", "20"]) == 0
    stack = workspace / "stacks" / "baseline.yaml"  # one run, an EAO interval inside 20 frames (VOT2015's is not)
    stack.write_text(stack.read_text().replace("repetitions: 15", "repetitions: 1").replace("low: 108", "low: 5")
                     .replace("high: 371", "high: 19"))
    assert siamfc_main(["vot", "evaluate", "--workspace", str(workspace), "--quiet", "MIL"]) == 0
    record = json.loads((workspace / "results" / "MIL" / "machine.json").read_text())
    assert record["cpu"] == cpu_model(PROC_CPUINFO) and record["sequences_run"] == 2
    outputs = build_report(str(tmp_path / "page"), None, str(workspace))
    title = _title(outputs.figures["speed_accuracy"])
    assert f"CPU: {cpu_model(PROC_CPUINFO)}" in title and "2 sequences" in title, title
    assert "2 sequences" in _title(outputs.figures["eao_curves"])
