"""GPU benchmark: tracker fps per sequence, batched multi-sequence frames/s and training pairs/s, in one run.

    PYTHONPATH=. python benchmarks/gpu.py --out gpu.json             # a CUDA machine: about 3 minutes
    PYTHONPATH=. python benchmarks/gpu.py --out gpu.json --quick     # a few frames of each: proves the script

It needs only torch (a CUDA build), numpy, opencv-python-headless, tqdm and this repository on PYTHONPATH: no
dataset (the frames are the package's synthetic sequences, or an OTB-layout folder given by --frames), no got10k,
no vot-toolkit, no onnxruntime. Weights: the slim net is the shipped model; the final (alexnet) net has seeded random
weights, since no trained one is shipped (its figures are speed only).

What it measures (JSON to --out, written atomically; a summary on stdout):
- tracker: fps of one sequence tracked alone (frames / tracker seconds: init and every update, decoding excluded,
  the median over the runs), per sequence, for slim and final net, 3 and 5 scales, backends torch (fp16 autocast
  embedding), torch-fp32 and device (backends/device.py: crops in one grid_sample, upsampling and the peak on the
  GPU, one synchronisation per frame); and the mean ms per frame of each stage (crop, network, post-processing).
- batched: frames/s of batched.run_batched (one network batch per frame step across sequences, crops and
  post-processing on the CPU) for several batch sizes, and of the network alone (score_batch on ready crops), which
  is the ceiling the CPU stages leave.
- training: pairs/s of the training loop (pair sampling, augmentation, forward, backward) on the synthetic
  sequences, with the split between data loading and compute.
Targets (issue 22): >= 1,000 fps per sequence (slim, 3 scales) and >= 5,000 frames/s batched on a data-centre GPU.

Without a CUDA GPU the script says so and exits 0 (the JSON says so too); with --quick it then runs every
measurement on the CPU at a tiny size, so that the script itself is tested on machines without a GPU.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import traceback

import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.common.atomic import write_text
from siamfc_plugin.backends.torch_backend import make_backend
from siamfc_plugin.backends.batched import run_batched
from siamfc_plugin.backends.device import DeviceTracker
from siamfc_plugin.commands.bench import build_model, machine_info, track_stages, track_timed
from siamfc_plugin.core.config import preset
from siamfc_plugin.data.synthetic import SyntheticConfig, make_sequence, write_benchmark
from siamfc_plugin.core.tracker import SiamFCTracker

ARCHS = ("alexnet-slim", "alexnet")
SCALE_PRESETS = {3: "siamfc-3s", 5: "siamfc-5s"}
TARGETS = {"fps_per_sequence": 1000, "batched_frames_per_s": 5000}


def settings(quick: bool) -> dict:
    """Sizes of each measurement: the full run, or a few frames of everything (--quick)."""
    if quick:
        return {"sequences": 1, "frames": 4, "size": (320, 240), "runs": 1, "batch_sequences": 3,
                "batch_frames": 3, "batch_sizes": (3,), "network_batches": (3,), "train_batch": 2,
                "train_steps": 1, "train_workers": 0, "warmup": 2, "network_repeats": 1}
    return {"sequences": 3, "frames": 300, "size": (640, 480), "runs": 3, "batch_sequences": 256,
            "batch_frames": 60, "batch_sizes": (16, 64, 256), "network_batches": (48, 192, 768),
            "train_batch": 64, "train_steps": 30, "train_workers": min(8, os.cpu_count() or 1), "warmup": 10,
            "network_repeats": 10}


def load_frames(folder: str | None, count: int, frames: int, size: tuple[int, int]):
    """[(name, frames, boxes)]: OTB-layout sequences under `folder`, else synthetic ones made in memory."""
    if folder:
        from siamfc_plugin.data.readers import read_sequences
        from siamfc_plugin.data.images import read_frame

        sequences = read_sequences(folder)[:count]
        if not sequences:
            raise SystemExit(f"gpu.py: no OTB-layout sequences under {folder}")
        return [(s.name, [read_frame(f) for f in s.frames[:frames]], s.boxes[:frames]) for s in sequences]
    config = SyntheticConfig(frames=frames, width=size[0], height=size[1])
    out = []
    for index in range(count):
        images, boxes = make_sequence(np.random.default_rng([7, index]), config)
        out.append((f"Synthetic{index + 1:02d}", images, boxes))
    return out


def bench_tracker(device: str, sequences, cfg: dict, backends: tuple[str, ...]) -> list[dict]:
    """fps per sequence of one tracker at a time, per architecture, number of scales and backend."""
    rows = []
    combos = [(a, s, b) for a in ARCHS for s in (3, 5) for b in backends]
    models = {arch: build_model(arch, None) for arch in ARCHS}
    for arch, scales, backend_name in tqdm(combos, desc="tracker", file=sys.stdout):
        model, weights = models[arch]
        on_device = backend_name == "device"  # backends/device.py: crops, upsampling and peak on the device
        backend = make_backend("torch" if on_device else backend_name, model, device=device)
        tracker = (DeviceTracker if on_device else SiamFCTracker)(backend, preset(SCALE_PRESETS[scales]),
                                                                   model.geometry)
        name, images, boxes = sequences[0]
        track_timed(tracker, images[: cfg["warmup"]], boxes[0])  # warm-up: cuDNN picks its algorithms
        per_sequence = {}
        for name, images, boxes in sequences:
            fps = [len(images) / track_timed(tracker, images, boxes[0])[1] for _ in range(cfg["runs"])]
            per_sequence[name] = round(statistics.median(fps), 1)
        stages = device_stages(tracker, *sequences[0][1:]) if on_device else \
            track_stages(tracker, sequences[0][1], sequences[0][2][0])
        rows.append({"arch": arch, "scales": scales, "backend": backend_name,
                     "weights": "shipped" if weights != "random" else "random",
                     "fps_per_sequence": per_sequence,
                     "fps_mean": round(statistics.mean(per_sequence.values()), 1),
                     **{k: round(v, 3) for k, v in stages.items()}})
        tqdm.write(f"{arch:13s} {scales}s {backend_name:10s} {rows[-1]['fps_mean']:8.1f} fps  "
                   f"crop {stages['ms_crop']:.2f} net {stages['ms_network']:.2f} post {stages['ms_post']:.2f} ms")
    return rows


def device_stages(tracker, images, boxes) -> dict[str, float]:
    """Mean ms per update of each stage of the device tracker, each synchronised (so slower than its fps says)."""
    timings: dict[str, float] = {}
    tracker.init(images[0], boxes[0])
    for image in images[1:]:
        tracker.update(image, timings)
    n = max(1, len(images) - 1)
    return {f"ms_{k}": v / n * 1e3 for k, v in timings.items()}


def bench_batched(device: str, cfg: dict) -> tuple[list[dict], list[dict]]:
    """Frames/s of run_batched over many sequences at once (slim net, 3 scales), and of the network alone."""
    model, _ = build_model("alexnet-slim", None)
    backend = make_backend("torch", model, device=device)
    config = preset("siamfc-3s")
    # distinct content for a handful of sequences, reused: speed does not depend on which frames they are
    base = load_frames(None, min(8, cfg["batch_sequences"]), cfg["batch_frames"], (320, 240))
    items = [(f"seq{i:04d}", base[i % len(base)][1], base[i % len(base)][2][0])
             for i in range(cfg["batch_sequences"])]
    factory = lambda: SiamFCTracker(backend, config, model.geometry)  # noqa: E731 - every tracker shares the network
    rows = []
    run_batched(factory, items[:2], batch_size=2, max_frames=cfg["warmup"], decode_threads=1)  # warm-up
    for batch_size in tqdm(cfg["batch_sizes"], desc="batched", file=sys.stdout):
        for exact in (False, True):
            start = time.perf_counter()
            results = run_batched(factory, items, batch_size=batch_size, decode_threads=1, exact=exact)
            seconds = time.perf_counter() - start
            frames = sum(len(r.boxes) for r in results)
            rows.append({"batch_size": batch_size, "exact": exact, "sequences": len(items), "frames": frames,
                         "frames_per_s": round(frames / seconds, 1)})
            tqdm.write(f"batched {batch_size:4d} exact={exact!s:5s} {rows[-1]['frames_per_s']:9.1f} frames/s")
    # the network alone: score_batch on ready crops (the upload included), k = 3 crops per sequence
    network = []
    tracker = SiamFCTracker(backend, config, model.geometry)
    tracker.init(base[0][1][0], base[0][2][0])
    for crops_n in cfg["network_batches"]:
        nz = crops_n // 3
        crops = np.random.default_rng(0).integers(0, 256, (nz * 3, 255, 255, 3), dtype=np.uint8)
        stacked = backend.stack_features([tracker.exemplar_features] * nz)
        backend.score_batch(stacked, crops, exact=False)
        repeats = cfg["network_repeats"]
        start = time.perf_counter()
        for _ in range(repeats):
            backend.score_batch(stacked, crops, exact=False)  # returns numpy: synchronised
        seconds = (time.perf_counter() - start) / repeats
        network.append({"sequences_per_batch": nz, "crops": nz * 3, "frames_per_s": round(nz / seconds, 1)})
    return rows, network


def bench_training(device: str, cfg: dict, work: str) -> dict:
    """pairs/s of the training loop on the synthetic sequences (written to `work` as JPEG files)."""
    from siamfc_plugin.training.throughput import measure

    root = os.path.join(work, "synthetic")
    write_benchmark(root, SyntheticConfig(sequences=2 if cfg["train_steps"] < 5 else 8, frames=40))
    config_path = os.path.join(work, "train.json")
    with open(config_path, "w") as handle:
        json.dump({"arch": "alexnet-slim", "sources": [{"kind": "otb", "root": root}],
                   "batch_size": cfg["train_batch"], "workers": cfg["train_workers"], "device": device,
                   "amp": True, "epochs": 1, "pairs_per_epoch": cfg["train_batch"] * (cfg["train_steps"] + 1),
                   "out_dir": os.path.join(work, "run")}, handle)
    result = {}
    for arch in tqdm(ARCHS, desc="training", file=sys.stdout):
        result[arch] = measure(config_path, {"arch": arch}, steps=cfg["train_steps"])
        tqdm.write(f"training {arch:13s} {result[arch]['pairs_per_s']:8.1f} pairs/s "
                   f"(data {100 * result[arch]['data_fraction']:.0f} %)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--quick", action="store_true", help="a few frames of every measurement")
    parser.add_argument("--frames", help="OTB-layout folder of sequences to track instead of synthetic ones")
    parser.add_argument("--device", default="cuda", help="cuda or cuda:N (default cuda)")
    parser.add_argument("--backends", default="torch,torch-fp32,device",
                        help="comma-separated torch backends; 'device': the device tracker (backends/device.py: "
                             "crops, upsampling and peak on the GPU, one synchronisation per frame) on 'torch'")
    args = parser.parse_args(argv)

    report = {"script": "benchmarks/gpu.py", "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "quick": args.quick,
              "targets": TARGETS}
    device = args.device
    if not torch.cuda.is_available():
        reason = (f"no CUDA GPU: torch {torch.__version__} sees none (CUDA build: {torch.version.cuda or 'no'}); "
                  "nothing was measured on a GPU")
        print(f"gpu.py: {reason}.", flush=True)
        report.update(gpu=None, reason=reason)
        if not args.quick:
            write_text(args.out, json.dumps(report, indent=2) + "\n")
            print(f"wrote {args.out}")
            return 0
        print("gpu.py: --quick: running every measurement on the CPU at a tiny size, to test the script.", flush=True)
        device = "cpu"
    else:
        report.update(gpu=torch.cuda.get_device_name(torch.device(device)), cuda=torch.version.cuda,
                      cudnn=torch.backends.cudnn.version())
    cfg = settings(args.quick)
    report.update(machine=machine_info(device), device=device, settings={k: list(v) if isinstance(v, tuple) else v
                                                                          for k, v in cfg.items()})
    started = time.perf_counter()
    sequences = load_frames(args.frames, cfg["sequences"], cfg["frames"], cfg["size"])
    report["sequences"] = {name: {"frames": len(images), "size": list(images[0].shape[1::-1])}
                           for name, images, _ in sequences}
    backends = tuple(b for b in args.backends.split(",") if b)
    failed = []

    def section(name, measure):
        """Run one measurement; a failure is recorded in the JSON and the others still run (one GPU session)."""
        try:
            return measure()
        except Exception as exc:  # noqa: BLE001 - reported, and the exit status says so
            failed.append(name)
            print(f"gpu.py: {name} failed: {type(exc).__name__}: {exc}", flush=True)
            return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}

    report["tracker"] = section("tracker", lambda: bench_tracker(device, sequences, cfg, backends))
    batched = section("batched", lambda: bench_batched(device, cfg))
    report["batched"], report["network_only"] = batched if isinstance(batched, tuple) else (batched, batched)
    with tempfile.TemporaryDirectory(prefix="siamfc-gpu-") as work:
        report["training"] = section("training", lambda: bench_training(device, cfg, work))
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["failed"] = failed
    report["summary"] = summary(report)
    write_text(args.out, json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["summary"]))
    print(f"wrote {args.out} ({report['seconds']} s)" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def summary(report: dict) -> dict:
    """The headline figures of the sections that ran."""
    out = {}
    if isinstance(report["tracker"], list):
        out["fps_per_sequence_best"] = max(r["fps_mean"] for r in report["tracker"])
    if isinstance(report["batched"], list):
        out["batched_frames_per_s_best"] = max(r["frames_per_s"] for r in report["batched"])
        out["network_only_frames_per_s_best"] = max(r["frames_per_s"] for r in report["network_only"])
    if "error" not in report["training"]:
        out["training_pairs_per_s"] = {a: round(r["pairs_per_s"], 1) for a, r in report["training"].items()}
    return out


if __name__ == "__main__":
    sys.exit(main())
