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

MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*", "<", ">", "h", "p", "d", "8", "H"]  # filled: visible at any size
REALTIME_FPS = 25.0


# The page's own trackers (SiamFC in any spelling: got10k's "SiamFC-3s", a VOT id "siamfc_authors", the paper's
# "SiameseFC-AlexNet") in strong colours, drawn thicker and on top; the peers in muted ones, never grey (the EAO
# interval band and the notes are grey), so that a page's own rows stand out at a glance.
OWN_PREFIXES = ("siamfc", "siamesefc")
OWN_COLOURS = ("#1565c0", "#d84315", "#2e7d32", "#6a1b9a", "#c2185b", "#00838f", "#f9a825", "#283593")
OWN_LINEWIDTH, PEER_LINEWIDTH = 2.6, 1.4


def _muted(colour) -> tuple:
    """Half way to a mid grey: the hue kept (peers stay apart), the saturation halved or more."""
    return tuple(0.5 * c + 0.5 * 0.62 for c in matplotlib.colors.to_rgb(colour))


# tab20 without its two greys, muted
PEER_COLOURS = tuple(_muted(c) for i, c in enumerate(plt.get_cmap("tab20").colors) if i not in (14, 15))


def is_own(name: str) -> bool:
    """True for the page's own trackers (SiamFC rows, measured or published)."""
    from .tables import tracker_key

    return tracker_key(name).startswith(OWN_PREFIXES)


class Style:
    """A colour and marker per tracker, derived from its name alone (a CRC-32 of analysis.tables.tracker_key), so
    a tracker keeps them in every figure and every report, whichever other trackers are there; "SiamFC" (got10k)
    and "siamfc" (a VOT registry id) share one. Own trackers (is_own) take a strong colour (OWN_COLOURS), peers a
    muted one (PEER_COLOURS). Two peers that land on the same colour get different markers; `trackers` only moves
    such a rare full collision to the next free pair, and gives own trackers of one page different colours (a
    few strong colours: lines, which have no markers, must still tell them apart)."""

    def __init__(self, trackers=()) -> None:
        import zlib

        from .tables import tracker_key

        self.key = tracker_key
        self.colour, self.marker = {}, {}
        taken, own_taken = set(), set()
        for key in sorted({tracker_key(n) for n in trackers}):
            own = key.startswith(OWN_PREFIXES)
            palette = OWN_COLOURS if own else PEER_COLOURS
            code = zlib.crc32(key.encode("utf-8"))
            for _ in range(len(palette) * len(MARKERS)):
                pair = (palette[code % len(palette)], MARKERS[(code // len(palette)) % len(MARKERS)])
                if pair not in taken and not (own and pair[0] in own_taken and len(own_taken) < len(palette)):
                    break
                code += 1
            taken.add(pair)
            if own:
                own_taken.add(pair[0])
            self.colour[key], self.marker[key] = pair

    def __call__(self, name: str) -> dict:
        """Colour, marker and drawing order (own trackers on top), for markers: ax.plot(x, y, **style(name))."""
        import zlib

        key = self.key(name)
        own = key.startswith(OWN_PREFIXES)
        if key not in self.colour:
            palette = OWN_COLOURS if own else PEER_COLOURS
            code = zlib.crc32(key.encode("utf-8"))
            colour, marker = palette[code % len(palette)], MARKERS[(code // len(palette)) % len(MARKERS)]
        else:
            colour, marker = self.colour[key], self.marker[key]
        return {"color": colour, "marker": marker, "zorder": 4 if own else 3}

    def line(self, name: str) -> dict:
        """Colour, width and drawing order of a tracker's curve: own trackers thicker and on top."""
        own = is_own(name)
        return {"color": self(name)["color"], "linewidth": OWN_LINEWIDTH if own else PEER_LINEWIDTH,
                "zorder": 4 if own else 3}


def figure_title(fig) -> str:
    """The figure's title and its panels' titles, ' | '-joined (written into the PNG and PDF metadata)."""
    parts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    parts += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return " | ".join(p.replace("\n", " ") for p in parts if p)


def save(fig, path_png: str | None):
    """Write the figure as PNG and PDF (its title in their metadata); return the PNG's path. path_png None: the
    figure itself, unsaved (for inspection: every figure function below takes path None)."""
    if path_png is None:
        return fig
    os.makedirs(os.path.dirname(os.path.abspath(path_png)), exist_ok=True)
    title = figure_title(fig)
    fig.savefig(path_png, dpi=150, bbox_inches="tight", metadata={"Title": title})
    fig.savefig(os.path.splitext(path_png)[0] + ".pdf", bbox_inches="tight", metadata={"Title": title})
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
        _note(ax, "EAO undefined for every tracker\n(no run reached the EAO interval)")
        return
    for rank, row in table.iterrows():
        ax.plot(rank + 1, row[value], linestyle="none", markersize=9, markeredgecolor="black",
                markeredgewidth=0.5, label=f"{row['tracker']} (EAO {row[value]:.3f})", **style(row["tracker"]))
        if n <= 6:  # more names would overlap: the legend (outside the axes) names them
            ax.annotate(row["tracker"], (rank + 1, row[value]), textcoords="offset points", xytext=(0, 8),
                        ha="center", fontsize=7)
    ax.set_xlim(n + 0.7, 0.3)  # rank 1 (the best) at the right, as in the VOT reports and the SiamFC paper
    ax.set_xticks(range(1, n + 1))
    ax.set_xlabel("order (rank 1 = highest EAO, at the right)")
    ax.set_ylabel("expected average overlap")
    top = float(table[value].max())
    ax.set_ylim(0, max(0.05, top * 1.25))
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, numpoints=1)
    if unranked:
        ax.text(0.99, 0.02, "EAO undefined (no run reached the interval): " + ", ".join(unranked),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="grey")


def eao_ranking(measured: pd.DataFrame, path: str, published: pd.DataFrame | None = None,
                measured_title: str = "measured (this run)", published_title: str = "published",
                style: Style | None = None, title: str = "VOT baseline experiment") -> str:
    """EAO ranking in the style of the SiamFC paper's Figure 3. Published numbers get their own panel, never mixed
    with measured ones (other sequences, other hardware)."""
    panels = 2 if published is not None and len(published.dropna(subset=["eao"])) else 1
    style = style or Style(list(measured["tracker"]) + (list(published["tracker"]) if panels == 2 else []))
    fig, axes = plt.subplots(1, panels, figsize=(8 * panels, 4.5), squeeze=False)
    _ranking_axis(axes[0, 0], measured, style, measured_title)
    if panels == 2:
        _ranking_axis(axes[0, 1], published, style, published_title)
    fig.suptitle(f"Expected average overlap ranking: {title}", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def ar_plot(summary: pd.DataFrame, path: str, sensitivity: float | None = 30.0, title: str = "",
            style: Style | None = None, kind: str = "supervised") -> str:
    """Accuracy-robustness plot (VOT), best top right. x: supervised stack: exp(-S * failures / length);
    multistart stack: the share of frames tracked (VOT2020's robustness). y: accuracy."""
    style = style or Style(summary["tracker"])
    x = "robustness_share_tracked" if kind == "multistart" else "robustness_ar_plot"
    fig, ax = plt.subplots(figsize=(5.2, 5))
    for _, row in summary.dropna(subset=["accuracy", x]).iterrows():
        ax.plot(row[x], row["accuracy"], linestyle="none", markersize=9, markeredgecolor="black",
                markeredgewidth=0.5, clip_on=False, label=f"{row['tracker']} (A {row['accuracy']:.2f}, "
                + (f"F {row['failures_per_sequence']:.2f}/seq)" if x == "robustness_ar_plot" else
                   f"R {row[x]:.2f})"), **style(row["tracker"]))
    ax.set_xlim(-0.03, 1.05)  # markers at 0 and 1 (no failure) stay whole
    ax.set_ylim(-0.03, 1.05)
    s = f"{sensitivity:g}" if sensitivity else "S"
    ax.set_xlabel(f"AR-plot robustness  exp(-{s} x failures / frames)" if x == "robustness_ar_plot" else
                  "VOT2020 robustness (share of frames tracked before failure)")
    ax.set_ylabel("accuracy (mean overlap)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False, numpoints=1)
    ax.set_title(title or "Accuracy-robustness (VOT)", fontsize=10)
    return save(fig, path)


def eao_curves(curves: dict[str, np.ndarray], path: str, low: int | None = None, high: int | None = None,
               scores: dict[str, float] | None = None, style: Style | None = None,
               title: str = "VOT baseline") -> str:
    """EAO curves (expected average overlap against sequence length) with the score interval shaded."""
    style = style or Style(curves.keys())
    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    order = sorted(curves, key=lambda t: -np.nan_to_num((scores or {}).get(t, 0.0), nan=-1.0))
    for tracker in order:
        curve = np.asarray(curves[tracker], float)
        score = (scores or {}).get(tracker)
        label = tracker + ("" if score is None else f" [EAO {score:.3f}]" if np.isfinite(score) else " [EAO n/a]")
        ax.plot(np.arange(len(curve)), curve, label=label, **style.line(tracker))
    if low is not None and high is not None:
        ax.axvspan(low, high, color="grey", alpha=0.15, zorder=1, label=f"EAO interval [{low}, {high}]")
    ax.set_xlabel("sequence length (frames)")
    ax.set_ylabel("expected average overlap")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(f"EAO curves ({title})", fontsize=10)
    return save(fig, path)


def _success_axis(ax, curves: dict[str, dict[str, np.ndarray]], style: Style) -> None:
    """Success curves, best AUC first; the legend says its number is the AUC."""
    for tracker in sorted(curves, key=lambda t: -float(np.mean(curves[t]["success_curve"]))):
        succ = np.asarray(curves[tracker]["success_curve"], float)
        ax.plot(IOU_THRESHOLDS[: len(succ)], succ, label=f"{tracker} [AUC {succ.mean():.3f}]", **style.line(tracker))
    ax.set(xlabel="overlap threshold", ylabel="success rate", xlim=(0, 1), ylim=(0, 1.02),
           title="Success plot (legend: AUC, the area under the curve)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left", frameon=True)
    ax.title.set_fontsize(10)


def _precision_axis(ax, curves: dict[str, dict[str, np.ndarray]], style: Style) -> None:
    """Precision curves, best precision at 20 px first; the legend says its number is that precision."""
    for tracker in sorted(curves, key=lambda t: -float(curves[t]["precision_curve"][20])):
        prec = np.asarray(curves[tracker]["precision_curve"], float)
        ax.plot(CENTER_THRESHOLDS[: len(prec)], prec, label=f"{tracker} [P@20px {prec[20]:.3f}]",
                **style.line(tracker))
    ax.set(xlabel="location error threshold (px)", ylabel="precision", xlim=(0, 50), ylim=(0, 1.02),
           title="Precision plot (legend: P@20px, the precision at 20 px)")
    ax.axvline(20, color="grey", linestyle=":", linewidth=1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right", frameon=True)
    ax.title.set_fontsize(10)


def otb_plots(curves: dict[str, dict[str, np.ndarray]], path: str, title: str = "OTB one-pass (OPE)",
              style: Style | None = None) -> str:
    """Success plot (legend: AUC) and precision plot (legend: precision at 20 px), several trackers."""
    style = style or Style(curves.keys())
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    _success_axis(left, curves, style)
    _precision_axis(right, curves, style)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def one_pass_panel(curves: dict[str, dict[str, np.ndarray]], path: str, kind: str, title: str,
                   style: Style | None = None) -> str:
    """The success plot (kind 'success') or the precision plot ('precision') alone: got10k's own report files
    (success_plots.png, precision_plots.png), drawn like the leaderboard's."""
    style = style or Style(curves.keys())
    fig, ax = plt.subplots(figsize=(6, 4.5))
    (_success_axis if kind == "success" else _precision_axis)(ax, curves, style)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def attribute_bars(table: pd.DataFrame, path: str, derived: tuple[str, ...] = (), style: Style | None = None,
                   title: str = "VOT baseline") -> str:
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
        edge = {"edgecolor": "black", "linewidth": 1.0 if is_own(tracker) else 0.4}
        top.bar(x + offset, rows["accuracy"].to_numpy(float), width, label=tracker, color=style(tracker)["color"],
                **edge)
        bottom.bar(x + offset, rows["failures_per_100"].to_numpy(float), width, color=style(tracker)["color"],
                   **edge)
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
    note = f"Per-attribute results on tagged frames ({title})."
    if derived:
        note += " *derived here from the ground truth (no .tag files)."
    top.set_title(note, fontsize=9)
    fig.tight_layout()
    return save(fig, path)


def speed_accuracy(points: pd.DataFrame, path: str, style: Style | None = None, note: str = "") -> str:
    """Speed vs accuracy scatter: one panel per benchmark (column `benchmark`), x = fps (log), y = `score`
    (column `metric` names it). Measured numbers only."""
    points = points.dropna(subset=["fps", "score"])
    points = points[points["fps"] > 0]
    benchmarks = list(dict.fromkeys(points["benchmark"]))  # a benchmark without any scored speed: no empty panel
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
        ax.set(xlabel="speed (frames per second; CPU and load: see the title)" if note else
               "speed (frames per second)", ylabel=metric, ylim=(0, 1))
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False, numpoints=1)
        ax.set_title(bench, fontsize=10)
    fig.suptitle("Speed vs accuracy (measured)" + (f"\n{note}" if note else ""), fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def got10k_plot(curves: dict[str, np.ndarray], path: str, title: str = "GOT-10k", style: Style | None = None) -> str:
    """GOT-10k success plot: share of frames with IoU above each of 101 thresholds (legend: AO, as got10k's
    report: the mean overlap)."""
    style = style or Style(curves.keys())
    fig, ax = plt.subplots(figsize=(6, 4.5))
    areas = {t: float(np.mean(c)) for t, c in curves.items()}
    for tracker in sorted(curves, key=lambda t: -areas[t]):
        curve = np.asarray(curves[tracker], float)
        ax.plot(np.linspace(0, 1, len(curve)), curve, label=f"{tracker} [AO {areas[tracker]:.3f}]",
                **style.line(tracker))
    ax.set(xlabel="overlap threshold", ylabel="success rate", xlim=(0, 1), ylim=(0, 1.02),
           title="Success plot (legend: AO, the area under the curve = the mean overlap)")
    ax.title.set_fontsize(10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def datasize_plot(published: pd.DataFrame, path: str, shipped: pd.DataFrame | None = None) -> str:
    """The SiamFC paper's Table 2 (VOT2015 EAO against the share of ImageNet VID used) beside the shipped model's
    own data-size curve (dev success AUC against the share of its training objects), when one is given. Two panels:
    different benchmarks and measures, never one axis."""
    panels = 2 if shipped is not None and len(shipped) else 1
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.2), squeeze=False)
    ax = axes[0, 0]
    ax.plot(published["percent"], published["eao"], marker="o", color="tab:grey", linewidth=1.6, clip_on=False)
    last = published["percent"].max()
    for _, row in published.iterrows():  # the rightmost label goes left of its point: inside the axes
        right = row["percent"] == last
        ax.annotate(f"{row['objects']} objects", (row["percent"], row["eao"]), textcoords="offset points",
                    xytext=(-4 if right else 4, -12), ha="right" if right else "left", fontsize=7)
    ax.set_xscale("log")
    ax.set_xticks(published["percent"])
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set(xlabel="share of ImageNet VID used for training", ylabel="VOT2015 EAO", ylim=(0, 0.3))
    ax.set_title("published: SiamFC paper, Table 2 (not measured here)", fontsize=9)
    ax.grid(alpha=0.3)
    if panels == 2:
        ax = axes[0, 1]
        ax.plot(100 * shipped["fraction"], shipped["auc"], marker="s", color="tab:blue", linewidth=1.6,
                clip_on=False)
        ax.set_xscale("log")
        ticks = sorted(set(100 * shipped["fraction"]))
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}%"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set(xlabel="share of the training objects used", ylabel="dev success AUC", ylim=(0, 1))
        ax.set_title(f"measured: {shipped.attrs.get('label', 'shipped model')}", fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle("Effect of the amount of training data", fontsize=11)
    fig.tight_layout()
    return save(fig, path)


def longterm_plots(pr_curves: dict[str, np.ndarray], f_curves: dict[str, np.ndarray], scores: dict[str, float],
                   path: str, style: Style | None = None, title: str = "VOT long-term") -> str:
    """VOT-LT: the precision-recall curve over confidence thresholds (the best-F point marked) and the F-score
    against the confidence threshold."""
    style = style or Style(list(pr_curves) + list(f_curves))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.3))
    order = sorted(set(pr_curves) | set(f_curves), key=lambda t: -np.nan_to_num(scores.get(t, np.nan), nan=-1.0))
    for tracker in order:
        score = scores.get(tracker, np.nan)
        label = f"{tracker} [F-score {score:.3f}]" if np.isfinite(score) else f"{tracker} [F-score n/a]"
        curve = pr_curves.get(tracker)
        f = f_curves.get(tracker)
        if curve is not None and len(curve):
            left.plot(curve[:, 0], curve[:, 1], label=label, **style.line(tracker))
            if f is not None and np.isfinite(f).any() and len(f) == len(curve):
                best = int(np.nanargmax(f))
                left.plot(curve[best, 0], curve[best, 1], linestyle="none", markeredgecolor="black", markersize=8,
                          **style(tracker))
                finite = np.isfinite(curve[:, 2])
                right.plot(curve[finite, 2], f[finite], label=label, **style.line(tracker))
                right.plot(curve[best, 2], f[best], linestyle="none", markeredgecolor="black", markersize=8,
                           **style(tracker))
    left.set_xlabel("tracking recall")
    left.set_ylabel("tracking precision")
    left.set_xlim(0, 1)
    left.set_ylim(0, 1.02)
    left.grid(alpha=0.3)
    left.legend(fontsize=7, frameon=False)
    left.set_title("precision-recall over confidence thresholds", fontsize=10)
    right.set_xlabel("confidence threshold (frames below it count as 'target absent')")
    right.set_ylabel("F-score")
    right.set_ylim(0, 1)
    right.grid(alpha=0.3)
    right.set_title("F-score curve", fontsize=10)
    if not right.lines:
        _note(right, "no F-score curve in the analysis")
    fig.suptitle(title, fontsize=11)
    return save(fig, path)


def vots_plots(summary: pd.DataFrame, quality_plots: dict[str, np.ndarray], path: str, style: Style | None = None,
               title: str = "VOTS") -> str:
    """VOTS: accuracy against robustness (its AR plot) and the quality plot (share of frames whose overlap exceeds
    a threshold, against the threshold)."""
    style = style or Style(summary["tracker"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.3))
    for _, row in summary.dropna(subset=["accuracy", "robustness"]).iterrows():
        left.plot(row["robustness"], row["accuracy"], linestyle="none", markersize=9, markeredgecolor="black",
                  markeredgewidth=0.5, clip_on=False,
                  label=f"{row['tracker']} (Q {row['quality']:.2f}, A {row['accuracy']:.2f}, R {row['robustness']:.2f})",
                  **style(row["tracker"]))
    left.set_xlim(-0.03, 1.05)
    left.set_ylim(-0.03, 1.05)
    left.set_xlabel("VOTS robustness (share of visible frames tracked: overlap > 0)")
    left.set_ylabel("accuracy (mean overlap on frames tracked)")
    left.grid(alpha=0.3)
    left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False, numpoints=1)
    left.set_title("accuracy-robustness", fontsize=10)
    for tracker, curve in quality_plots.items():
        curve = np.asarray(curve, float)
        right.plot(curve[:, 0], curve[:, 1], label=tracker, **style.line(tracker))
    right.set_xlabel("overlap threshold")
    right.set_ylabel("share of frames above it")
    right.set_xlim(0, 1)
    right.set_ylim(0, 1.02)
    right.grid(alpha=0.3)
    right.legend(fontsize=7, frameon=False)
    right.set_title("quality plot", fontsize=10)
    if not right.lines:
        _note(right, "no quality plot in the analysis")
    fig.suptitle(title, fontsize=11)
    return save(fig, path)
