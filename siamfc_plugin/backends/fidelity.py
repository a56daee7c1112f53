"""How faithful a scoring backend is to the eager fp32 reference, by two measures:

(a) shared state: at every frame, the reference and each candidate start from the *reference's* state (centre,
    size, the same search crops) and take one tracking step each; the box IoU of the two steps and the distance
    between the centres they move to (the score peak's displacement, in frame pixels). A free run is chaotic where
    the reference itself loses the target (one different step and the runs never meet again); this is not.
(b) one-pass AUC: each candidate tracks every dev sequence freely; its success AUC minus the reference's.

A backend is faithful when (a) mean IoU >= FAITHFUL_IOU over all dev frames and (b) |AUC change| <= FAITHFUL_AUC on
every dev sequence. fp32 backends (torch, torch-fp32, onnx) are faithful by construction; the measure decides for
the reduced-precision ones (int8, torch-bf16, torch-fp16).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.frame_loop import run_sequence
from ..core.metrics import iou, success_auc
from ..data.images import to_rgb_uint8
from ..data.readers import Sequence

FAITHFUL_IOU = 0.99
FAITHFUL_AUC = 0.01


@dataclass
class SequenceFidelity:
    """Per candidate, on one sequence: shared-state IoUs and centre shifts per step, free-run AUC."""
    ious: list = field(default_factory=list)
    shifts: list = field(default_factory=list)
    auc: float = float("nan")


def shared_state_steps(reference, candidates: dict, frames, first_box) -> tuple[np.ndarray, dict]:
    """Run the reference tracker freely over `frames`; at each frame every candidate tracker takes one step from
    the reference's state on the reference's crops. Returns (reference boxes, {name: (ious, shifts)})."""
    reference.init(frames[0], first_box)
    for tracker in candidates.values():
        tracker.init(frames[0], first_box)
    boxes = np.zeros((len(frames), 4))
    boxes[0] = first_box
    out = {name: ([], []) for name in candidates}
    for k, image in enumerate(frames[1:], start=1):
        frame = to_rgb_uint8(image)
        crops = reference.search_crops(frame)
        state = reference.center.copy(), reference.target_size.copy()
        for name, tracker in candidates.items():
            tracker.center, tracker.target_size = state[0].copy(), state[1].copy()
            box = tracker.advance(tracker.score(crops), frame)
            out[name][0].append(box)
        # the reference's own step last: it moves the state the candidates started from
        boxes[k] = reference.advance(reference.score(crops), frame)
        for name in candidates:
            out[name][1].append(boxes[k])
    result = {}
    for name, (cand, ref) in out.items():
        cand, ref = np.array(cand).reshape(-1, 4), np.array(ref).reshape(-1, 4)
        centre = lambda b: b[:, :2] + b[:, 2:] / 2  # noqa: E731
        result[name] = (iou(cand, ref), np.linalg.norm(centre(cand) - centre(ref), axis=1))
    return boxes, result


def free_run_auc(tracker, name: str, frames, gt) -> float:
    """One-pass AUC of `tracker` on decoded frames (the evaluation runner's loop)."""
    return run_sequence(tracker, Sequence(name, list(frames), np.asarray(gt)), frames=frames).auc


def measure(reference, candidates: dict, sequences, progress=None) -> dict:
    """Both fidelity measures of every candidate tracker against the reference tracker over `sequences`
    ((name, frames, ground truth) triples, read one at a time: an iterator keeps one sequence in memory).
    Returns {"sequences": [...], "reference_auc": {...}, "backends": {name: summary}}."""
    reference_auc, per = {}, {name: {} for name in candidates}
    for seq_name, frames, gt in sequences:
        ref_boxes, steps = shared_state_steps(reference, candidates, frames, gt[0])
        reference_auc[seq_name] = success_auc(ref_boxes, gt)
        for name, tracker in candidates.items():
            ious, shifts = steps[name]
            per[name][seq_name] = SequenceFidelity(list(ious), list(shifts),
                                                   free_run_auc(tracker, seq_name, frames, gt))
        if progress:
            progress(seq_name)
    return {"sequences": list(reference_auc), "reference_auc": {k: round(v, 4) for k, v in reference_auc.items()},
            "backends": {name: summarise(rows, reference_auc) for name, rows in per.items()}}


def summarise(rows: dict[str, SequenceFidelity], reference_auc: dict[str, float]) -> dict:
    ious = np.concatenate([np.asarray(r.ious) for r in rows.values()]) if rows else np.zeros(0)
    shifts = np.concatenate([np.asarray(r.shifts) for r in rows.values()]) if rows else np.zeros(0)
    deltas = {name: r.auc - reference_auc[name] for name, r in rows.items()}
    worst = max(deltas, key=lambda n: abs(deltas[n])) if deltas else None
    summary = {
        "steps": int(len(ious)),
        "mean_iou": round(float(ious.mean()), 4) if len(ious) else None,
        "p1_iou": round(float(np.percentile(ious, 1)), 4) if len(ious) else None,
        "mean_shift_px": round(float(shifts.mean()), 3) if len(shifts) else None,
        "p99_shift_px": round(float(np.percentile(shifts, 99)), 3) if len(shifts) else None,
        "max_shift_px": round(float(shifts.max()), 3) if len(shifts) else None,
        "auc_delta": {name: round(d, 4) for name, d in deltas.items()},
        "mean_auc_delta": round(float(np.mean(list(deltas.values()))), 4) if deltas else None,
        "worst_auc_delta": round(deltas[worst], 4) if worst else None,
        "worst_sequence": worst,
    }
    summary["faithful"] = bool(len(ious) and ious.mean() >= FAITHFUL_IOU and
                               all(abs(d) <= FAITHFUL_AUC for d in deltas.values()))
    return summary
