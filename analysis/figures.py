"""Figures (matplotlib, Agg): each is written as PNG and PDF; functions return the PNG path.

Inputs are the tidy tables of analysis.collect / analysis.tables, never toolkit paths. Colours and markers are
fixed per tracker name across all figures (SiamFC variants first, in blue/orange).
"""
from __future__ import annotations

import os

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .measures import CENTER_THRESHOLDS, IOU_THRESHOLDS  # noqa: E402

MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*", "<", ">", "h", "p", "d", "8", "H", "1"]
REALTIME_FPS = 25.0


class Style:
    """A colour and marker per tracker, stable across figures."""

    def __init__(self, trackers) -> None:
        names = sorted(set(trackers), key=lambda n: (not n.lower().startswith("siamfc"), n.lower()))
        cmap = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
        self.colour = {n: cmap(i % cmap.N) for i, n in enumerate(names)}
        self.marker = {n: MARKERS[i % len(MARKERS)] for i, n in enumerate(names)}

    def __call__(self, name: str) -> dict:
        return {"color": self.colour.get(name, "grey"), "marker": self.marker.get(name, "o")}


def save(fig, path_png: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path_png)), exist_ok=True)
    fig.savefig(path_png, dpi=150, bbox_inches="tight")
    fig.savefig(os.path.splitext(path_png)[0] + ".pdf", bbox_inches="tight")
    plt.close(fig)
    return path_png


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10, color="grey", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def _ranking_axis(ax, table: pd.DataFrame, style: Style, title: str, value: str = "eao") -> None:
    """SiamFC paper Figure 3 / VOT style: EAO against rank, trackers ordered right (best) to left."""
    unranked = list(table.loc[table[value].isna(), "tracker"])
    table = table.dropna(subset=[value]).sort_values(value, ascending=False).reset_index(drop=True)
    n = len(table)
    if not n:
        _note(ax, "no EAO")
        return
    for rank, row in table.iterrows():
        ax.plot(rank + 1, row[value], linestyle="none", markersize=9, markeredgecolor="black",
                markeredgewidth=0.5, label=f"{row['tracker']} ({row[value]:.3f})", **style(row["tracker"]))
        ax.annotate(row["tracker"], (rank + 1, row[value]), textcoords="offset points", xytext=(0, 8),
                    ha="center", fontsize=7, rotation=45 if n > 6 else 0)
    ax.set_xlim(n + 0.7, 0.3)  # rank 1 (the best) at the right, as in the VOT reports and the SiamFC paper
    ax.set_xticks(range(1, n + 1))
    ax.set_xlabel("order (rank 1 = highest EAO, at the right)")
    ax.set_ylabel("expected average overlap")
    top = float(table[value].max())
    ax.set_ylim(0, max(0.05, top * 1.25))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", frameon=False, numpoints=1)
    if unranked:
        ax.text(0.99, 0.02, "EAO undefined (no run reached the interval): " + ", ".join(unranked),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="grey")


def eao_ranking(measured: pd.DataFrame, path: str, published: pd.DataFrame | None = None,
                measured_title: str = "measured (this run)", published_title: str = "published",
                style: Style | None = None) -> str:
    """EAO ranking in the style of the SiamFC paper's Figure 3. Published numbers get their own panel, never mixed
    with measured ones (other sequences, other hardware)."""
    panels = 2 if published is not None and len(published.dropna(subset=["eao"])) else 1
    style = style or Style(list(measured["tracker"]) + (list(published["tracker"]) if panels == 2 else []))
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.5), squeeze=False)
    _ranking_axis(axes[0, 0], measured, style, measured_title)
    if panels == 2:
        _ranking_axis(axes[0, 1], published, style, published_title)
    fig.suptitle("Expected average overlap ranking (VOT baseline experiment)", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def ar_plot(summary: pd.DataFrame, path: str, sensitivity: float | None = 30.0, title: str = "",
            style: Style | None = None) -> str:
    """Accuracy-robustness plot (VOT): x = robustness exp(-S * failures / length), y = accuracy; best top right."""
    style = style or Style(summary["tracker"])
    fig, ax = plt.subplots(figsize=(5.2, 5))
    for _, row in summary.dropna(subset=["accuracy", "robustness"]).iterrows():
        ax.plot(row["robustness"], row["accuracy"], linestyle="none", markersize=9, markeredgecolor="black",
                markeredgewidth=0.5, label=f"{row['tracker']} (A {row['accuracy']:.2f}, F {row['failures']:.2f})",
                **style(row["tracker"]))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    s = f"{sensitivity:g}" if sensitivity else "S"
    ax.set_xlabel(f"robustness  exp(-{s} x failures / frames)")
    ax.set_ylabel("accuracy (mean overlap)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False, numpoints=1)
    ax.set_title(title or "Accuracy-robustness (VOT baseline)", fontsize=10)
    return save(fig, path)


def eao_curves(curves: dict[str, np.ndarray], path: str, low: int | None = None, high: int | None = None,
               scores: dict[str, float] | None = None, style: Style | None = None) -> str:
    """EAO curves (expected average overlap against sequence length) with the score interval shaded."""
    style = style or Style(curves.keys())
    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    order = sorted(curves, key=lambda t: -np.nan_to_num((scores or {}).get(t, 0.0), nan=-1.0))
    for tracker in order:
        curve = np.asarray(curves[tracker], float)
        score = (scores or {}).get(tracker)
        label = tracker + ("" if score is None else f" [{score:.3f}]" if np.isfinite(score) else " [n/a]")
        ax.plot(np.arange(len(curve)), curve, label=label, color=style(tracker)["color"], linewidth=1.6)
    if low is not None and high is not None:
        ax.axvspan(low, high, color="grey", alpha=0.15, label=f"EAO interval [{low}, {high}]")
    ax.set_xlabel("sequence length (frames)")
    ax.set_ylabel("expected average overlap")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("EAO curves (VOT baseline)", fontsize=10)
    return save(fig, path)


def otb_plots(curves: dict[str, dict[str, np.ndarray]], path: str, title: str = "OTB one-pass (OPE)",
              style: Style | None = None) -> str:
    """Success plot (legend: AUC) and precision plot (legend: precision at 20 px), several trackers."""
    style = style or Style(curves.keys())
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    by_auc = sorted(curves, key=lambda t: -float(np.mean(curves[t]["success_curve"])))
    for tracker in by_auc:
        succ = np.asarray(curves[tracker]["success_curve"], float)
        left.plot(IOU_THRESHOLDS[: len(succ)], succ, color=style(tracker)["color"], linewidth=1.8,
                  label=f"{tracker} [{succ.mean():.3f}]")
    by_prec = sorted(curves, key=lambda t: -float(curves[t]["precision_curve"][20]))
    for tracker in by_prec:
        prec = np.asarray(curves[tracker]["precision_curve"], float)
        right.plot(CENTER_THRESHOLDS[: len(prec)], prec, color=style(tracker)["color"], linewidth=1.8,
                   label=f"{tracker} [{prec[20]:.3f}]")
    left.set(xlabel="overlap threshold", ylabel="success rate", xlim=(0, 1), ylim=(0, 1.02),
             title="Success plot (legend: AUC)")
    right.set(xlabel="location error threshold (px)", ylabel="precision", xlim=(0, 50), ylim=(0, 1.02),
              title="Precision plot (legend: precision at 20 px)")
    right.axvline(20, color="grey", linestyle=":", linewidth=1)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left" if ax is left else "lower right", frameon=True)
        ax.title.set_fontsize(10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def attribute_bars(table: pd.DataFrame, path: str, derived: tuple[str, ...] = (), style: Style | None = None
                   ) -> str:
    """Per-attribute accuracy and failures (VOT tags). table: tracker, attribute, frames, accuracy,
    failures_per_100 (see analysis.tables.attribute_table). Attributes without tagged frames are marked."""
    attributes = list(dict.fromkeys(table["attribute"]))
    trackers = list(dict.fromkeys(table["tracker"]))
    style = style or Style(trackers)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(7.5, 1.3 * len(attributes) * max(1, len(trackers)) / 2.5),
                                                     6.5), sharex=True)
    width = 0.8 / max(1, len(trackers))
    x = np.arange(len(attributes))
    for i, tracker in enumerate(trackers):
        rows = table[table["tracker"] == tracker].set_index("attribute").reindex(attributes)
        offset = (i - (len(trackers) - 1) / 2) * width
        top.bar(x + offset, rows["accuracy"].to_numpy(float), width, label=tracker, color=style(tracker)["color"],
                edgecolor="black", linewidth=0.4)
        bottom.bar(x + offset, rows["failures_per_100"].to_numpy(float), width, color=style(tracker)["color"],
                   edgecolor="black", linewidth=0.4)
    frames = table.groupby("attribute", sort=False)["frames"].max().reindex(attributes)
    source = table.groupby("attribute", sort=False)["source"].first().reindex(attributes) if "source" in table \
        else pd.Series("tags", index=attributes)
    labels = []
    for a in attributes:
        name = a.replace("_", " ") + ("*" if a in derived else "")
        n = frames.get(a, 0)
        n = int(n) if n == n else 0
        labels.append(f"{name}\n(not annotated)" if source.get(a) == "not annotated" else f"{name}\n({n} frames)")
    bottom.set_xticks(x)
    bottom.set_xticklabels(labels, fontsize=8)
    top.set_ylabel("accuracy (mean overlap)")
    top.set_ylim(0, 1)
    bottom.set_ylabel("failures per 100 frames")
    for ax in (top, bottom):
        ax.grid(axis="y", alpha=0.3)
    top.legend(fontsize=8, ncol=min(4, len(trackers)), frameon=False, loc="upper right")
    note = "Per-attribute results on tagged frames (VOT baseline)."
    if derived:
        note += " *derived here from the ground truth (no .tag files)."
    top.set_title(note, fontsize=9)
    fig.tight_layout()
    return save(fig, path)


def speed_accuracy(points: pd.DataFrame, path: str, style: Style | None = None, note: str = "") -> str:
    """Speed vs accuracy scatter: one panel per benchmark (column `benchmark`), x = fps (log), y = `score`
    (column `metric` names it). Measured numbers only."""
    benchmarks = list(dict.fromkeys(points["benchmark"]))
    style = style or Style(points["tracker"])
    fig, axes = plt.subplots(1, max(1, len(benchmarks)), figsize=(5.5 * max(1, len(benchmarks)), 4.5),
                             squeeze=False)
    for ax, bench in zip(axes[0], benchmarks):
        rows = points[(points["benchmark"] == bench)].dropna(subset=["fps", "score"])
        rows = rows[rows["fps"] > 0]
        for _, row in rows.iterrows():
            ax.plot(row["fps"], row["score"], linestyle="none", markersize=9, markeredgecolor="black",
                    markeredgewidth=0.5, label=f"{row['tracker']} ({row['fps']:.0f} fps)", **style(row["tracker"]))
        if len(rows):
            low, high = min(rows["fps"].min(), REALTIME_FPS) / 2, max(rows["fps"].max(), REALTIME_FPS) * 2
            ax.set_xscale("log")
            ax.set_xlim(low, high)
            ticks = [t * 10 ** e for e in range(-2, 7) for t in (1, 2, 5) if low <= t * 10 ** e <= high]
            ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.axvline(REALTIME_FPS, color="grey", linestyle="--", linewidth=1)
        ax.text(REALTIME_FPS, 0.02, " 25 fps", transform=ax.get_xaxis_transform(), fontsize=7, color="grey",
                va="bottom")
        metric = rows["metric"].iloc[0] if len(rows) else "score"
        ax.set(xlabel="speed (frames per second, this machine)", ylabel=metric, ylim=(0, 1))
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False, numpoints=1)
        ax.set_title(bench, fontsize=10)
    fig.suptitle("Speed vs accuracy (measured)" + (f"\n{note}" if note else ""), fontsize=11)
    fig.tight_layout()
    return save(fig, path)
