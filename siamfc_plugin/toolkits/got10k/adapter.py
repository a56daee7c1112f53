"""got10k edge: a got10k Tracker wrapping any tracking core, and the numpy-2 / offline patches got10k 0.1.3 needs."""
from __future__ import annotations

import os

import numpy as np

from ...common.errors import InvalidBoxError
from ...core.frame_loop import run_frames


def patch_got10k() -> None:
    """Make got10k 0.1.3 work under numpy 2 (idempotent).

    - np.NaN was removed in numpy 2; got10k's VOT experiment still uses it.
    - ExperimentVOT._calc_iou builds an array from poly_iou results that are 1-element arrays mixed with NaN floats
      (a ValueError for ragged input on numpy >= 1.24): make poly_iou return a float for a single box.
    """
    if not hasattr(np, "NaN"):
        np.NaN = np.nan
    import got10k.experiments.vot as vot_experiment

    if getattr(vot_experiment.poly_iou, "_siamfc_patched", False):
        return
    original = vot_experiment.poly_iou

    def poly_iou(polys1, polys2, bound=None):
        result = original(polys1, polys2, bound)
        return float(np.asarray(result).reshape(-1)[0]) if np.ndim(polys1) == 1 else result

    poly_iou._siamfc_patched = True
    vot_experiment.poly_iou = poly_iou


patch_got10k()

from got10k.trackers import Tracker  # noqa: E402  (after the numpy patch)


class Got10kTracker(Tracker):
    """got10k's four-method Tracker around a core with init(image, box) and update(image) -> x,y,w,h."""

    def __init__(self, core, name: str = "SiamFC", is_deterministic: bool = True) -> None:
        super().__init__(name=name, is_deterministic=is_deterministic)
        self.core = core

    def init(self, image, box) -> None:
        self.core.init(np.asarray(image), box)

    def update(self, image) -> np.ndarray:
        return np.asarray(self.core.update(np.asarray(image)), dtype=np.float64)

    def track(self, img_files, box, visualize=False):
        """As got10k's track(), but frames decoded by OpenCV (faster than PIL) and decoding kept out of the times."""
        try:
            run = run_frames(self.core, img_files, np.asarray(box, dtype=np.float64))
        except InvalidBoxError as exc:  # the box is the sequence's first ground-truth line: say which sequence
            where = os.path.dirname(str(img_files[0])) if len(img_files) else "a sequence without frames"
            raise InvalidBoxError(f"{where}: the first ground-truth box cannot start a tracker: {exc}") from None
        return run.boxes, run.seconds
