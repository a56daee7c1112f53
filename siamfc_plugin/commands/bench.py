"""`siamfc bench` (tracking speed per backend / architecture / number of scales) and `siamfc export` (ONNX).

bench runs the tracker end to end on one real sequence (or the synthetic one) for every configuration and prints a
JSON object as the last line of stdout; it also writes it to benchmarks/<date>-<machine>.json. Frames are decoded
before timing. Each configuration is timed over several runs (fps: the median), then once more with each stage timed
apart (crop, network, post-processing). The fp32 sgemm throughput of this machine (torch matmul) is measured in the
same run, right before each configuration too, so that numbers taken under background load can be compared as
ratios. Boxes are compared with those of the eager fp32 reference ('torch' on the CPU, else 'torch-fp32') on the same
frames. Weights: --checkpoint, else the shipped model of the architecture, else seeded random weights (speed only;
the JSON says which: "weights": "random" or the path).

With no --backends it benches every backend installed here and says which it skipped and why (onnx, int8 and
int8-real need onnxruntime). Fidelity to the reference, for trained weights (fidelity.py): (a) per-frame shared-state
steps (mean and 1st-percentile box IoU, centre shift in px) and (b) the one-pass AUC change per sequence, on the
--dev sequences, else on the bench sequence alone. "faithful" (fidelity.judge): (a) mean IoU >= 0.99, (b) the mean
|AUC change| no larger than the largest mean |AUC change| of the eager fp32 reference's own perturbation runs on
the same sequences (the calibration in the fidelity record for these weights; without one, 0.002) and (c) the mean
AUC change within +-0.005. -v prints the recorded calibration's table (per sequence and per run).

--calibrate measures the reference's own noise instead of timing: its one-pass AUC on every --dev sequence (plus,
with --validation CURATE_TOML, that curation's validation videos) under the other thread count (1 <-> 2) and +-1
grey level of noise on the frames (one run per --seeds; --jpeg Q adds one run per seed of those frames re-encoded as
JPEG; the rule needs at least 6 noise runs: --seeds 1,2,3 --jpeg 90), and every backend's fidelity judged against
it, per sequence and per run; --record writes both into the fidelity record that `--backend auto` reads
(siamfc_plugin/backends/fidelity_record.json), each verdict under its kernel path on this CPU, and int8-real's
activation scales (calibrated on --real-crops, a curated training set) into backends/int8_scales.json. It resumes
from <out>.partial when interrupted; --sequence A,B shares the sequences between processes (merge their .partial
files, then run once without it).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import sys
import time
from typing import Any

import numpy as np
import torch

from ..backends.torch_backend import BACKENDS, make_backend, set_threads
from ..common.machine import cpu_flags, cpu_model
from ..common.paths import check_writable
from ..core.config import preset
from ..backends.fidelity import CRITERION
from ..data.images import to_rgb_uint8
from ..core.metrics import iou, success_auc
from ..core.network import KERNELS, STRIDES, SiamFC, arch_spec
from ..common.errors import ConfigError, InputNotFoundError, UsageError

REFERENCE = "torch-fp32"
SCALE_PRESETS = {3: "siamfc-3s", 5: "siamfc-5s"}


# ---- machine ------------------------------------------------------------------------------------------------------
def machine_info(device: str = "cpu") -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpu": cpu_model(), "cpu_flags": cpu_flags(), "logical_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "numpy": np.__version__,
        "python": platform.python_version(), "platform": platform.platform(),
    }
    try:
        info["load_average_1_5_15"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    for module in ("onnxruntime", "onnx", "cv2"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            pass
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
        info["cuda"] = torch.version.cuda
    return info


def machine_slug(info: dict[str, Any]) -> str:
    cpu = re.sub(r"\((r|tm)\)|cpu|processor|@", " ", info["cpu"].lower())
    cpu = re.sub(r"[^a-z0-9.]+", "-", cpu).strip("-")
    return f"{cpu}-{info['logical_cores']}c"


def sgemm_gflops(size: int = 2048, repeats: int = 5) -> float:
    """Best-of fp32 matmul throughput (GFLOP/s) with torch's current threads: the machine's practical fp32 peak."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size ** 3 / best / 1e9


# ---- model cost ---------------------------------------------------------------------------------------------------
def gflop_per_frame(arch: str, scales: int, exemplar: int = 127, instance: int = 255) -> float:
    """Multiply-adds x 2 of one tracking step in the reference formulation: the embedding of every search crop and
    the cross-correlation (the exemplar branch runs once per target and is left out)."""
    spec = arch_spec(arch)

    def embed(side: int) -> tuple[float, int]:
        flops, c_in = 0.0, 3
        for i, (c_out, k, s, g) in enumerate(zip(spec.channels, KERNELS, STRIDES, spec.groups)):
            side = (side - k) // s + 1
            flops += 2.0 * side * side * c_out * (c_in // g) * k * k
            if i < 2:
                side = (side - 3) // 2 + 1
            c_in = c_out
        return flops, side

    x_flops, x_side = embed(instance)
    _, z_side = embed(exemplar)
    r = x_side - z_side + 1
    xcorr = 2.0 * spec.channels[-1] * z_side * z_side * r * r
    return scales * (x_flops + xcorr) / 1e9


# ---- data ---------------------------------------------------------------------------------------------------------
def load_sequence(root: str | None, name: str | None = None, max_frames: int | None = None):
    """(name, decoded frames, ground-truth boxes, mean decode ms per frame)."""
    from ..data.readers import read_otb_sequence, read_sequences
    from ..data.images import read_frame

    if root is None:
        from ..data.synthetic import SyntheticConfig, make_sequence

        frames, boxes = make_sequence(np.random.default_rng([0, 0]), SyntheticConfig(frames=max_frames or 60))
        return "Synthetic01", [to_rgb_uint8(f) for f in frames], boxes, None
    if os.path.isdir(os.path.join(root, "img")):
        sequences = read_otb_sequence(root)
    else:
        sequences = read_sequences(root)
    if name:
        sequences = [s for s in sequences if s.name == name]
    if not sequences:
        raise InputNotFoundError(f"no sequence {name or ''} under {root}")
    seq = sequences[0]
    n = len(seq) if max_frames is None else min(len(seq), max_frames)
    start = time.perf_counter()
    frames = [read_frame(f) for f in seq.frames[:n]]
    decode_ms = (time.perf_counter() - start) / n * 1e3
    return seq.name, frames, seq.boxes[:n], decode_ms


# ---- running ------------------------------------------------------------------------------------------------------
def track_timed(tracker, frames, first_box) -> tuple[np.ndarray, float]:
    """Boxes and total tracker seconds (init + every update), the got10k speed measure."""
    from ..core.frame_loop import run_frames

    run = run_frames(tracker, frames, first_box)
    return run.boxes, float(run.seconds.sum())


def track_stages(tracker, frames, first_box) -> dict[str, float]:
    """Mean ms per update of each stage: crops, network (the tracker's score), post-processing (advance: the step
    and, for kernel-updating presets, the kernel's update)."""
    tracker.init(frames[0], first_box)
    crop = net = post = 0.0
    for frame in frames[1:]:
        t0 = time.perf_counter()
        image = to_rgb_uint8(frame)
        crops = tracker.search_crops(image)
        t1 = time.perf_counter()
        responses = tracker.score(crops)
        t2 = time.perf_counter()
        tracker.advance(responses, image)
        t3 = time.perf_counter()
        crop, net, post = crop + t1 - t0, net + t2 - t1, post + t3 - t2
    n = max(1, len(frames) - 1)
    return {"ms_crop": crop / n * 1e3, "ms_network": net / n * 1e3, "ms_post": post / n * 1e3}


def build_model(arch: str, checkpoint: str | None, random_weights: bool = False, seed: int = 0
                ) -> tuple[SiamFC, str]:
    """(model, "random" or its path): the checkpoint, else the shipped model of `arch`, else (or when asked)
    seeded random weights (speed only)."""
    from ..backends.build import build_model as build
    from ..backends.spec import TrackerSpec
    from ..core.checkpoint import shipped_model_path

    if not checkpoint and (random_weights or shipped_model_path(arch) is None):
        return build(TrackerSpec(arch=arch, random_weights=True, seed=seed))[0], "random"
    return build(TrackerSpec(checkpoint=checkpoint, arch=None if checkpoint else arch))


def installed_backends(device: str = "cpu") -> tuple[list[str], dict[str, str]]:
    """(the backends `siamfc bench` runs by default here, {backend: why it is skipped})."""
    from ..backends.choice import CPU_CANDIDATES, unavailable

    wanted = CPU_CANDIDATES if device == "cpu" else ("torch", "torch-fp32")
    skipped = {name: why for name in wanted if (why := unavailable(name, device))}
    return [name for name in wanted if name not in skipped], skipped


def dev_sequences(roots: list[str]):
    """(name, decoded frames, ground truth) of every sequence under the dataset roots, one at a time."""
    return sorted_dev_sequences(roots, order=None)


def measure_fidelity(models: dict, reference: str, config, geometry, sequences,
                     reference_changes: dict | None = None) -> dict:
    """fidelity.measure for every benched backend but the reference, with progress on stderr; reference_changes:
    the reference's own AUC change per sequence and run (the calibration in the fidelity record), for the verdict."""
    from tqdm import tqdm

    from ..core.tracker import SiamFCTracker
    from ..backends.fidelity import measure

    candidates = {name: SiamFCTracker(backend, config, geometry) for name, backend in models.items()
                  if name != reference}
    bar = tqdm(desc="fidelity", unit="seq", file=sys.stderr, leave=False)
    try:
        return measure(SiamFCTracker(models[reference], config, geometry), candidates, sequences,
                       progress=lambda name: bar.update(1), reference_changes=reference_changes)
    finally:
        bar.close()


def run_bench(root: str | None = None, sequence: str | None = None, backends=None,
              archs=("alexnet-slim",), scales=(3,), runs: int = 5, frames: int | None = None,
              spec=None, calibration: str | None = None, dev: list[str] | None = None,
              real_crops: str | None = None, log=print) -> dict[str, Any]:
    """spec (backends/spec.py TrackerSpec): the weights (checkpoint, or random weights and their seed), device and
    threads; the backends, architectures and presets are bench's own lists."""
    from ..backends.onnx_backend import weights_digest
    from ..backends.spec import TrackerSpec
    from ..core.tracker import SiamFCTracker

    spec = spec or TrackerSpec()
    checkpoint, device, threads = spec.checkpoint, spec.device, spec.threads
    set_threads(threads)
    skipped: dict[str, str] = {}
    if not backends:
        backends, skipped = installed_backends(device)
        for name, why in skipped.items():
            log(f"skipped backend {name}: {why}")
    name, images, gt, decode_ms = load_sequence(root, sequence, frames)
    info = machine_info(device)
    samples = [sgemm_gflops()]
    log(f"{info['cpu']} ({', '.join(info['cpu_flags'])}), {torch.get_num_threads()} threads; sequence {name}: "
        f"{len(images)} frames {images[0].shape[1]}x{images[0].shape[0]}; sgemm {samples[0]:.1f} GFLOP/s; "
        f"load average {info.get('load_average_1_5_15')}")
    if checkpoint:  # a checkpoint fixes the architecture
        from ..core.checkpoint import read_checkpoint

        archs = (read_checkpoint(checkpoint)["arch"],)
    results, fidelity_runs = [], []
    for arch in archs:
        model, weights = build_model(arch, checkpoint, spec.random_weights, spec.seed)
        digest = weights_digest(model)
        built = {}
        for n_scales in scales:
            rows = []
            config = preset(SCALE_PRESETS.get(n_scales, "siamfc-3s"), scale_num=n_scales)
            reference_boxes = None
            # on the CPU 'torch' is the fp32 reference itself: run it once
            reference = "torch" if device == "cpu" and "torch" in backends else REFERENCE
            order = [reference] + [b for b in backends if b != reference]
            for backend_name in order:
                if backend_name not in built:
                    start = time.perf_counter()
                    options = int8_options(backend_name, calibration, real_crops)
                    built[backend_name] = (make_backend(backend_name, model, device=device, threads=threads,
                                                       **options), time.perf_counter() - start)
                backend, build_s = built[backend_name]
                tracker = SiamFCTracker(backend, config, model.geometry)
                nearby = sgemm_gflops(repeats=3)
                samples.append(nearby)
                track_timed(tracker, images[: min(5, len(images))], gt[0])  # warm-up
                fps_runs, boxes = [], None
                for _ in range(max(1, runs)):
                    boxes, seconds = track_timed(tracker, images, gt[0])
                    fps_runs.append(len(images) / seconds)
                if backend_name == reference:
                    reference_boxes = boxes
                    if reference not in backends:
                        continue
                stages = track_stages(tracker, images, gt[0])
                fps = statistics.median(fps_runs)
                gflop = gflop_per_frame(arch, n_scales, model.geometry.exemplar_size,
                                        model.geometry.instance_size)
                result = {
                    "backend": backend_name, "arch": arch, "scales": n_scales, "fps": round(fps, 2),
                    "fps_runs": [round(v, 2) for v in fps_runs], "ms_per_frame": round(1e3 / fps, 2),
                    "decode_ms": None if decode_ms is None else round(decode_ms, 2),
                    **{k: round(v, 2) for k, v in stages.items()},
                    "crop_post_share": round((stages["ms_crop"] + stages["ms_post"]) / sum(stages.values()), 3),
                    "gflop_per_frame": round(gflop, 3), "gflops_achieved": round(gflop * fps, 1),
                    "network_gflops": round(gflop / stages["ms_network"] * 1e3, 1),
                    "sgemm_gflops_nearby": round(nearby, 1),
                    "sgemm_ratio": round(gflop * fps / nearby, 3),
                    "network_sgemm_ratio": round(gflop / stages["ms_network"] * 1e3 / nearby, 3),
                    "iou_vs_reference": round(float(iou(boxes, reference_boxes).mean()), 4),
                    "min_iou_vs_reference": round(float(iou(boxes, reference_boxes).min()), 4),
                    "auc": round(float(success_auc(boxes, gt)), 4),
                    "auc_reference": round(float(success_auc(reference_boxes, gt)), 4),
                    "weights": weights, "weights_sha1": digest, "build_s": round(build_s, 2),
                }
                rows.append(result)
                log(f"{arch:13s} {n_scales}s {backend_name:11s} {fps:6.1f} fps  crop {stages['ms_crop']:5.1f} "
                    f"net {stages['ms_network']:6.1f} post {stages['ms_post']:4.1f} ms "
                    f"(crop+post {100 * result['crop_post_share']:.0f} %)  "
                    f"{result['gflops_achieved']:5.1f} GFLOP/s = {result['sgemm_ratio']:.2f} x sgemm "
                    f"({nearby:.0f})  IoU vs ref {result['iou_vs_reference']:.4f}")
            if weights == "random":  # flat score maps: agreement with the reference says nothing; speed only
                for row in rows:
                    row["fidelity"] = None
            else:
                sequences = dev_sequences(dev) if dev else [(name, images, gt)]
                changes = recorded_changes(digest, n_scales) if dev else None
                fid = measure_fidelity({b: built[b][0] for b in order}, reference, config, model.geometry, sequences,
                                       changes)
                fidelity_runs.append({"arch": arch, "scales": n_scales, **fid})
                for row in rows:
                    row["fidelity"] = fid["backends"].get(row["backend"], "reference")
                    log_fidelity(log, row)
            results += rows
    samples.append(sgemm_gflops())
    info["torch_threads"] = torch.get_num_threads()
    return {
        "machine": info, "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "sequence": name, "frames": len(images), "frame_size": [images[0].shape[1], images[0].shape[0]],
        "runs": runs, "threads": threads or torch.get_num_threads(), "device": device, "reference": REFERENCE,
        "sgemm_gflops": round(max(samples), 1), "sgemm_samples": [round(v, 1) for v in samples],
        "skipped_backends": skipped, "fidelity_sequences": "dev" if dev else "bench sequence",
        "dev_roots": list(dev or []), "faithful_criterion": CRITERION,
        "note": ("fps: median over runs of frames / tracker seconds (init + updates, decoding excluded); "
                 "sgemm_ratio: gflop_per_frame * fps / sgemm measured just before that configuration; "
                 "fidelity: per-frame shared-state steps (IoU, centre shift px) and free-run AUC change per "
                 "sequence against the reference"),
        "results": results, "fidelity": fidelity_runs,
    }


def recorded_changes(digest: str, scales: int) -> dict | None:
    """{sequence: {run: the reference's AUC change}} of the calibration in the fidelity record for these weights
    (measured on this kind of CPU where there is one), or None."""
    from ..backends.choice import recorded_calibration

    calibration = recorded_calibration(digest, scales)
    return {name: row["changes"] for name, row in calibration["sequences"].items()} if calibration else None


def int8_options(name: str, calibration: str | None, real_crops: str | None) -> dict:
    """make_backend's options of an int8 backend: int8 on `calibration` (default: the synthetic benchmark),
    int8-real on the curated set `real_crops` (default: the scales shipped for these weights)."""
    source = calibration if name == "int8" else real_crops if name == "int8-real" else None
    return {"calibration": source} if source else {}


def log_recorded_table(log, digest: str, scales: int) -> None:
    """The fidelity record's calibration for these weights (this kind of CPU's, else another's) as a table: per
    sequence the reference's change under each run and each backend's change measured on that CPU; then whether a
    verdict holds on this machine's kernel paths."""
    from ..backends.choice import _record_file, cpu_kind, faithful
    from ..backends.fidelity import CALIBRATE_COMMAND, calibration_table, kernel_path

    whole = _record_file()
    per_kind = whole.get("calibrations", {}).get(digest, {}).get(str(scales)) or {}
    kind = cpu_kind() if cpu_kind() in per_kind else next(iter(per_kind), None)
    if kind is None:
        log(f"no calibration in the fidelity record for these weights at {scales} scales; to calibrate this "
            f"machine: {CALIBRATE_COMMAND}")
        return
    models = whole.get("models", {}).get(digest, {})
    backends = {f"{name}@{path}": entry for name, per in models.items()
                for path, entry in (per.get(str(scales)) or {}).items()
                if entry.get("cpu_kind") == kind and not entry.get("reference")}
    calibration = per_kind[kind]
    log(f"fidelity record, {scales} scales: the reference's calibration on {calibration.get('cpu', kind)} ({kind}, "
        f"rule {calibration.get('rule')}) and each backend's AUC change there")
    for line in calibration_table(calibration, backends):
        log("  " + line)
    for name in sorted(models):
        if name not in ("torch", "torch-fp32", "onnx"):
            log(f"  here ({name} on kernel path {kernel_path(name)}): "
                + faithful(name, digest, scales, {digest: models})[1])


def validation_sequences(curate_config: str) -> list:
    """The validation videos that a curation config holds out of training (its [validation]; the model-selection
    rule's sequences beside the dev set), named "<source>/<video>"; the config's $SIAMFC_SOURCES and
    $SIAMFC_SHARED_DATA name where they are."""
    from ..training.curate import read_curation, validation_sequences as held_out

    sources, _, split = read_curation(curate_config)
    return held_out(sources, split)


def sorted_dev_sequences(roots: list[str], names=None, skip=(), frames: int | None = None, order=len,
                         extra=()):
    """(name, decoded frames, ground truth) of the sequences under the dataset roots and of `extra` (Sequence
    objects: the validation videos), decoded one at a time, shortest first (an interrupted calibration has the most
    sequences done; order=None: as listed); names: only these; skip: not these (not decoded); frames: the first N of
    each."""
    from ..data.images import read_frame
    from ..data.readers import read_sequences

    found = []
    for root in roots:
        if not os.path.isdir(root):
            raise InputNotFoundError(f"dev dataset root not found: {root}")
        found += read_sequences(root)
    found += list(extra)
    if names:
        unknown = set(names) - {seq.name for seq in found}
        if unknown:
            raise InputNotFoundError(f"no sequence {', '.join(sorted(unknown))} under {', '.join(roots)}")
    for seq in (found if order is None else sorted(found, key=order)):
        if (names and seq.name not in names) or seq.name in skip:
            continue
        n = len(seq) if frames is None else min(len(seq), frames)
        yield seq.name, [read_frame(f) for f in seq.frames[:n]], seq.boxes[:n]


def run_calibration(dev: list[str], backends=None, scales: int = 3, checkpoint: str | None = None,
                    arch: str = "alexnet-slim", threads: int | None = None, seeds=(1, 2), jpeg: int | None = None,
                    calibration: str | None = None, state: str | None = None, frames: int | None = None,
                    names=None, engine: str = "torch", validation: str | None = None,
                    real_crops: str | None = None, log=print) -> dict[str, Any]:
    """The eager fp32 reference's own spread on every dev sequence and every backend's fidelity judged against it
    (fidelity.calibrate). state: a JSON file that keeps the finished sequences (a rerun resumes from it). frames: the
    first N frames of each sequence only (a quick check, not a calibration to record). names: these sequences only
    (several processes can share the work: their state files merge). engine: the reference's fp32 engine, the eager
    'torch' (the definition) or 'onnx' (the same maths, several times faster on a loaded CPU; its boxes equal the
    eager reference's on the dev set: that is what its own record entry says)."""
    from ..backends.choice import cpu_kind
    from ..backends.onnx_backend import weights_digest
    from ..common.atomic import write_text
    from ..core.tracker import SiamFCTracker
    from ..backends.fidelity import calibrate, kernel_path

    threads = threads or torch.get_num_threads()
    set_threads(threads)
    if not backends:
        backends, skipped = installed_backends("cpu")
        for name, why in skipped.items():
            log(f"skipped backend {name}: {why}")
    model, weights = build_model(arch, checkpoint)
    if weights == "random":
        raise UsageError("a calibration needs trained weights (--checkpoint, or an architecture with a shipped model)")
    digest = weights_digest(model)
    config = preset(SCALE_PRESETS.get(scales, "siamfc-3s"), scale_num=scales)
    if engine not in ("torch", "onnx"):
        raise UsageError(f"the reference engine is torch or onnx (fp32), not {engine!r}")
    reference = SiamFCTracker(make_backend(engine, model, threads=threads), config, model.geometry)
    other = None
    if engine == "onnx":  # onnxruntime's threads are fixed per session: a second one at the other count
        other = SiamFCTracker(make_backend("onnx", model, threads=1 if threads != 1 else 2), config, model.geometry)
    candidates = {}
    for name in backends:
        if name in ("torch", "torch-fp32", engine):
            continue  # the reference itself
        candidates[name] = SiamFCTracker(make_backend(name, model, threads=threads,
                                                      **int8_options(name, calibration, real_crops)), config,
                                         model.geometry)
        set_threads(threads)
    int8_real = getattr(candidates["int8-real"].backend, "calibration", None) if "int8-real" in candidates else None
    extra = validation_sequences(validation) if validation else []
    key = {"weights_sha1": digest, "scales": scales, "threads": threads, "seeds": list(seeds), "jpeg": jpeg,
           "frames": frames, "dev": [os.path.abspath(r) for r in dev], "engine": engine,
           "validation": os.path.abspath(validation) if validation else None,
           "int8_calibration": calibration or "synthetic",
           "int8_real_calibration": int8_real["source"] if int8_real else None}
    done = {}
    if state and os.path.isfile(state):
        with open(state) as handle:
            saved = json.load(handle)
        if saved.get("key") == key:
            done = saved["per_sequence"]
            log(f"resuming from {state}: {', '.join(done)} done")
    info = machine_info("cpu")
    log(f"calibration of {weights} (sha1 {digest[:8]}), {scales} scales, {threads} threads, backends "
        f"{', '.join(candidates)}; load average {info.get('load_average_1_5_15')}")

    def save(per_sequence):
        if state:
            write_text(state, json.dumps({"key": key, "per_sequence": per_sequence}) + "\n")

    def progress(name):
        log(f"  {name} done ({time.strftime('%H:%M:%S')}, load average {os.getloadavg()[0]:.1f})")

    finished = [n for n, row in done.items() if set(row["backends"]) >= set(candidates)]
    sequences = sorted_dev_sequences(dev, names, finished, frames, extra=extra)
    result = calibrate(reference, candidates, sequences, threads, seeds, jpeg, done=done, save=save,
                       progress=progress, other_threads=other)
    if names:
        result["sequences"] = {n: r for n, r in result["sequences"].items() if n in names}
    info_end = [round(v, 2) for v in os.getloadavg()]
    return {"machine": info, "load_average_end": info_end, "cpu_kind": cpu_kind(),
            "date": datetime.datetime.now().isoformat(timespec="seconds"), "weights": weights,
            "weights_sha1": digest, "arch": model.arch, "scales": scales, "threads": threads, "seeds": list(seeds),
            "jpeg": jpeg, "frames_per_sequence": frames or "all", "dev_roots": list(dev),
            "validation": validation, "criterion": CRITERION, "reference_engine": engine,
            "kernel_paths": {name: kernel_path(name) for name in candidates},
            "int8_calibration": calibration or "synthetic", "int8_real_calibration": int8_real, **result}


def log_calibration(log, report: dict) -> None:
    from ..backends.fidelity import calibration_table

    engine = "eager torch" if report.get("reference_engine", "torch") == "torch" else report["reference_engine"]
    log(f"calibration ({engine} fp32 reference, {report['threads']} threads, {len(report['sequences'])} sequences; "
        f"AUC change under each run, and each backend's AUC change):")
    paths = report.get("kernel_paths") or {}
    for line in calibration_table(report, {f"{n}@{paths[n]}" if n in paths else n: b
                                           for n, b in report["backends"].items()}):
        log("  " + line)
    for name, fid in report["backends"].items():
        log(f"{name:11s} IoU mean {fid['mean_iou']:.4f} p1 {fid['p1_iou']:.4f}; AUC {fid['mean_auc']:.4f}, change "
            f"mean {fid['mean_auc_delta']:+.4f}, mean |change| {fid['mean_abs_auc_delta']:.4f} (bound "
            f"{report.get('bound') or 0:.4f}), worst {fid['worst_auc_delta']:+.4f} ({fid['worst_sequence']}) -> "
            + ("faithful" if fid["faithful"] else "NOT faithful: " + "; ".join(fid["why_not"])))


def cmd_calibrate(args) -> int:
    from ..backends.choice import cpu_kind
    from ..common.atomic import write_text
    from ..common.errors import ConfigError
    from ..backends.fidelity import record_update

    if not args.dev:
        raise ConfigError("--calibrate needs --dev ROOT,ROOT (the dev sequences, e.g. "
                          "../shared/data/eval/otb,../shared/data/eval/vot)")
    if len(args.scales) != 1:
        raise ConfigError("--calibrate takes one --scales value")
    path = args.out or os.path.join("benchmarks", f"{datetime.date.today().isoformat()}-"
                                                  f"{machine_slug(machine_info())}-calibration.json")
    names = [n.strip() for n in (args.sequence or "").split(",") if n.strip()]
    if args.record and (args.frames or names):
        raise ConfigError("--record takes every dev sequence whole: drop --frames and --sequence")
    if not args.no_save:  # a calibration runs for tens of minutes: its outputs are checked first
        check_writable(path, "--out", create=True)
    if args.record:
        check_writable(args.record, "--record", create=True)
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    if args.validation and not os.path.isfile(args.validation):
        raise ConfigError(f"--validation: no curation config {args.validation}")
    report = run_calibration(args.dev, tuple(args.backends or ()), args.scales[0], args.checkpoint,
                             (args.archs or ["alexnet-slim"])[0], args.threads or None, tuple(args.seeds),
                             args.jpeg, args.calibration, state=None if args.no_save else path + ".partial",
                             frames=args.frames, names=names, engine=args.reference_engine,
                             validation=args.validation, real_crops=args.real_crops, log=say)
    log_calibration(say, report)
    if not args.no_save:
        write_text(path, json.dumps(report, indent=1) + "\n")
        if os.path.exists(path + ".partial") and not names:  # a share of the sequences: kept, to merge
            os.remove(path + ".partial")
        say(f"wrote {path}")
    if args.record:
        previous = json.load(open(args.record)) if os.path.isfile(args.record) else {}
        about = {"arch": report["arch"], "cpu": report["machine"]["cpu"], "cpu_kind": cpu_kind(),
                 "threads": report["threads"], "source": os.path.basename(path),
                 "reference_engine": report["reference_engine"], "sequences": len(report["sequences"]),
                 "onnxruntime": report["machine"].get("onnxruntime"), "torch": report["machine"]["torch"]}
        write_text(args.record, json.dumps(record_update(previous, report, report["weights_sha1"],
                                                         report["scales"], about, cpu_flags()), indent=1) + "\n")
        say(f"wrote {args.record}")
        real = report.get("int8_real_calibration")
        if real and args.real_crops:  # the scales int8-real was judged with travel with the record
            from ..backends.onnx_backend import INT8_SCALES

            scales_path = os.path.join(os.path.dirname(os.path.abspath(args.record)), INT8_SCALES)
            shipped = json.load(open(scales_path)) if os.path.isfile(scales_path) else {}
            shipped[report["weights_sha1"]] = real
            write_text(scales_path, json.dumps(shipped, indent=1) + "\n")
            say(f"wrote {scales_path}")
    print(json.dumps(report))
    return 0


def log_fidelity(log, row: dict) -> None:
    fid = row["fidelity"]
    if not isinstance(fid, dict):
        return
    log(f"{row['arch']:13s} {row['scales']}s {row['backend']:11s} fidelity: shared-state IoU mean "
        f"{fid['mean_iou']:.4f} p1 {fid['p1_iou']:.4f}, shift {fid['mean_shift_px']:.2f} px (p99 "
        f"{fid['p99_shift_px']:.2f}); AUC change mean {fid['mean_auc_delta']:+.4f}, worst "
        f"{fid['worst_auc_delta']:+.4f} ({fid['worst_sequence']}) -> "
        f"{'faithful' if fid['faithful'] else 'NOT faithful'}")


# ---- CLI ----------------------------------------------------------------------------------------------------------
def _csv(kind):
    def parse(text: str):
        return [kind(v.strip()) for v in text.split(",") if v.strip()]
    return parse


def cmd_bench(args) -> int:
    if args.calibrate:
        return cmd_calibrate(args)
    from ..backends.spec import TrackerSpec

    spec = TrackerSpec.from_args(args)  # the weights, device and threads; the rest are bench's own lists
    unknown = [b for b in args.backends or () if b not in BACKENDS]
    if unknown:
        raise UsageError(f"unknown backend(s) {unknown}; choose from {list(BACKENDS)}")
    if not args.no_save:  # refused before minutes of timing, not after them
        check_writable(args.out or os.path.join("benchmarks", "bench.json"), "--out", create=True)
    report = run_bench(args.root, args.sequence, tuple(args.backends or ()), tuple(args.archs),
                       tuple(args.scales), args.runs, args.frames, spec=spec, calibration=args.calibration,
                       dev=args.dev, real_crops=args.real_crops, log=lambda text: print(text, flush=True))
    if getattr(args, "verbose", False):  # which sequences moved, from the record `auto` reads
        for digest, arch, scales in sorted({(r["weights_sha1"], r["arch"], r["scales"]) for r in report["results"]
                                             if r["weights"] != "random"}):
            print(f"{arch}:", flush=True)
            log_recorded_table(lambda text: print(text, flush=True), digest, scales)
    if not args.no_save:
        from ..common.atomic import write_text

        path = args.out or os.path.join("benchmarks", f"{datetime.date.today().isoformat()}-"
                                                      f"{machine_slug(report['machine'])}.json")
        write_text(path, json.dumps(report, indent=2) + "\n")
        print(f"wrote {path}", file=sys.stderr)
    print(json.dumps(report))
    return 0


def cmd_export(args) -> int:
    from ..backends.build import build_model
    from ..backends.onnx_backend import export_onnx
    from ..backends.spec import TrackerSpec

    if args.format == "siamfc-pytorch":
        from .weights_cli import cmd_export_weights

        return cmd_export_weights(args)
    if not args.onnx:
        from ..common.errors import ConfigError

        raise ConfigError("--format onnx needs --onnx PATH")
    model, _ = build_model(TrackerSpec.from_args(args))
    paths = export_onnx(model, args.onnx, int8=args.int8, calibration=args.calibration, head=args.head)
    for path in paths:
        print(path)
    return 0


# bench runs its own lists of backends, architectures and presets (--backends, --archs, --scales): of the tracker
# options it takes those of the weights and of the machine; export takes the weights' only
BENCH_FIELDS = ("checkpoint", "random_weights", "seed", "device", "threads")


def register(subparsers, common) -> None:
    from ..backends.spec import MODEL_FIELDS, add_options

    p = subparsers.add_parser("bench", help="tracking speed per backend, architecture, scales",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(p, BENCH_FIELDS)
    p.add_argument("--root", help="an OTB-layout sequence folder (img/ + groundtruth_rect.txt) or a dataset root "
                                  "(default: a synthetic sequence)")
    p.add_argument("--sequence", help="sequence name under a dataset root (default: the first)")
    p.add_argument("--backends", type=_csv(str),
                   help=f"comma-separated, from {','.join(BACKENDS)} (default: every one installed here)")
    p.add_argument("--archs", type=_csv(str), default=["alexnet-slim"], help="comma-separated architectures")
    p.add_argument("--scales", type=_csv(int), default=[3], help="comma-separated numbers of scales (3: siamfc-3s, "
                                                                 "5: siamfc-5s)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per configuration (fps: their median)")
    p.add_argument("--frames", type=int, help="use only the first N frames")
    p.add_argument("--calibration", help="int8: sequence folder, dataset root or curated training set for the "
                                         "calibration crops (default: the synthetic benchmark)")
    p.add_argument("--real-crops", metavar="CURATED_DIR",
                   help="int8-real: calibrate on this curated training set (`siamfc curate`'s folder) instead of the "
                        "activation scales shipped for the weights")
    p.add_argument("--validation", metavar="CURATE_TOML",
                   help="--calibrate: add the validation videos this curation config holds out of training (needs "
                        "$SIAMFC_SOURCES and $SIAMFC_SHARED_DATA)")
    p.add_argument("--dev", type=_csv(str), metavar="ROOT,ROOT",
                   help="dataset roots whose sequences the fidelity criterion runs on (default: the bench sequence)")
    p.add_argument("--calibrate", action="store_true",
                   help="calibrate the faithfulness rule instead of timing: the eager fp32 reference's own AUC changes "
                        "on every --dev (and --validation) sequence (the other thread count, +-1 grey level of noise "
                        "per --seeds, JPEG per --jpeg) and every backend's fidelity judged against them; resumes "
                        "from <out>.partial")
    p.add_argument("--seeds", type=_csv(int), default=[1, 2], help="--calibrate: noise seeds (default 1,2)")
    p.add_argument("--reference-engine", choices=["torch", "onnx"], default="torch",
                   help="--calibrate: the fp32 engine the reference runs on (default torch, eager; onnx: the same "
                        "maths, faster)")
    p.add_argument("--jpeg", type=int, metavar="QUALITY",
                   help="--calibrate: one more run per seed, the noisy frames re-encoded as JPEG at this quality")
    p.add_argument("--record", metavar="FIDELITY_JSON",
                   help="--calibrate: write the verdicts into this fidelity record (the shipped one: "
                        "siamfc_plugin/backends/fidelity_record.json)")
    p.add_argument("--out", help="JSON file (default benchmarks/<date>-<machine>.json)")
    p.add_argument("--no-save", action="store_true", help="print the JSON only")
    p.set_defaults(func=cmd_bench)

    p = subparsers.add_parser("export",
                              help="export the network to ONNX (search + exemplar) or as a siamfc-pytorch state_dict")
    add_options(p, MODEL_FIELDS)
    p.add_argument("--format", choices=["onnx", "siamfc-pytorch"], default="onnx",
                   help="onnx (default; --onnx PATH) or siamfc-pytorch (--out PATH: a state_dict that "
                        "huanglianghua/siamfc-pytorch's Net(AlexNetV1(), SiamFC(0.001)) loads; the alexnet arch)")
    p.add_argument("--out", help="--format siamfc-pytorch: the .pth to write")
    p.add_argument("--drop-score-bias", action="store_true",
                   help="--format siamfc-pytorch: export even though the score bias (which siamfc-pytorch lacks) "
                        "is not 0")
    p.add_argument("--onnx", metavar="PATH",
                   help="search branch file; the exemplar branch goes to <stem>-exemplar.onnx beside it")
    p.add_argument("--int8", action="store_true", help="statically quantise the search branch (int8)")
    p.add_argument("--calibration", help="int8: sequence folder or dataset root for the calibration crops")
    p.add_argument("--head", choices=["fused", "conv"], default="fused",
                   help="cross-correlation head: fused into the last conv (fast) or a plain conv with z as weight")
    p.set_defaults(func=cmd_export)
