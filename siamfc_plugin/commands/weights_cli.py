"""`siamfc import`: published SiamFC weights (MatConvNet .mat, siamfc-pytorch and got-10k/siamfc state_dicts) into
a checkpoint of this plugin, or `--check` to see what a file computes; the formats live in core/weights.py."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
from ..common.errors import ConfigError, UsageError


def cmd_import(args) -> int:
    from ..common.errors import ConfigError
    from ..core.checkpoint import save_checkpoint
    from ..core.config import preset
    from ..core.weights import import_weights

    if not args.check and not args.out:
        raise ConfigError("give --out PATH (the checkpoint to write) or --check")
    if args.out and not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):
        raise UsageError(f"--out {args.out}: folder {os.path.dirname(os.path.abspath(args.out))} does not exist")
    model, provenance = import_weights(args.file)  # CheckpointError (one line, exit 2) before anything is written
    if args.check:
        report = {"provenance": provenance, **check_report(model)}
        print(json.dumps(report) if args.json else format_report(report))
    if args.out:
        save_checkpoint(args.out, model, preset(provenance["source_preset"]),
                        training={"imported": True}, extra={"provenance": provenance})
        print(f"{provenance['source_format']} -> {args.out} (arch alexnet, source preset "
              f"{provenance['source_preset']}, "
              f"sha256 {provenance['source_sha256'][:16]}...)", file=sys.stderr)
    return 0


def check_report(model) -> dict:
    """Feature statistics per layer on the first frame of the embedded synthetic sequence, and the frame-2 score
    map (17x17, rounded) of the exemplar against the search crop at the true box: what a conversion computes."""
    import torch

    from ..core.crops import context_side, crop, mean_colour
    from ..data.synthetic import SyntheticConfig, make_sequence

    frames, boxes = make_sequence(np.random.default_rng(0), SyntheticConfig(frames=2, sequences=1))
    geo = model.geometry

    def cut(frame, box, out):
        side = context_side(box[2], box[3], geo.context) * out / geo.exemplar_size
        centre = (box[0] + box[2] / 2, box[1] + box[3] / 2)
        image = crop(frame, centre, side, out, mean_colour(frame))
        return torch.from_numpy(image).permute(2, 0, 1)[None].float()

    z, x = cut(frames[0], boxes[0], geo.exemplar_size), cut(frames[1], boxes[1], geo.instance_size)
    layers, h = [], z
    with torch.no_grad():
        for i, module in enumerate(model.embedding):
            h = module(h)
            if isinstance(module, torch.nn.Conv2d) or i == len(model.embedding) - 1:
                layers.append({"layer": f"{i}:{type(module).__name__}", "shape": list(h.shape[1:]),
                               "mean": round(float(h.mean()), 5), "std": round(float(h.std()), 5)})
        score = model(z, x)[0, 0].numpy()
    peak = np.unravel_index(int(np.argmax(score)), score.shape)
    return {"exemplar_features": layers,
            "score_map": {"min": float(score.min()), "max": float(score.max()), "peak_row_col": [int(v) for v in peak],
                          "centre": (score.shape[0] - 1) // 2, "map": np.round(score, 3).tolist()}}


def format_report(report: dict) -> str:
    prov, score = report["provenance"], report["score_map"]
    lines = [f"{prov['source_file']}: {prov['source_format']}, sha256 {prov['source_sha256']}",
             f"  label: {prov['source_label']}; source tracker preset: {prov['source_preset']}; score gain "
             f"{prov['score_gain']:g}, bias {prov['score_bias']:g}",
             "exemplar features (first frame of the embedded synthetic sequence, RGB 0-255):"]
    for layer in report["exemplar_features"]:
        lines.append(f"  {layer['layer']:<12} {'x'.join(map(str, layer['shape'])):<10} mean {layer['mean']:>10.4f}  "
                     f"std {layer['std']:>10.4f}")
    lines.append(f"score map at frame 2 (search crop at the true box; a trained net peaks near the centre "
                 f"{score['centre']},{score['centre']}): min {score['min']:.4f} max {score['max']:.4f} peak "
                 f"{score['peak_row_col'][0]},{score['peak_row_col'][1]}")
    lines += ["  " + " ".join(f"{v:7.2f}" for v in row) for row in score["map"]]
    return "\n".join(lines)


def cmd_export_weights(args) -> int:
    """`siamfc export --format siamfc-pytorch --out FILE`: our final net as siamfc-pytorch's state_dict."""
    import torch

    from ..common.atomic import atomic_path
    from ..common.errors import ConfigError
    from ..backends.build import build_model
    from ..backends.spec import TrackerSpec
    from ..core.weights import export_siamfc_pytorch

    if not args.out:
        raise ConfigError("--format siamfc-pytorch needs --out PATH")
    spec = TrackerSpec.from_args(args)
    if not spec.checkpoint and not spec.arch:  # siamfc-pytorch's net is the full AlexNet
        spec = spec.replace(arch="alexnet")
    model, _ = build_model(spec)
    state = export_siamfc_pytorch(model, drop_score_bias=args.drop_score_bias)
    with atomic_path(args.out) as tmp:
        torch.save(state, tmp)
    print(args.out)
    return 0


def register(subparsers, common) -> None:
    p = subparsers.add_parser("import", help="convert published SiamFC weights (.mat, siamfc-pytorch/got-10k .pth)",
                              description=__doc__)
    p.add_argument("file", help="2016-08-17.net.mat (bertinetto/siamese-fc), siamfc_alexnet_e50.pth "
                                "(huanglianghua/siamfc-pytorch) or model.pth (got-10k/siamfc)")
    p.add_argument("--out", help="checkpoint to write (records the source format, SHA-256 and the source's preset)")
    p.add_argument("--check", action="store_true",
                   help="print the feature statistics and a score map on the embedded synthetic sequence")
    p.add_argument("--json", action="store_true", help="--check: one JSON object instead of text")
    p.set_defaults(func=cmd_import)
