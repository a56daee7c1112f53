"""`siamfc import`: published SiamFC weights (MatConvNet .mat, siamfc-pytorch and got-10k/siamfc state_dicts) into
a checkpoint of this plugin, or `--check` to see what a file computes; the formats live in core/weights.py.

`siamfc weights list | get NAME`: the published nets the plugin knows (core/published.py: where each comes from,
its licence) and their download into the per-user weights cache, where `--checkpoint NAME`, `SIAMFC_CHECKPOINT =
NAME` and the trackers.ini entries find them. `get` downloads with a progress bar, resumes a partial file, retries,
then checks the file as `siamfc import --check` does (its layout, the net it computes) before it is stored, and
records its SHA-256 beside it; offline it says, in one line, where the file is and the manual step."""
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


# ---- siamfc weights ---------------------------------------------------------------------------------------------------
def cmd_weights_list(args) -> int:
    from ..core.published import PUBLISHED_NETS, weights_dir

    rows = []
    for net in PUBLISHED_NETS:
        record = net.record()
        rows.append({"name": net.name, "label": net.label, "file": net.filename, "format": net.fmt,
                     "preset": net.preset, "url": net.download_url(), "page": net.page, "source": net.source,
                     "licence": net.licence, "size": net.size, "mirror": net.mirror or None,
                     "path": net.cached_path() if record is not None else None,
                     "sha256": (record or {}).get("sha256")})
    if args.json:
        print(json.dumps({"weights_dir": weights_dir(), "nets": rows}))
        return 0
    print(f"published SiamFC nets (cache: {weights_dir()}; `siamfc weights get NAME` fetches one):")
    for row in rows:
        have = f"downloaded: {row['path']} (sha256 {row['sha256']})" if row["path"] else "not downloaded"
        size = f"{row['size']:,} bytes" if row["size"] else "size not documented by the publisher"
        print(f"\n{row['name']}\n  {row['label']}; runs with preset {row['preset']} (--checkpoint {row['name']}, "
              f"trackers.ini [{row['name']}])\n  source: {row['source']}\n  published at: {row['page']}\n"
              f"  file: {row['file']} from {row['url']} ({size})"
              + (f"\n  mirror: {row['mirror']}" if row["mirror"] else "")
              + f"\n  licence: {row['licence']}\n  {have}")
    return 0


def cmd_weights_get(args) -> int:
    import datetime
    import shutil

    from ..common.atomic import write_text
    from ..common.download import DownloadError, Unreachable, download
    from ..common.errors import CheckpointError, ConfigError
    from ..common.paths import check_writable
    from ..common import __version__
    from ..core.published import RECORD_SUFFIX, find_net, names, weights_dir
    from ..core.weights import sha256

    net = find_net(args.name)
    if net is None:
        raise ConfigError(f"no published net is called {args.name!r}; `siamfc weights list` describes them: "
                          f"{', '.join(names())}")
    if args.source and not os.path.isfile(args.source):
        from ..common.errors import InputNotFoundError

        raise InputNotFoundError(f"--from {args.source}: not found")
    check_writable(weights_dir(), "weights cache", folder=True, create=True)
    os.makedirs(weights_dir(), exist_ok=True)
    path, record = net.cached_path(), net.record()
    if record and not args.force:
        if record.get("sha256") == sha256(path):
            print(f"{net.name}: already here, {path} (sha256 {record['sha256']})")
            return 0
        print(f"{net.name}: {path} is no longer the file that was fetched (its SHA-256 changed); fetching it "
              "again", file=sys.stderr)
    part = path + ".part"
    url = net.download_url()
    if args.source:
        shutil.copyfile(args.source, part)
        fetched_from, resumed = os.path.abspath(args.source), 0
    else:
        progress = sys.stderr if sys.stderr.isatty() and not args.quiet else None
        try:
            fetched = download(url, part, timeout=args.timeout, retries=args.retries, progress=progress,
                               user_agent=f"siamfc-plugin/{__version__}")
        except Unreachable as exc:
            raise DownloadError(f"{exc}: download {url} by hand (a browser{f'; or {net.mirror}' if net.mirror else ''}), "
                                f"then `siamfc weights get {net.name} --from FILE`") from None
        fetched_from, resumed = fetched.url, fetched.resumed_from
    try:
        check = check_published(part, net)
    except CheckpointError as exc:
        os.remove(part)  # not the net: the next attempt starts afresh
        raise DownloadError(f"{url if not args.source else args.source} is not {net.name}: {exc}; nothing was "
                            "stored") from None
    digest = sha256(part)
    size = os.path.getsize(part)
    os.replace(part, path)
    write_text(path + RECORD_SUFFIX, json.dumps({
        "name": net.name, "file": net.filename, "format": net.fmt, "url": url, "fetched_from": fetched_from,
        "page": net.page, "source": net.source, "licence": net.licence, "bytes": size, "sha256": digest,
        "fetched": datetime.datetime.now().isoformat(timespec="seconds"), "check": check}, indent=2) + "\n")
    print(f"{net.name}: {path} ({size / 1e6:.1f} MB{f', resumed from byte {resumed}' if resumed else ''}), "
          f"sha256 {digest}; {check['summary']}; use it as --checkpoint {net.name} or trackers.ini "
          f"[{net.name}]")
    return 0


def check_published(path: str, net) -> dict:
    """What `siamfc import --check` checks, of a file that should be `net`: its size where the publisher documents
    it, its layout (every tensor of the SiamFC AlexNet, core/weights.py), its format, and the score map it computes on
    the embedded synthetic sequence. CheckpointError names what is wrong."""
    from ..common.errors import CheckpointError
    from ..core.weights import import_weights

    size = os.path.getsize(path)
    if net.size is not None and size != net.size:
        raise CheckpointError(f"{size:,} bytes where the publisher documents {net.size:,}")
    model, provenance = import_weights(path)
    if provenance["source_format"] != net.fmt:
        raise CheckpointError(f"a {provenance['source_format']} file, where {net.name} is {net.fmt}")
    score = check_report(model)["score_map"]
    summary = (f"checked: {net.fmt} layout of the SiamFC AlexNet, score map on the synthetic sequence "
               f"{score['min']:.2f}..{score['max']:.2f}, peak {score['peak_row_col'][0]},{score['peak_row_col'][1]} "
               f"(centre {score['centre']},{score['centre']})")
    return {"summary": summary, "format": provenance["source_format"], "score_gain": provenance["score_gain"],
            "score_bias": provenance["score_bias"], "score_peak": score["peak_row_col"]}


def register(subparsers, common) -> None:
    p = subparsers.add_parser("weights", help="the published SiamFC nets: list them, get one (download, check, cache)",
                              description=__doc__.split("\n\n", 1)[1])
    sub = p.add_subparsers(dest="weights_command", metavar="{list,get}", required=True)
    listing = sub.add_parser("list", help="every published net the plugin knows: source, licence, URL, whether here")
    listing.add_argument("--json", action="store_true", help="one JSON object")
    listing.set_defaults(func=cmd_weights_list)
    get = sub.add_parser("get", help="download a published net into the weights cache, check it, record its SHA-256")
    get.add_argument("name", metavar="NAME", help="the net's name (`siamfc weights list`), e.g. "
                                                  "SiamFC-authors-2016-08-17")
    get.add_argument("--from", dest="source", metavar="FILE",
                     help="a copy downloaded by hand: checked and stored as if downloaded (no network)")
    get.add_argument("--timeout", type=float, default=30.0, help="seconds a read may wait (default 30)")
    get.add_argument("--retries", type=int, default=3,
                     help="further attempts after one that fails for a reason that may pass, each resuming the "
                          "partial file (default 3)")
    get.add_argument("--force", action="store_true", help="download again although the cached file is intact")
    get.add_argument("--quiet", action="store_true", help="no progress bar (none either when stderr is not a "
                                                          "terminal)")
    get.set_defaults(func=cmd_weights_get)

    p = subparsers.add_parser("import", help="convert published SiamFC weights (.mat, siamfc-pytorch/got-10k .pth)",
                              description=__doc__)
    p.add_argument("file", help="2016-08-17.net.mat (bertinetto/siamese-fc), siamfc_alexnet_e50.pth "
                                "(huanglianghua/siamfc-pytorch) or model.pth (got-10k/siamfc)")
    p.add_argument("--out", help="checkpoint to write (records the source format, SHA-256 and the source's preset)")
    p.add_argument("--check", action="store_true",
                   help="print the feature statistics and a score map on the embedded synthetic sequence")
    p.add_argument("--json", action="store_true", help="--check: one JSON object instead of text")
    p.set_defaults(func=cmd_import)
