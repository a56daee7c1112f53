"""How faithful a scoring backend is to the eager fp32 reference, by two measures:

(a) shared state: at every frame, the reference and each candidate start from the *reference's* state (centre,
    size, the same search crops) and take one tracking step each; the box IoU of the two steps and the distance
    between the centres they move to (the score peak's displacement, in frame pixels). A free run is chaotic where
    the reference itself loses the target (one different step and the runs never meet again); this is not.
(b) one-pass AUC: each candidate tracks every dev sequence freely; its success AUC minus the reference's.

The rule (judge(), calibrated on the reference's own noise: `siamfc bench --calibrate`): a backend is faithful when
(a) mean IoU >= FAITHFUL_IOU over all dev frames, (b) on every dev sequence its AUC change lies within the eager fp32
reference's own spread there (its largest AUC change under perturbations that keep its arithmetic's meaning: the other
thread count, +-1 grey level of noise on the frames with several seeds; at least SPREAD_FLOOR) and (c) its mean AUC
change over the dev set is within +-MEAN_AUC_MAX. Without a calibration (a sequence whose spread was not measured)
the bound there is SPREAD_FLOOR alone. fp32 backends (torch, torch-fp32, onnx) compute the reference's maths; the
measure decides for the reduced-precision ones (int8, torch-bf16, torch-fp16).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.frame_loop import run_sequence
from ..core.metrics import iou, success_auc
from ..data.images import to_rgb_uint8
from ..data.readers import Sequence

FAITHFUL_IOU = 0.99


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


def sequence_fidelity(reference, candidates: dict, name: str, frames, gt) -> tuple[float, dict[str, SequenceFidelity]]:
    """Both measures on one sequence: (the reference's one-pass AUC, {candidate: its SequenceFidelity})."""
    ref_boxes, steps = shared_state_steps(reference, candidates, frames, gt[0])
    return float(success_auc(ref_boxes, gt)), {
        cand: SequenceFidelity(list(ious), list(shifts), float(free_run_auc(tracker, name, frames, gt)))
        for (cand, tracker), (ious, shifts) in zip(candidates.items(), (steps[c] for c in candidates))}


def measure(reference, candidates: dict, sequences, progress=None, spread: dict | None = None) -> dict:
    """Both fidelity measures of every candidate tracker against the reference tracker over `sequences`
    ((name, frames, ground truth) triples, read one at a time: an iterator keeps one sequence in memory).
    spread: the reference's spread per sequence (a calibration), for the verdict.
    Returns {"sequences": [...], "reference_auc": {...}, "backends": {name: summary}}."""
    reference_auc, per = {}, {name: {} for name in candidates}
    for seq_name, frames, gt in sequences:
        reference_auc[seq_name], rows = sequence_fidelity(reference, candidates, seq_name, frames, gt)
        for name, row in rows.items():
            per[name][seq_name] = row
        if progress:
            progress(seq_name)
    return {"sequences": list(reference_auc), "reference_auc": {k: round(v, 4) for k, v in reference_auc.items()},
            "backends": {name: summarise(rows, reference_auc, spread) for name, rows in per.items()}}


def summarise(rows: dict[str, SequenceFidelity], reference_auc: dict[str, float],
              spread: dict[str, float] | None = None) -> dict:
    """Both measures over the sequences, and the verdict of judge() given the reference's spread per sequence (None
    or a sequence missing from it: SPREAD_FLOOR)."""
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
    summary["faithful"], summary["why_not"] = judge(summary, spread or {})
    summary["rule"] = "calibrated" if spread and set(deltas) <= set(spread) else "floor"
    return summary


# ---- the reference's own spread, and the rule calibrated on it ---------------------------------------------------------
# The eager fp32 reference is not one number per sequence either: perturbations that keep the meaning of its arithmetic
# (another thread count, so other float summation orders; +-1 grey level of noise on the frames, as a camera or a
# decoder would give) move its one-pass AUC. A reduced-precision backend is as faithful as the reference is to itself
# when (a) its shared-state steps agree with the reference's (mean IoU >= FAITHFUL_IOU), (b) on every dev sequence its
# AUC change lies within the reference's spread there (the largest |change| over the perturbations, at least
# SPREAD_FLOOR) and (c) its mean AUC change over the dev set is within MEAN_AUC_MAX.
MEAN_AUC_MAX = 0.005
SPREAD_FLOOR = 0.002  # below this a per-sequence AUC change is not resolved by a few perturbation samples
NOISE_LEVEL = 1  # grey levels


def perturb_frames(frames, seed: int, name: str, level: int = NOISE_LEVEL, jpeg: int | None = None) -> list:
    """The frames with independent uniform integer noise in [-level, level] per pixel and channel (uint8, clipped),
    seeded by (seed, sequence name, frame index); then, with jpeg=QUALITY, re-encoded as JPEG at that quality."""
    import zlib

    import cv2

    out = []
    for index, frame in enumerate(frames):
        rng = np.random.default_rng([seed, zlib.crc32(name.encode()), index])
        image = np.asarray(frame)
        noisy = np.clip(image.astype(np.int16) + rng.integers(-level, level + 1, image.shape, dtype=np.int16),
                        0, 255).astype(np.uint8)
        if jpeg:
            ok, data = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg)])
            noisy = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if ok else noisy
        out.append(noisy)
    return out


def perturbation_names(threads: int, seeds=(1, 2), jpeg: int | None = None) -> list[str]:
    """The reference's perturbations: the other thread count (1 <-> 2), one noise run per seed, then (jpeg=QUALITY)
    one run per seed of the same noisy frames re-encoded as JPEG."""
    other = 1 if threads != 1 else 2
    return ([f"threads-{other}"] + [f"noise{NOISE_LEVEL}-seed{s}" for s in seeds]
            + [f"noise{NOISE_LEVEL}-seed{s}-jpeg{jpeg}" for s in seeds if jpeg])


def reference_spread(reference, name: str, frames, gt, reference_auc: float, threads: int, seeds=(1, 2),
                     jpeg: int | None = None, other_threads=None) -> dict[str, float]:
    """{perturbation: the reference's AUC under it minus its unperturbed AUC} on one sequence. `reference` ran at
    `threads` threads; other_threads: the same engine at the other thread count (None: `reference` itself with
    torch's thread count switched, for the eager torch reference)."""
    import torch

    changes = {}
    names = perturbation_names(threads, seeds, jpeg)
    if other_threads is None:
        before = torch.get_num_threads()
        torch.set_num_threads(int(names[0].split("-")[1]))
        try:
            changes[names[0]] = free_run_auc(reference, name, frames, gt) - reference_auc
        finally:
            torch.set_num_threads(before)
    else:
        changes[names[0]] = free_run_auc(other_threads, name, frames, gt) - reference_auc
    runs = [(seed, None) for seed in seeds] + [(seed, jpeg) for seed in seeds if jpeg]
    for (seed, quality), label in zip(runs, names[1:]):
        changes[label] = free_run_auc(reference, name, perturb_frames(frames, seed, name, jpeg=quality), gt) \
            - reference_auc
    return {k: round(float(v), 4) for k, v in changes.items()}


def spread_of(changes: dict[str, float]) -> float:
    """The reference's spread on one sequence: its largest |AUC change| under the perturbations."""
    return round(max((abs(v) for v in changes.values()), default=0.0), 4)


CRITERION = {"mean_iou_min": FAITHFUL_IOU, "auc_delta": "within the reference's spread per sequence",
             "spread_floor": SPREAD_FLOOR, "mean_auc_delta_max": MEAN_AUC_MAX}


def judge(summary: dict, spread: dict[str, float], iou_min: float = FAITHFUL_IOU, mean_max: float = MEAN_AUC_MAX,
          floor: float = SPREAD_FLOOR) -> tuple[bool, list[str]]:
    """The calibrated rule on one backend's summary (mean_iou, auc_delta per sequence) given the reference's spread per
    sequence. Returns (faithful, the reasons it is not). A sequence without a measured spread is bound by the floor."""
    reasons = []
    if summary.get("mean_iou") is None or summary["mean_iou"] < iou_min:
        reasons.append(f"shared-state mean IoU {summary.get('mean_iou')} < {iou_min}")
    deltas = summary.get("auc_delta") or {}
    if not deltas:
        reasons.append("no AUC change measured")
    for seq, delta in deltas.items():
        bound = max(spread.get(seq, 0.0), floor)
        if abs(delta) > bound + 1e-9:
            reasons.append(f"{seq}: AUC change {delta:+.4f} outside the reference's spread +-{bound:.4f}"
                           + ("" if seq in spread else " (not calibrated: the floor)"))
    if deltas:
        mean = float(np.mean(list(deltas.values())))
        if abs(mean) > mean_max + 1e-9:
            reasons.append(f"mean AUC change {mean:+.4f} outside +-{mean_max}")
    return not reasons, reasons


def calibrate(reference, candidates: dict, sequences, threads: int, seeds=(1, 2), jpeg: int | None = None,
              done: dict | None = None, save=None, progress=None, other_threads=None) -> dict:
    """The reference's spread per sequence and every candidate's fidelity, judged by the calibrated rule.

    reference: the fp32 reference tracker (run at `threads` threads; other_threads: see reference_spread);
    candidates: {backend name: tracker};
    sequences: (name, frames, ground truth) triples. done: per-sequence results of an earlier, interrupted call (kept,
    not measured again); save(per_sequence) is called after each sequence (to resume from). Returns
    {"perturbations", "sequences": {name: {frames, reference_auc, changes, spread}}, "backends": {name: summary}}."""
    per_sequence = dict(done or {})
    for seq_name, frames, gt in sequences:
        if seq_name in per_sequence and set(per_sequence[seq_name]["backends"]) >= set(candidates):
            continue  # (the caller may skip decoding these: see `done`)
        reference_auc, rows = sequence_fidelity(reference, candidates, seq_name, frames, gt)
        changes = reference_spread(reference, seq_name, frames, gt, reference_auc, threads, seeds, jpeg, other_threads)
        backends = {name: {"ious": [round(float(v), 5) for v in row.ious],
                           "shifts": [round(float(v), 4) for v in row.shifts], "auc": row.auc}
                    for name, row in rows.items()}
        per_sequence[seq_name] = {"frames": len(frames), "reference_auc": reference_auc,
                                  "changes": changes, "spread": spread_of(changes), "backends": backends}
        if save:
            save(per_sequence)
        if progress:
            progress(seq_name)
    return summarise_calibration(per_sequence, list(candidates), perturbation_names(threads, seeds, jpeg))


def summarise_calibration(per_sequence: dict, backends: list[str], perturbations: list[str]) -> dict:
    spread = {name: row["spread"] for name, row in per_sequence.items()}
    reference_auc = {name: row["reference_auc"] for name, row in per_sequence.items()}
    mean_change = {p: round(float(np.mean([row["changes"][p] for row in per_sequence.values()])), 4)
                   for p in perturbations if all(p in row["changes"] for row in per_sequence.values())}
    out = {"perturbations": perturbations,
           "sequences": {name: {"frames": row["frames"], "reference_auc": round(row["reference_auc"], 4),
                                "changes": row["changes"], "spread": row["spread"]}
                         for name, row in per_sequence.items()},
           "mean_reference_auc": round(float(np.mean(list(reference_auc.values()))), 4) if reference_auc else None,
           "mean_change": mean_change, "backends": {}}
    for name in backends:
        rows = {seq: SequenceFidelity(row["backends"][name]["ious"], row["backends"][name]["shifts"],
                                      row["backends"][name]["auc"])
                for seq, row in per_sequence.items() if name in row["backends"]}
        summary = summarise(rows, {seq: per_sequence[seq]["reference_auc"] for seq in rows}, spread)
        summary["mean_auc"] = round(float(np.mean([r.auc for r in rows.values()])), 4) if rows else None
        out["backends"][name] = summary
    return out


RECORD_FIELDS = ("faithful", "why_not", "rule", "steps", "mean_iou", "p1_iou", "mean_shift_px", "p99_shift_px",
                 "mean_auc", "mean_auc_delta", "worst_auc_delta", "worst_sequence", "auc_delta")


def record_update(previous: dict, calibration: dict, digest: str, scales: int, about: dict) -> dict:
    """The fidelity record (backends/fidelity_record.json, read by backends/choice.py) with one calibration's verdicts in it:
    the reference's spread under "calibrations"[digest][scales], each backend's figures and verdict under
    "models"[digest][backend][scales] (the reference itself as such). about: what to keep beside each entry (arch,
    cpu, cpu_kind, the calibration file). Entries of other weights are kept when they were judged by this rule."""
    models = {sha: backends for sha, backends in previous.get("models", {}).items()
              if sha != digest and all(e.get("rule") == "calibrated" for b in backends.values() for e in b.values())}
    calibrations = {sha: c for sha, c in previous.get("calibrations", {}).items() if sha in models}
    old = previous.get("models", {}).get(digest, {})
    entries = {b: {s: e for s, e in per.items() if s != str(scales)} for b, per in old.items()
               if all(e.get("rule") == "calibrated" for e in per.values())}
    entries.setdefault("torch", {})[str(scales)] = {"faithful": True, "rule": "calibrated", "reference": True,
                                                     "mean_iou": 1.0, "mean_auc_delta": 0.0, "worst_auc_delta": 0.0,
                                                     "mean_auc": calibration["mean_reference_auc"], **about}
    for name, summary in calibration["backends"].items():
        entries.setdefault(name, {})[str(scales)] = {**{k: summary.get(k) for k in RECORD_FIELDS}, **about}
    models[digest] = {b: per for b, per in entries.items() if per}
    calibrations[digest] = {**{s: c for s, c in previous.get("calibrations", {}).get(digest, {}).items()
                               if s != str(scales)},
                            str(scales): {k: calibration[k] for k in ("perturbations", "sequences",
                                                                       "mean_reference_auc", "mean_change")}
                            | {k: about[k] for k in ("cpu", "cpu_kind", "threads", "source", "reference_engine") if k in about}}
    return {"note": "written by `siamfc bench --calibrate --record` (backends/fidelity.py); read by "
                    "siamfc_plugin/backends/choice.py (--backend auto)",
            "criterion": CRITERION, "calibrations": calibrations, "models": models}
