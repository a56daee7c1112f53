"""`siamfc leaderboard` (and `siamfc demo`, the same on the embedded synthetic benchmark):

    siamfc leaderboard --checkpoint model.pth [--root PATH] [--vot-root PATH] [--out leaderboard/]

runs SiamFC and the peers through got10k (one-pass, OTB style) and through a VOT workspace (baseline with
re-initialisation) (commands/leaderboard.py), then has analysis/ write <out>/index.md and index.html with the figures
and tables. Without --root the embedded synthetic benchmark is used. Importing this module does not import torch.
"""
from __future__ import annotations

import argparse
import logging
import os

from ..common.errors import UsageError


def add_leaderboard_arguments(p: argparse.ArgumentParser, default_out: str = "leaderboard") -> None:
    p.add_argument("--root", help="dataset root (OTB, VOT or GOT-10k layout) for the one-pass run "
                                  "(default: the embedded synthetic benchmark)")
    p.add_argument("--vot-root", help="dataset root for the VOT baseline (default: --root)")
    p.add_argument("--out", default=default_out, help=f"output folder (default: {default_out}/)")
    p.add_argument("--tracker", action="append", default=[], metavar="ENTRY",
                   help="another SiamFC tracker beside ours: a SiamFC entry of the plugin's trackers.ini, run with "
                        "its settings, e.g. SiamFC-authors-2016-08-17 (the authors' net, after `siamfc weights get "
                        "SiamFC-authors-2016-08-17`) (repeatable)")
    p.add_argument("--peers", help="comma-separated peers (default: every one this OpenCV provides: MIL, KCF, "
                                   "CSRT, Static)")
    p.add_argument("--sequences", help="comma-separated sequence names (default: all)")
    p.add_argument("--max-frames", type=int, help="use only the first N frames of each sequence (quick runs)")
    p.add_argument("--vot-repetitions", type=int, default=1,
                   help="runs per sequence in the VOT baseline (VOT2015: 15; deterministic trackers stop after 3 "
                        "identical runs). Default 1")
    p.add_argument("--skip-vot", action="store_true", help="no VOT baseline (got10k one-pass only)")
    p.add_argument("--skip-got10k", action="store_true", help="no got10k one-pass run (VOT baseline only)")
    p.add_argument("--overwrite", action="store_true", help="re-run sequences that already have results")
    p.add_argument("--title", default="SiamFC leaderboard", help="title of index.md / index.html")


def register(subparsers, common) -> None:
    """Called by siamfc_plugin.cli: adds `siamfc leaderboard`."""
    p = subparsers.add_parser("leaderboard", parents=[common],
                              help="run SiamFC and peers through got10k and the VOT toolkit; write figures+tables")
    add_leaderboard_arguments(p)
    p.set_defaults(func=cmd_leaderboard)


def _shipped_model_exists(arch: str | None) -> bool:
    from ..models import shipped_model_path

    return shipped_model_path(arch or "alexnet-slim") is not None


def cmd_leaderboard(args) -> int:
    from analysis.report import build_report

    from ..backends.spec import TrackerSpec
    from ..core.peers import available_peers, peer_unavailable_reason
    from . import leaderboard as run

    logging.getLogger("analysis").setLevel(logging.INFO)
    if not args.checkpoint and not args.random_weights and not _shipped_model_exists(args.arch):
        raise UsageError("no trained SiamFC model is shipped with this install: pass --checkpoint PATH "
                         "(or --random-weights for a plumbing check)")
    if args.skip_vot and args.skip_got10k:
        raise UsageError("nothing to do: both --skip-vot and --skip-got10k given")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    peers = [p.strip() for p in args.peers.split(",") if p.strip()] if args.peers else available_peers()
    for peer in peers:
        reason = peer_unavailable_reason(peer)
        if reason:
            raise UsageError(reason)
    specs = [run.siamfc_entry(TrackerSpec.from_args(args))]
    specs += [run.registry_entry(name) for name in getattr(args, "tracker", [])]
    names_seen = [s.name.lower() for s in specs]
    if len(set(names_seen)) != len(names_seen):
        raise UsageError(f"--tracker names a tracker twice ({', '.join(s.name for s in specs)})")
    specs += [run.peer_entry(p) for p in peers]

    root = args.root or run.ensure_synthetic()
    vot_root = args.vot_root or root
    names = [s.strip() for s in args.sequences.split(",")] if args.sequences else None
    context = {"data (one-pass)": root, "data (VOT)": vot_root,
               "trackers": ", ".join(s.name for s in specs)}
    context.update({s.name: s.label for s in specs if s.label})  # published weights: the row's source
    if args.max_frames:
        context["frames"] = f"first {args.max_frames} of each sequence"

    stale = run.stale_trackers(out, specs, {"root": os.path.abspath(root), "vot_root": os.path.abspath(vot_root),
                                           "sequences": names, "max_frames": args.max_frames,
                                           "vot_repetitions": args.vot_repetitions})
    run.forget_results(out, stale)

    otb_view = None
    if not args.skip_got10k:
        sequences = run.read_source(root, names, args.max_frames)
        otb_view = run.write_otb_view(sequences, os.path.join(out, "data", "otb"))
        summaries = run.run_got10k(specs, otb_view, os.path.join(out, "got10k"), overwrite=args.overwrite)
        from analysis.tables import NO_SPEED, tracker_key

        for name, summary in summaries.items():
            speed = "no speed (no computation)" if tracker_key(name) in NO_SPEED else \
                f"{summary.get('fps', float('nan')):.1f} fps"
            print(f"got10k one-pass  {name:>16}: AUC {summary.get('success_auc', float('nan')):.3f}  "
                  f"P@20 {summary.get('precision_20px', float('nan')):.3f}  {speed}")
    workspace = None
    if not args.skip_vot:
        workspace = os.path.join(out, "vot-workspace")
        vot_sequences = run.read_source(vot_root, names, args.max_frames)
        path = run.run_vot_baseline(workspace, specs, vot_sequences, args.vot_repetitions, args.overwrite)
        print(f"VOT analysis: {path}")
    outputs = build_report(out, os.path.join(out, "got10k") if otb_view else None, workspace,
                           {"OTB": otb_view} if otb_view else None, args.title, context,
                           trackers=[s.name for s in specs])
    print(f"leaderboard: {outputs.index_md}")
    print(f"             {outputs.index_html}")
    return 0
