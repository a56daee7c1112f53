"""got10k edge: a got10k Tracker wrapping any tracking core, and the numpy-2 / offline patches got10k 0.1.3 needs."""
from __future__ import annotations

import os

import numpy as np

from ...common import progress
from ...common.errors import InvalidBoxError
from ...core.frame_loop import run_frames


def patch_got10k() -> None:
    """Make got10k 0.1.3 work under numpy 2 (idempotent).

    - np.NaN was removed in numpy 2; got10k's VOT experiment still uses it.
    - ExperimentVOT._calc_iou builds an array from poly_iou results that are 1-element arrays mixed with NaN floats
      (a ValueError for ragged input on numpy >= 1.24): make poly_iou return a float for a single box.
    - A frame whose ground truth is unknown (VOT's 0 or NaN line, a NaN row here) crashes shapely inside poly_iou:
      its overlap is NaN instead, which got10k's supervised run never counts as a failure and its report leaves out
      (vot-toolkit's own rule for unknown ground truth).
    """
    if not hasattr(np, "NaN"):
        np.NaN = np.nan
    import got10k.experiments.vot as vot_experiment

    if getattr(vot_experiment.poly_iou, "_siamfc_patched", False):
        return
    original = vot_experiment.poly_iou

    def poly_iou(polys1, polys2, bound=None):
        if np.ndim(polys1) == 1 and not (np.all(np.isfinite(polys1)) and np.all(np.isfinite(polys2))):
            return float("nan")
        result = original(polys1, polys2, bound)
        return float(np.asarray(result).reshape(-1)[0]) if np.ndim(polys1) == 1 else result

    poly_iou._siamfc_patched = True
    vot_experiment.poly_iou = poly_iou


patch_got10k()

from got10k.trackers import Tracker  # noqa: E402  (after the numpy patch)


class Got10kTracker(Tracker):
    """got10k's four-method Tracker around a core with init(image, box) and update(image) -> x,y,w,h.

    spec (backends/spec.py TrackerSpec) and record: the tracker's description and what its results folder records
    beside it; the experiments of toolkits/got10k/experiments.py write them into the results folder
    (tracker-spec.json), as `siamfc eval` does, so that either can resume or report the other's results.
    track() shows the frames of the sequence it runs (frames done/total, fps) on a terminal, unless `quiet`
    (common/progress.py: never in a log or a pipe)."""

    def __init__(self, core, name: str = "SiamFC", is_deterministic: bool = True, spec=None,
                 record: dict | None = None, quiet: bool = False) -> None:
        super().__init__(name=name, is_deterministic=is_deterministic)
        self.core = core
        self.spec = spec
        self.record = dict(record or {})
        self.quiet = quiet

    @classmethod
    def from_built(cls, built, quiet: bool = False) -> "Got10kTracker":
        """The tracker build_tracker() built (backends/build.py BuiltTracker), named and recorded exactly as `siamfc
        eval` names and records it."""
        return cls(built.tracker, name=built.name, spec=built.spec, record=built.results_record(), quiet=quiet)

    def init(self, image, box) -> None:
        self.core.init(np.asarray(image), box)

    def update(self, image) -> np.ndarray:
        return np.asarray(self.core.update(np.asarray(image)), dtype=np.float64)

    def track(self, img_files, box, visualize=False):
        """As got10k's track(), but frames decoded by OpenCV (faster than PIL) and decoding kept out of the times."""
        frames = progress.frames(img_files, len(img_files), sequence_name(img_files), quiet=self.quiet, leave=False)
        try:
            run = run_frames(self.core, frames, np.asarray(box, dtype=np.float64))
        except InvalidBoxError as exc:  # the box is the sequence's first ground-truth line: say which sequence
            where = os.path.dirname(str(img_files[0])) if len(img_files) else "a sequence without frames"
            raise InvalidBoxError(f"{where}: the first ground-truth box cannot start a tracker: {exc}") from None
        return run.boxes, run.seconds


def sequence_name(img_files) -> str:
    """The sequence a list of frame paths belongs to: <seq>/img/0001.jpg (OTB), <seq>/color/... (VOT),
    <seq>/00000001.jpg (GOT-10k)."""
    if not len(img_files):
        return ""
    folder = os.path.dirname(str(img_files[0]))
    name = os.path.basename(folder)
    return os.path.basename(os.path.dirname(folder)) if name in ("img", "color") else name
