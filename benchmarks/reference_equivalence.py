"""Reference equivalence: huanglianghua/siamfc-pytorch's own tracker and ours, the same weights, the same frames.

    python benchmarks/reference_equivalence.py --reference /tmp/siamfc-pytorch-ref \\
        --mirror /work/.mirror/huanglianghua+siamfc-pytorch/repo/.git --frames 40 \\
        --out benchmarks/reference_equivalence.json

--reference is a folder holding siamfc-pytorch's `siamfc/` package, outside this repository (its code is never
committed here); with --mirror (a git directory of that repository) the folder is filled from its HEAD first.
Weights: (1) random weights in siamfc-pytorch's format (its Net(AlexNetV1(), SiamFC(0.001)) with its own init, then
seeded random BatchNorm statistics and conv biases, so that the conversion's folding is exercised) and (2) our
`alexnet` net (seeded initialisation) exported with `siamfc export --format siamfc-pytorch`'s code path. Each file
is loaded by siamfc-pytorch's TrackerSiamFC(net_path=...) and by our build_tracker(checkpoint=...), which converts it.

Per sequence of ../shared/data/eval (OTB and VOT; VOT polygons to their axis-aligned box, the same initial box for
both): the max abs difference of the frame-2 score maps (a: the same crops, siamfc-pytorch's, through both networks;
b: each tracker's own crops under the siamfc-pytorch preset), and per tracker configuration the per-frame IoU between
its boxes and siamfc-pytorch's and the one-pass AUC of each. Configurations: `siamfc-3s` (ours), `siamfc-pytorch`
(the preset equal to the reference), and `siamfc-pytorch` with one of its differences from ours put back, which names
what each difference does.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from siamfc_plugin.backends.build import build_tracker  # noqa: E402
from siamfc_plugin.common.atomic import write_text  # noqa: E402
from siamfc_plugin.core.metrics import iou, success_auc  # noqa: E402
from siamfc_plugin.core.network import SiamFC  # noqa: E402
from siamfc_plugin.core.weights import export_siamfc_pytorch  # noqa: E402
from siamfc_plugin.data.images import read_frame  # noqa: E402
from siamfc_plugin.data.readers import read_sequences  # noqa: E402

# Each difference between our default tracker and siamfc-pytorch's, as the override that puts ours back on top of
# the siamfc-pytorch preset.
DIFFERENCES = {
    "crop: sub-pixel warp (ours) vs whole-pixel crop + cv2.resize": {"crop_mode": "subpixel"},
    "box origin: 0-based (ours) vs boxes read as 1-based (crop 1 px up-left)": {"box_origin": 0.0},
    "scale penalty: sign-aware (ours) vs plain product": {"penalty_mode": "sign-aware"},
    "size clamp [0.2, 5] x initial and >= 4 px (ours) vs none": {"scale_clamp": "target", "min_target_px": 4.0},
    "centre clipped to the frame (ours) vs not": {"clip_center": True},
}


def prepare_reference(folder: str, mirror: str | None) -> None:
    if mirror and not os.path.isdir(os.path.join(folder, "siamfc")):
        os.makedirs(folder, exist_ok=True)
        archive = subprocess.run(["git", "--git-dir", mirror, "archive", "HEAD", "siamfc"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    if not os.path.isdir(os.path.join(folder, "siamfc")):
        raise SystemExit(f"{folder} has no siamfc/ package (give --mirror to fill it from a git mirror)")
    if os.path.commonpath([os.path.abspath(folder), REPO]) == REPO:
        raise SystemExit("--reference must lie outside this repository")
    sys.path.insert(0, folder)


def reference_commit(mirror: str | None) -> str | None:
    if not mirror:
        return None
    return subprocess.run(["git", "--git-dir", mirror, "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or None


def random_reference_weights(path: str, seed: int, images: list) -> None:
    """siamfc-pytorch's own net and init, random conv biases and BatchNorm affine parameters (seeded), and BatchNorm
    statistics of crops of real frames (its init alone leaves BatchNorm at mean 0, variance 1 on 0-255 input: score
    maps flat to 5 significant digits, whose argmax float rounding decides)."""
    from siamfc import ops
    from siamfc.backbones import AlexNetV1
    from siamfc.heads import SiamFC as Head
    from siamfc.siamfc import Net

    torch.manual_seed(seed)
    net = Net(backbone=AlexNetV1(), head=Head(0.001))
    ops.init_weights(net)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, module in net.named_modules():
            if isinstance(module, torch.nn.Conv2d):
                module.bias.uniform_(-0.1, 0.1, generator=gen)
            elif isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.8, 1.2, generator=gen)
                module.bias.uniform_(-0.1, 0.3, generator=gen)
                module.momentum = 1.0  # the statistics of the batch below become the running ones
        rng = np.random.default_rng(seed)
        batch = []
        for image in images:
            y = rng.integers(0, max(1, image.shape[0] - 255))
            x = rng.integers(0, max(1, image.shape[1] - 255))
            batch.append(np.ascontiguousarray(image[y:y + 255, x:x + 255]))
        net.train()
        net.backbone(torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).float())
        net.eval()
    torch.save(net.state_dict(), path)


def ours_exported(path: str, seed: int) -> None:
    torch.manual_seed(seed)
    model = SiamFC("alexnet")
    model.initialise()
    model.eval()
    torch.save(export_siamfc_pytorch(model), path)


def reference_maps(tracker, image: np.ndarray):
    """siamfc-pytorch's crops and raw score maps for a frame, through its own functions (its state untouched)."""
    from siamfc import ops

    crops = np.stack([ops.crop_and_resize(image, tracker.center, tracker.x_sz * f, out_size=tracker.cfg.instance_sz,
                                          border_value=tracker.avg_color) for f in tracker.scale_factors])
    with torch.no_grad():
        x = torch.from_numpy(crops).permute(0, 3, 1, 2).float()
        maps = tracker.net.head(tracker.kernel, tracker.net.backbone(x))[:, 0].numpy()
    return crops, maps


def reference_exemplar(tracker, image: np.ndarray) -> np.ndarray:
    from siamfc import ops

    return ops.crop_and_resize(image, tracker.center, tracker.z_sz, out_size=tracker.cfg.exemplar_sz,
                               border_value=tracker.avg_color)


def run_sequence(seq, frames, weights: str, configs: dict, threads: int) -> dict:
    from siamfc.siamfc import TrackerSiamFC

    gt = seq.boxes[: len(frames)]
    init_box = gt[0].copy()
    ref = TrackerSiamFC(net_path=weights)
    t0 = time.perf_counter()
    ref.init(frames[0], init_box)
    z_ref = reference_exemplar(ref, frames[0])
    ref_crops, ref_maps = reference_maps(ref, frames[1])
    ref_boxes = [init_box]
    for frame in frames[1:]:
        ref_boxes.append(ref.update(frame))
    ref_boxes = np.array(ref_boxes)
    ref_time = time.perf_counter() - t0
    out = {"frames": len(frames), "reference_auc": round(success_auc(ref_boxes, gt), 4),
           "reference_seconds": round(ref_time, 1), "configs": {}}
    for label, (preset_name, overrides) in configs.items():
        built = build_tracker(checkpoint=weights, preset=preset_name, overrides=overrides, backend="torch",
                              threads=threads)
        tracker = built.tracker
        tracker.init(frames[0], init_box)
        row = {}
        if label == "siamfc-pytorch":
            backend = tracker.backend
            # (a) the same crops (siamfc-pytorch's) through both networks
            kernel = backend.embed_exemplar(z_ref[None])
            row["score_maxabs_same_crops"] = float(np.abs(backend.score(kernel, ref_crops) - ref_maps).max())
            # (b) each tracker's own crops and exemplar
            own = backend.score(tracker.kernel, tracker.search_crops(frames[1]).copy())
            row["score_maxabs_own_crops"] = float(np.abs(own - ref_maps).max())
            row["score_scale"] = float(np.abs(ref_maps).max())
            row["score_range"] = float(np.ptp(ref_maps, axis=(1, 2)).min())
            row["crops_identical"] = bool(np.array_equal(tracker.search_crops(frames[1]), ref_crops))
        boxes = [init_box]
        for frame in frames[1:]:
            boxes.append(tracker.update(frame))
        boxes = np.array(boxes)
        overlap = iou(boxes, ref_boxes)
        row.update({"auc": round(success_auc(boxes, gt), 4), "iou_vs_reference_mean": round(float(overlap.mean()), 6),
                    "iou_vs_reference_min": round(float(overlap.min()), 6),
                    "frames_equal": int((overlap > 0.999).sum()),
                    "first_frame_differing": (int(np.argmax(overlap <= 0.999)) + 1 if (overlap <= 0.999).any()
                                              else None),
                    "box_maxabs_diff": round(float(np.abs(boxes - ref_boxes).max()), 6)})
        out["configs"][label] = row
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", required=True, help="folder with siamfc-pytorch's siamfc/ (outside the repo)")
    parser.add_argument("--mirror", help="git directory of huanglianghua/siamfc-pytorch to fill --reference from")
    parser.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data", "eval"),
                        help="folder with otb/ and vot/ (default ../shared/data/eval)")
    parser.add_argument("--frames", type=int, default=40, help="frames per sequence (default 40)")
    parser.add_argument("--sequences", help="comma-separated names (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablations", choices=["random", "all", "none"], default="random",
                        help="which weight sets run the one-difference-back configurations (default random)")
    parser.add_argument("--out", help="JSON file to write")
    parser.add_argument("--table", metavar="JSON", help="only print the markdown tables of an earlier run's JSON")
    args = parser.parse_args(argv)
    if args.table:
        with open(args.table) as handle:
            print(markdown(json.load(handle)))
        return 0
    torch.set_num_threads(args.threads)
    prepare_reference(os.path.abspath(args.reference), args.mirror)

    workdir = os.path.join(os.path.abspath(args.reference), "weights")
    os.makedirs(workdir, exist_ok=True)
    weight_sets = {"random weights in siamfc-pytorch's format": os.path.join(workdir, "random_siamfc_pytorch.pth"),
                   "ours (alexnet, seeded init) exported": os.path.join(workdir, "ours_exported.pth")}
    wanted = args.sequences.split(",") if args.sequences else None
    sequences = []
    for layout in ("otb", "vot"):
        root = os.path.join(args.data, layout)
        for seq in read_sequences(root, layout if layout == "otb" else None):
            if wanted is None or seq.name in wanted:
                sequences.append((layout, seq))
    paths = list(weight_sets.values())
    # BatchNorm statistics from 8 frames of the data (the first frame of each sequence, in turn)
    calibration = [read_frame(seq.frames[0]) for _, seq in sequences]
    calibration = [f for f in calibration if min(f.shape[:2]) >= 255][:8] or calibration[:1]
    random_reference_weights(paths[0], args.seed, (calibration * 8)[:8])
    ours_exported(paths[1], args.seed)

    result = {"command": " ".join([os.path.relpath(sys.argv[0], REPO)] + (argv or sys.argv[1:])),
              "date": datetime.date.today().isoformat(), "machine": platform.processor() or platform.machine(),
              "torch": torch.__version__, "threads": args.threads, "frames_per_sequence": args.frames,
              "reference": {"repository": "huanglianghua/siamfc-pytorch", "commit": reference_commit(args.mirror),
                            "tracker": "siamfc.siamfc.TrackerSiamFC (its defaults: 3 scales)"},
              "differences": {name: overrides for name, overrides in DIFFERENCES.items()},
              "weights": {}}
    for (label, path) in weight_sets.items():
        configs = {"siamfc-3s": ("siamfc-3s", {}), "siamfc-pytorch": ("siamfc-pytorch", {})}
        if args.ablations == "all" or (args.ablations == "random" and path == paths[0]):
            configs.update({f"siamfc-pytorch + ours: {name}": ("siamfc-pytorch", overrides)
                            for name, overrides in DIFFERENCES.items()})
        entry = {"file": os.path.basename(path),
                 "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(), "sequences": {}}
        for layout, seq in sequences:
            frames = [read_frame(f) for f in seq.frames[: args.frames]]
            entry["sequences"][f"{layout}/{seq.name}"] = run_sequence(seq, frames, path, configs, args.threads)
            row = entry["sequences"][f"{layout}/{seq.name}"]
            print(f"{label[:24]:24} {layout}/{seq.name:14} ref AUC {row['reference_auc']:.3f} "
                  + " ".join(f"[{k[:40]}: IoU min {v['iou_vs_reference_min']:.3f} AUC {v['auc']:.3f}]"
                             for k, v in row["configs"].items()), flush=True)
        entry["summary"] = summarise(entry["sequences"])
        result["weights"][label] = entry
    text = json.dumps(result, indent=1)
    if args.out:
        write_text(args.out, text + "\n")
    print(markdown(result))
    return 0


def markdown(result: dict) -> str:
    """Per weight set: one row per sequence (frame-2 score-map max abs difference, reference AUC, and for `siamfc-3s`
    and `siamfc-pytorch` the IoU with the reference boxes and the AUC), then one row per difference put back."""
    lines = []
    for label, entry in result["weights"].items():
        lines += [f"*{label}* (`{entry['file']}`):", "",
                  "| sequence | frames | score map max abs diff, frame 2 (same crops / own crops; map range) | "
                  "reference AUC | `siamfc-pytorch`: IoU with reference min / mean, AUC | "
                  "`siamfc-3s`: IoU min / mean, AUC |",
                  "|---|---:|---|---:|---|---|"]
        for name, row in entry["sequences"].items():
            same, ours = row["configs"]["siamfc-pytorch"], row["configs"]["siamfc-3s"]
            lines.append(f"| {name} | {row['frames']} | {same['score_maxabs_same_crops']:.2g} / "
                         f"{same['score_maxabs_own_crops']:.2g}; {same['score_range']:.3g} | "
                         f"{row['reference_auc']:.3f} | {same['iou_vs_reference_min']:.4f} / "
                         f"{same['iou_vs_reference_mean']:.4f}, {same['auc']:.3f} | "
                         f"{ours['iou_vs_reference_min']:.3f} / {ours['iou_vs_reference_mean']:.3f}, "
                         f"{ours['auc']:.3f} |")
        lines.append("")
        extra = {k: v for k, v in entry["summary"].items() if k.startswith("siamfc-pytorch + ours")}
        if extra:
            lines += ["| configuration (all sequences) | frames equal to the reference | IoU min / mean | mean AUC |",
                      "|---|---:|---|---:|"]
            for k in ("siamfc-pytorch", "siamfc-3s", *extra):
                v = entry["summary"][k]
                lines.append(f"| {k} | {v['frames_equal']} | {v['iou_vs_reference_min']:.3f} / "
                             f"{v['iou_vs_reference_mean']:.3f} | {v['auc_mean']:.3f} |")
            lines.append("| reference (siamfc-pytorch's TrackerSiamFC) | | | "
                         f"{entry['summary']['reference_auc_mean']:.3f} |")
            lines.append("")
    return "\n".join(lines)


def summarise(sequences: dict) -> dict:
    out = {}
    labels = next(iter(sequences.values()))["configs"].keys()
    for label in labels:
        rows = [s["configs"][label] for s in sequences.values()]
        frames = sum(s["frames"] for s in sequences.values())
        out[label] = {"frames_equal": f"{sum(r['frames_equal'] for r in rows)}/{frames}",
                      "iou_vs_reference_min": min(r["iou_vs_reference_min"] for r in rows),
                      "iou_vs_reference_mean": round(float(np.mean([r["iou_vs_reference_mean"] for r in rows])), 4),
                      "auc_mean": round(float(np.mean([r["auc"] for r in rows])), 4)}
        if "score_maxabs_same_crops" in rows[0]:
            out[label]["score_maxabs_same_crops"] = max(r["score_maxabs_same_crops"] for r in rows)
            out[label]["score_maxabs_own_crops"] = max(r["score_maxabs_own_crops"] for r in rows)
            out[label]["crops_identical"] = all(r["crops_identical"] for r in rows)
    out["reference_auc_mean"] = round(float(np.mean([s["reference_auc"] for s in sequences.values()])), 4)
    return out


if __name__ == "__main__":
    sys.exit(main())
