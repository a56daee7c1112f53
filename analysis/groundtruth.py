"""Ground truth of the benchmark layouts, as the leaderboard scores it: read by the plugin's one reader
(siamfc_plugin.formats, the ground floor, which imports nothing of the model), so that the page pairs frames with
ground-truth lines exactly as the got10k runs did (by number; OTB's official ranges; every line a box, a documented
absence or refused).

Boxes are x,y,w,h in 0-based pixels, as the trackers and got10k's results use them (OTB and DTB70 files are 1-based
and shifted by one on reading, as the runs did); a row of NaN is an absent target (UAV123's NaN lines, OTB's NaN
lines). A refused line is never an absent frame: read_one_pass_groundtruth lists it (file and line) and the page
then uses got10k's own numbers for that experiment.

Result files (not ground truth) are read line by line with read_regions / bounding_box.
"""
from __future__ import annotations

import glob
import os
import re

import numpy as np

from siamfc_plugin.formats.lines import region_box
from siamfc_plugin.formats.sequences import groundtruth_counts, read_sequences

# the layout each got10k one-pass experiment's folder was read in (toolkits/got10k/experiments.py)
EXPERIMENT_LAYOUTS = {"DTB70": "dtb70", "UAV123": "uav123"}


class GroundTruth(dict):
    """{sequence: (N, 4) boxes} of one dataset root, with the reader's counts (formats.sequences.groundtruth_counts)
    and the refused lines ('file:line: reason')."""

    def __init__(self, boxes: dict, counts: dict, refused: list[str]) -> None:
        super().__init__(boxes)
        self.counts = counts
        self.refused = refused


def read_one_pass_groundtruth(root: str, experiment: str = "OTB") -> GroundTruth:
    """The ground truth of a got10k one-pass experiment's dataset root (OTB or DTB70 layout, or UAV123's anno/
    data_seq), every line read: refused lines are collected (GroundTruth.refused), not raised."""
    layout = EXPERIMENT_LAYOUTS.get(experiment.upper())
    if layout is None:
        layout = "uav123" if os.path.isdir(os.path.join(root, "anno", "UAV123")) else "otb"
    names = None
    if layout != "uav123":  # the sequence folders (the root may hold other folders)
        names = sorted({os.path.basename(os.path.dirname(p))
                        for p in glob.glob(os.path.join(glob.escape(root), "*", "groundtruth_rect*.txt"))})
        if not names:
            raise FileNotFoundError(f"{root}: no <sequence>/groundtruth_rect.txt (OTB layout) or anno/UAV123 here")
    sequences = read_sequences(root, layout, names, strict=False)
    refused = [f"{seq.groundtruth}:{line}: {why}" for seq in sequences for line, why in seq.refused]
    return GroundTruth({seq.name: seq.boxes for seq in sequences}, groundtruth_counts(sequences), refused)


def read_regions(path: str) -> list[np.ndarray]:
    """The regions of a results file, one array per line (x,y,w,h or a polygon; any of , \t or space between
    values); a line that is not numbers gives a NaN rectangle (frame numbering stays). Not for ground truth."""
    regions = []
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                regions.append(np.array([float(t) for t in re.split(r"[,\s]+", line) if t]))
            except ValueError:
                regions.append(np.full(4, np.nan))
    return regions


def bounding_box(values) -> np.ndarray:
    """x,y,w,h of a rectangle (as it is) or of a polygon's bounding box; NaN for anything else."""
    v = np.asarray(values, float).reshape(-1)
    if v.size == 4 or (v.size >= 6 and v.size % 2 == 0 and np.all(np.isfinite(v))):
        return region_box(v)
    return np.full(4, np.nan)
