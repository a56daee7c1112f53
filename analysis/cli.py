"""`python -m analysis report`: figures, tables and index.md/html from toolkit result files already on disk.

Running the trackers is `siamfc leaderboard` (siamfc_plugin/tools/leaderboard_cli.py), which ends by calling
report.build_report; nothing here imports the plugin, torch or the VOT command line.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys


def cmd_report(args) -> int:
    from .report import build_report

    roots = {"OTB": args.otb_root} if args.otb_root else None
    if roots is None and args.got10k:
        guess = os.path.join(os.path.dirname(os.path.abspath(args.got10k)), "data", "otb")
        roots = {"OTB": guess} if os.path.isdir(guess) else None
    outputs = build_report(args.out, args.got10k, args.vot_workspace, roots, args.title)
    print(f"leaderboard: {outputs.index_md}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="rebuild figures, tables and index.md/html from existing toolkit outputs")
    p.add_argument("--out", default="leaderboard")
    p.add_argument("--got10k", help="got10k output folder (with results/ and reports/)")
    p.add_argument("--vot-workspace", help="VOT workspace (with results/ and analysis/*.json)")
    p.add_argument("--otb-root", help="dataset root of the got10k OTB run (for per-frame overlaps)")
    p.add_argument("--title", default="SiamFC leaderboard")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(f"analysis {args.command}: error: {exc}", file=sys.stderr)
        return 2
