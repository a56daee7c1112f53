"""How faithful a scoring backend is to the eager fp32 reference, by two measures:

(a) shared state: at every frame, the reference and each candidate start from the *reference's* state (centre,
    size, the same search crops) and take one tracking step each; the box IoU of the two steps and the distance
    between the centres they move to (the score peak's displacement, in frame pixels). A free run is chaotic where
    the reference itself loses the target (one different step and the runs never meet again); this is not.
(b) one-pass AUC: each candidate tracks every calibration sequence freely; its success AUC minus the reference's.

The rule (judge(), calibrated on the reference's own noise: `siamfc bench --calibrate`): a backend is faithful on a
kernel path (kernel_path(): the instructions that decide a reduced-precision backend's arithmetic) when
(a) its mean shared-state IoU is >= FAITHFUL_IOU over all frames,
(b) its mean |AUC change| over the calibration sequences is no larger than the largest mean |AUC change| among the
    eager fp32 reference's own perturbation runs over the same sequences (the other thread count; +-1 grey level of
    noise on the frames, one run per seed; the noisy frames re-encoded as JPEG, one run per seed). With at least
    MIN_NOISE_RUNS noise runs, a backend exactly as noisy as the reference (one more draw from the same
    distribution) fails (b) with probability 1/(runs + 1) <= 1/7: it fails only where it is the largest of the draws.
(c) its mean signed AUC change is within +-MEAN_AUC_MAX (no bias).
The former rule, every sequence's change within the largest change the reference showed there, failed an equally
noisy backend with probability 1 - (6/7)^8 = 0.71 on 8 sequences (issue 29). fp32 backends (torch, torch-fp32, onnx)
compute the reference's maths; the measure decides for the reduced-precision ones (int8, int8-real, torch-bf16).
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


def measure(reference, candidates: dict, sequences, progress=None, reference_changes: dict | None = None) -> dict:
    """Both fidelity measures of every candidate tracker against the reference tracker over `sequences`
    ((name, frames, ground truth) triples, read one at a time: an iterator keeps one sequence in memory).
    reference_changes: {sequence: {run: the reference's AUC change}} (a calibration), for the verdict.
    Returns {"sequences": [...], "reference_auc": {...}, "backends": {name: summary}}."""
    reference_auc, per = {}, {name: {} for name in candidates}
    for seq_name, frames, gt in sequences:
        reference_auc[seq_name], rows = sequence_fidelity(reference, candidates, seq_name, frames, gt)
        for name, row in rows.items():
            per[name][seq_name] = row
        if progress:
            progress(seq_name)
    return {"sequences": list(reference_auc), "reference_auc": {k: round(v, 4) for k, v in reference_auc.items()},
            "backends": {name: summarise(rows, reference_auc, reference_changes) for name, rows in per.items()}}


def summarise(rows: dict[str, SequenceFidelity], reference_auc: dict[str, float],
              reference_changes: dict[str, dict[str, float]] | None = None) -> dict:
    """Both measures over the sequences, and the verdict of judge() given the reference's own AUC changes per
    sequence and run (None: no calibration, the floor rule)."""
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
        "mean_abs_auc_delta": round(float(np.mean(np.abs(list(deltas.values())))), 4) if deltas else None,
        "worst_auc_delta": round(deltas[worst], 4) if worst else None,
        "worst_sequence": worst,
    }
    summary["faithful"], summary["why_not"] = judge(summary, reference_changes or {})
    summary["rule"] = RULE if reference_changes and set(deltas) <= set(reference_changes) else "floor"
    if reference_changes and set(deltas) <= set(reference_changes):
        runs = run_mean_abs(reference_changes, list(deltas))
        summary["bound"] = round(max(runs.values()), 4) if runs else None
    return summary


# ---- the reference's own noise, and the rule calibrated on it --------------------------------------------------------
# The eager fp32 reference is not one number per sequence either: perturbations that keep the meaning of its arithmetic
# (another thread count, so other float summation orders; +-1 grey level of noise on the frames, as a camera or a
# decoder would give, and those frames re-encoded as JPEG) move its one-pass AUC. Each perturbation run gives one mean
# |AUC change| over the calibration sequences; a backend whose own mean |change| is no larger than the largest of them
# moves the score no more than the reference's own noise does (see the module docstring for the whole rule).
RULE = "run-mean-abs"  # the rule of this module; entries judged by an older one are kept in the record, not trusted
MEAN_AUC_MAX = 0.005
MIN_NOISE_RUNS = 6  # an equally noisy backend then fails (b) with probability <= 1/7
SPREAD_FLOOR = 0.002  # the bound on the mean |AUC change| without a calibration (bench on sequences never calibrated)
NOISE_LEVEL = 1  # grey levels


def perturb_frames(frames, seed: int, name: str, level: int = NOISE_LEVEL, jpeg: int | None = None) -> list:
    """The frames with independent uniform integer noise in [-level, level] per pixel and channel (uint8, clipped),
    seeded by (seed, sequence name, frame index); then, with jpeg=QUALITY, re-encoded as JPEG at that quality."""
    import zlib

    out = []
    for index, frame in enumerate(frames):
        rng = np.random.default_rng([seed, zlib.crc32(name.encode()), index])
        image = np.asarray(frame)
        out.append(np.clip(image.astype(np.int16) + rng.integers(-level, level + 1, image.shape, dtype=np.int16),
                           0, 255).astype(np.uint8))
    return jpeg_frames(out, jpeg) if jpeg else out


def jpeg_frames(frames, quality: int) -> list:
    """The frames re-encoded as JPEG at `quality` (a frame that fails to encode is kept as it is)."""
    import cv2

    out = []
    for frame in frames:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        out.append(cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if ok else frame)
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
    noisy_runs = {f"noise{NOISE_LEVEL}-seed{seed}": seed for seed in seeds}
    for label, seed in noisy_runs.items():
        noisy = perturb_frames(frames, seed, name)
        changes[label] = free_run_auc(reference, name, noisy, gt) - reference_auc
        if jpeg:  # the same noisy frames re-encoded (decoded once, noised once, per seed)
            changes[f"{label}-jpeg{jpeg}"] = free_run_auc(reference, name, jpeg_frames(noisy, jpeg), gt) \
                - reference_auc
        del noisy
    return {k: round(float(changes[k]), 4) for k in names}


def spread_of(changes: dict[str, float]) -> float:
    """The reference's largest |AUC change| on one sequence (shown in the table: which sequences are noisy)."""
    return round(max((abs(v) for v in changes.values()), default=0.0), 4)


def noise_runs(runs) -> list[str]:
    """The perturbation runs that are draws of the camera-like noise (the thread-count run is not: it is one fixed
    summation order, and moves the eager reference by nothing)."""
    return [run for run in runs if run.startswith("noise")]


def run_mean_abs(reference_changes: dict[str, dict[str, float]], sequences) -> dict[str, float]:
    """{run: the reference's mean |AUC change| over `sequences` under that run}, for the runs measured on all."""
    rows = [reference_changes[name] for name in sequences]
    runs = [run for run in rows[0] if all(run in row for row in rows)] if rows else []
    return {run: round(float(np.mean([abs(row[run]) for row in rows])), 4) for run in runs}


CRITERION = {"rule": RULE, "mean_iou_min": FAITHFUL_IOU,
             "mean_abs_auc_delta": "no larger than the largest mean |AUC change| of the reference's own runs",
             "min_noise_runs": MIN_NOISE_RUNS, "mean_auc_delta_max": MEAN_AUC_MAX,
             "floor_without_calibration": SPREAD_FLOOR}


def judge(summary: dict, reference_changes: dict[str, dict[str, float]], iou_min: float = FAITHFUL_IOU,
          mean_max: float = MEAN_AUC_MAX) -> tuple[bool, list[str]]:
    """The rule on one backend's summary (mean_iou, auc_delta per sequence) given the reference's own AUC change per
    sequence and perturbation run ({} : no calibration, the mean |change| is bound by SPREAD_FLOOR). Returns
    (faithful, the reasons it is not)."""
    reasons = []
    if summary.get("mean_iou") is None or summary["mean_iou"] < iou_min:
        reasons.append(f"shared-state mean IoU {summary.get('mean_iou')} < {iou_min}")
    deltas = summary.get("auc_delta") or {}
    if not deltas:
        return False, reasons + ["no AUC change measured"]
    mean_abs = float(np.mean(np.abs(list(deltas.values()))))
    missing = [name for name in deltas if name not in reference_changes]
    if not reference_changes:
        if mean_abs > SPREAD_FLOOR + 1e-9:
            reasons.append(f"mean |AUC change| {mean_abs:.4f} above {SPREAD_FLOOR} (no calibration of the "
                           "reference's own noise on these sequences)")
    elif missing:
        reasons.append(f"the reference's own noise was not calibrated on {', '.join(missing)}")
    else:
        runs = run_mean_abs(reference_changes, list(deltas))
        if len(noise_runs(runs)) < MIN_NOISE_RUNS:
            reasons.append(f"the calibration has {len(noise_runs(runs))} noise runs of the reference; the rule needs "
                           f"at least {MIN_NOISE_RUNS}")
        largest = max(runs, key=runs.get) if runs else None
        if largest is None or mean_abs > runs[largest] + 1e-9:
            reasons.append(f"mean |AUC change| {mean_abs:.4f} over {len(deltas)} sequences above the reference's "
                           f"largest run mean {runs.get(largest, 0.0):.4f} ({largest})")
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
    """The calibration's tables: per sequence the reference's AUC, its change under each run and each backend's
    change; per run the reference's mean change and mean |change|; per backend its summary and verdict."""
    changes = {name: row["changes"] for name, row in per_sequence.items()}
    reference_auc = {name: row["reference_auc"] for name, row in per_sequence.items()}
    mean_change = {p: round(float(np.mean([row["changes"][p] for row in per_sequence.values()])), 4)
                   for p in perturbations if all(p in row["changes"] for row in per_sequence.values())}
    out = {"rule": RULE, "perturbations": perturbations,
           "sequences": {name: {"frames": row["frames"], "reference_auc": round(row["reference_auc"], 4),
                                "changes": row["changes"], "spread": row["spread"]}
                         for name, row in per_sequence.items()},
           "mean_reference_auc": round(float(np.mean(list(reference_auc.values()))), 4) if reference_auc else None,
           "mean_change": mean_change, "run_mean_abs": run_mean_abs(changes, list(changes)),
           "noise_runs": len(noise_runs(perturbations)), "backends": {}}
    out["bound"] = round(max(out["run_mean_abs"].values()), 4) if out["run_mean_abs"] else None
    for name in backends:
        rows = {seq: SequenceFidelity(row["backends"][name]["ious"], row["backends"][name]["shifts"],
                                      row["backends"][name]["auc"])
                for seq, row in per_sequence.items() if name in row["backends"]}
        summary = summarise(rows, {seq: per_sequence[seq]["reference_auc"] for seq in rows}, changes)
        summary["mean_auc"] = round(float(np.mean([r.auc for r in rows.values()])), 4) if rows else None
        out["backends"][name] = summary
    return out


# ---- kernel paths: where a verdict holds -------------------------------------------------------------------------------
# A reduced-precision backend's arithmetic is decided by the kernels it runs, and those by the CPU's instructions: a
# verdict measured on one kernel path holds on that path only. onnxruntime's int8 (u8 x s8) GEMMs: AMX tiles, VNNI dot
# products (AVX-512 or AVX), both summing into int32, or, without VNNI, pairs of products summed into int16
# (vpmaddubsw), which can saturate (onnxruntime's `reduce_range` exists for this). oneDNN's bf16: AMX tiles,
# AVX512-BF16 dot products, or emulation (converted to fp32; slow). fp32 backends compute the reference's maths on
# every CPU: one path.
INT8_PATHS = {
    "amx": "AMX int8 tiles, int32 sums",
    "avx512-vnni": "AVX-512 VNNI, int32 sums",
    "avx-vnni": "AVX-VNNI (256-bit), int32 sums",
    "avx512-u8s8": "AVX-512 without VNNI: u8 x s8 pairs summed in int16, which can saturate",
    "avx2-u8s8": "AVX2 without VNNI: u8 x s8 pairs summed in int16, which can saturate",
    "sse": "no AVX2",
}
BF16_PATHS = {
    "amx": "AMX bf16 tiles",
    "avx512-bf16": "AVX512-BF16 dot products",
    "emulated": "no bf16 instructions: oneDNN converts to fp32 (slow)",
}
FP32_PATH = "fp32"
# the command that calibrates a machine (named where `auto` finds no verdict for this machine's kernel path)
CALIBRATE_COMMAND = ("siamfc bench --calibrate --dev ../shared/data/eval/otb,../shared/data/eval/vot "
                     "--validation configs/curate_public.toml --backends onnx,int8,int8-real,torch-bf16 --threads 2 "
                     "--seeds 1,2,3 --jpeg 90 --record siamfc_plugin/backends/fidelity_record.json")


def int8_path(flags) -> str:
    flags = set(flags)
    if "amx_int8" in flags:  # (amx_tile comes with it; the record's cpu_kind, choice.KIND_FLAGS, lists amx_int8 only)
        return "amx"
    if "avx512_vnni" in flags:
        return "avx512-vnni"
    if "avx_vnni" in flags:
        return "avx-vnni"
    if "avx512f" in flags:
        return "avx512-u8s8"
    return "avx2-u8s8" if "avx2" in flags else "sse"


def bf16_path(flags) -> str:
    flags = set(flags)
    if "amx_bf16" in flags:  # (amx_tile comes with it; see int8_path)
        return "amx"
    return "avx512-bf16" if "avx512_bf16" in flags else "emulated"


def kernel_path(backend: str, flags=None) -> str:
    """The kernel path whose arithmetic `backend` runs on a CPU with these flags (None: this machine's probe)."""
    if flags is None:
        from ..common.machine import cpu_flags

        flags = cpu_flags()
    if backend.startswith("int8"):
        return int8_path(flags)
    if backend == "torch-bf16":
        return bf16_path(flags)
    return FP32_PATH if backend in ("torch", "torch-fp32", "onnx") else backend


def path_note(backend: str, path: str) -> str:
    notes = INT8_PATHS if backend.startswith("int8") else BF16_PATHS if backend == "torch-bf16" else {}
    return f"{path}: {notes[path]}" if path in notes else path


# ---- the record `auto` reads ------------------------------------------------------------------------------------------
# {"criterion", "calibrations": {weights sha1: {scales: {cpu kind: the reference's calibration}}},
#  "models": {weights sha1: {backend: {scales: {kernel path: figures and verdict}}}}}
RECORD_FIELDS = ("faithful", "why_not", "rule", "steps", "mean_iou", "p1_iou", "mean_shift_px", "p99_shift_px",
                 "mean_auc", "mean_auc_delta", "mean_abs_auc_delta", "bound", "worst_auc_delta", "worst_sequence",
                 "auc_delta", "int8_calibration")
CALIBRATION_FIELDS = ("rule", "perturbations", "sequences", "mean_reference_auc", "mean_change", "run_mean_abs",
                      "noise_runs", "bound")


def record_update(previous: dict, calibration: dict, digest: str, scales: int, about: dict, flags) -> dict:
    """The fidelity record (backends/fidelity_record.json, read by backends/choice.py) with one calibration in it:
    the reference's per-sequence and per-run table under "calibrations"[digest][scales][cpu_kind], each backend's
    figures and verdict under "models"[digest][backend][scales][its kernel path on a CPU with `flags`] (the
    reference itself as fp32). about: what to keep beside each entry (arch, cpu, cpu_kind, threads, the calibration
    file, the reference engine). Everything else in the record is kept (entries of an older rule too: `auto` does
    not trust them, but they say what was measured)."""
    import copy

    record = copy.deepcopy(previous)
    models = record.setdefault("models", {}).setdefault(digest, {})
    key = str(scales)
    models.setdefault("torch", {}).setdefault(key, {})[FP32_PATH] = {
        "faithful": True, "rule": RULE, "reference": True, "mean_iou": 1.0, "mean_auc_delta": 0.0,
        "mean_abs_auc_delta": 0.0, "worst_auc_delta": 0.0, "mean_auc": calibration["mean_reference_auc"], **about}
    for name, summary in calibration["backends"].items():
        path = kernel_path(name, flags)
        models.setdefault(name, {}).setdefault(key, {})[path] = {
            **{k: summary[k] for k in RECORD_FIELDS if k in summary}, **about, "kernel_path": path}
    record.setdefault("calibrations", {}).setdefault(digest, {}).setdefault(key, {})[about["cpu_kind"]] = {
        **{k: calibration[k] for k in CALIBRATION_FIELDS if k in calibration},
        **{k: about[k] for k in ("cpu", "threads", "source", "reference_engine") if k in about}}
    record["note"] = ("written by `siamfc bench --calibrate --record` (backends/fidelity.py); read by "
                      "siamfc_plugin/backends/choice.py (--backend auto)")
    record["criterion"] = CRITERION
    return record


def calibration_table(calibration: dict, backends: dict[str, dict]) -> list[str]:
    """The calibration as text, one line per sequence then one per run and per backend: the reference's AUC and its
    change under each run, each backend's change; the reference's mean and mean |change| per run; each backend's
    mean and mean |change| and verdict. calibration: as summarise_calibration gives it (or the record keeps it);
    backends: {name: summary} (auc_delta per sequence)."""
    runs = calibration["perturbations"]
    names = list(backends)
    changes = {seq: row["changes"] for seq, row in calibration["sequences"].items()}
    run_abs = run_mean_abs(changes, list(changes))  # from the table itself: older records lack the summary
    mean_abs = {name: float(np.mean(np.abs(list(b["auc_delta"].values())))) if b.get("auc_delta") else float("nan")
                for name, b in backends.items()}
    short = {run: run.replace("noise1-", "n").replace("-jpeg", "j") for run in runs}
    lines = ["sequence              frames  ref AUC " + " ".join(f"{short[r]:>9s}" for r in runs)
             + "  | " + " ".join(f"{n:>10s}" for n in names)]
    for seq, row in calibration["sequences"].items():
        lines.append(f"{seq:22s}{row['frames']:6d}  {row['reference_auc']:.4f} "
                     + " ".join(f"{row['changes'].get(r, float('nan')):+9.4f}" for r in runs) + "  | "
                     + " ".join(f"{b.get('auc_delta', {}).get(seq, float('nan')):+10.4f}" for b in backends.values()))
    n = len(calibration["sequences"])
    lines.append(f"{'mean change':22s}{'':6s}  {calibration['mean_reference_auc']:.4f} "
                 + " ".join(f"{calibration['mean_change'].get(r, float('nan')):+9.4f}" for r in runs) + "  | "
                 + " ".join(f"{b.get('mean_auc_delta', float('nan')):+10.4f}" for b in backends.values()))
    lines.append(f"{'mean |change|':22s}{'':6s}  {'':6s} "
                 + " ".join(f"{run_abs.get(r, float('nan')):9.4f}" for r in runs) + "  | "
                 + " ".join(f"{mean_abs[name]:10.4f}" for name in names))
    if run_abs:
        largest = max(run_abs, key=run_abs.get)
        lines.append(f"bound (b): the largest run mean |change| over {n} sequences, {run_abs[largest]:.4f} "
                     f"({largest}); {len(noise_runs(runs))} noise runs (the rule needs >= {MIN_NOISE_RUNS})")
    for name, summary in backends.items():
        if "faithful" in summary:
            rule = "" if summary.get("rule", RULE) == RULE else f" (rule {summary['rule']}: superseded)"
            lines.append(f"{name}: " + ("faithful" if summary["faithful"] else
                                         "NOT faithful: " + "; ".join(summary.get("why_not") or [])) + rule)
    return lines
