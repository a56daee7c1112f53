"""Tracking speed on a GPU: fps per sequence (slim and final net, 3 and 5 scales) and batched multi-sequence frames/s.

    python benchmarks/gpu_track.py --out OUT/gpu_track.json [--device cuda] [--quick]

Frames are the package's synthetic sequences (640x480, generated in memory, decoding excluded), so the script needs
no dataset and runs on a bare GPU image with the repository on PYTHONPATH. The slim net is the shipped model; the
final net has the shipped architecture's random initialisation unless --alexnet-checkpoint is given (speed does not
depend on the weights). Without CUDA it says so and exits 0 (--device cpu measures the CPU instead).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.getcwd())  # the repository root: the GPU image has no install of the package

import torch  # noqa: E402

from siamfc_plugin.backends.batched import run_batched  # noqa: E402
from siamfc_plugin.backends.torch_backend import TorchBackend  # noqa: E402
from siamfc_plugin.core.checkpoint import load_model, shipped_model_path  # noqa: E402
from siamfc_plugin.core.config import preset  # noqa: E402
from siamfc_plugin.core.network import SiamFC  # noqa: E402
from siamfc_plugin.core.tracker import SiamFCTracker  # noqa: E402
from siamfc_plugin.data.synthetic import SyntheticConfig, make_sequence  # noqa: E402


def models(alexnet_checkpoint: str | None):
    slim, _ = load_model(shipped_model_path("alexnet-slim"), "alexnet-slim")
    if alexnet_checkpoint:
        final, _ = load_model(alexnet_checkpoint, "alexnet")
    else:
        final = SiamFC("alexnet")
        final.initialise()
    return {"alexnet-slim": slim.eval(), "alexnet": final.eval()}


def per_sequence_fps(tracker, sequences) -> list[float]:
    out = []
    for frames, boxes in sequences:
        tracker.init(frames[0], boxes[0])
        if tracker.backend.cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        for frame in frames[1:]:
            tracker.update(frame)  # returns a box computed on the host: the GPU work is finished
        out.append((len(frames) - 1) / (time.perf_counter() - start))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--alexnet-checkpoint")
    parser.add_argument("--precision", default="auto", help="TorchBackend precision (auto: fp16 on CUDA)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("gpu_track: no CUDA device here; nothing measured (use --device cpu to measure the CPU)")
        return 0
    n_seq, n_frames = (2, 20) if args.quick else (4, 300)
    config = SyntheticConfig(sequences=n_seq, frames=n_frames, width=640, height=480, seed=0)
    rng = np.random.default_rng(0)
    sequences = [make_sequence(rng, config) for _ in range(n_seq)]
    device_name = torch.cuda.get_device_name() if args.device.startswith("cuda") else platform.processor()
    report = {"device": device_name, "torch": torch.__version__, "precision": args.precision,
              "frames": f"{n_seq} synthetic sequences x {n_frames} frames, 640x480, preloaded", "single": {},
              "batched": {}}
    for arch, model in models(args.alexnet_checkpoint).items():
        backend = TorchBackend.from_model(model, args.device, precision=args.precision)
        for preset_name in ("siamfc-3s", "siamfc-5s"):
            tracker = SiamFCTracker(backend, preset(preset_name))
            per_sequence_fps(tracker, sequences[:1])  # warm-up: cuDNN picks its kernels
            fps = per_sequence_fps(tracker, sequences)
            report["single"][f"{arch} {preset_name}"] = {"fps_mean": float(np.mean(fps)),
                                                         "fps_per_sequence": [round(f, 1) for f in fps]}
            print(arch, preset_name, f"{np.mean(fps):.1f} fps", flush=True)
        copies = 2 if args.quick else 16  # 64 sequences: the same frames, each its own tracker
        batch_input = [(f"s{k}", frames, boxes[0]) for k in range(copies) for frames, boxes in sequences]
        for batch in (8, 32, 64):
            factory = lambda: SiamFCTracker(backend, preset("siamfc-3s"))  # noqa: E731 (one shared backend)
            run_batched(factory, batch_input[:batch], batch_size=batch, max_frames=10)  # warm-up
            start = time.perf_counter()
            results = run_batched(factory, batch_input, batch_size=batch, max_frames=60)
            seconds = time.perf_counter() - start
            frames = sum(len(r.boxes) for r in results)
            report["batched"][f"{arch} siamfc-3s batch {batch}"] = {"frames_per_s": frames / seconds,
                                                                    "sequences": len(batch_input)}
            print(arch, "batch", batch, f"{frames / seconds:.0f} frames/s", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(report, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
