"""`python -m analysis report`: figures, tables and index.md/html from toolkit result files already on disk.

Running the trackers is `siamfc leaderboard` (siamfc_plugin/commands/leaderboard_cli.py), which ends by calling
report.build_report; nothing here imports the plugin, torch or the VOT command line.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from .errors import AnalysisInputError


def dataset_roots(items: list[str] | None, otb_root: str | None = None) -> dict[str, str]:
    """--dataset-root EXPERIMENT=PATH (repeatable) and --otb-root PATH as {experiment: root}."""
    roots = {"OTB": otb_root} if otb_root else {}
    for item in items or []:
        experiment, sep, path = item.partition("=")
        if not sep or not experiment or not path:
            raise AnalysisInputError(f"--dataset-root wants EXPERIMENT=PATH (e.g. UAV123=/data/UAV123), not {item!r}")
        roots[experiment] = path
    for experiment, path in roots.items():
        if not os.path.isdir(path):
            raise AnalysisInputError(f"dataset root of {experiment} not found: {path}")
    return roots


def check_got10k_dir(path: str) -> None:
    """A got10k output folder holds results/ or reports/ with something in it; else one clear line."""
    for sub in ("results", "reports"):
        if os.path.isdir(os.path.join(path, sub)) and os.listdir(os.path.join(path, sub)):
            return
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.basename(os.path.normpath(path)) in ("results", "reports") and \
            os.path.isdir(os.path.join(parent, "results")):
        raise AnalysisInputError(f"--got10k {path} is the results/ or reports/ folder itself: pass the got10k output "
                         f"folder that holds it, {parent}")
    raise AnalysisInputError(f"--got10k {path}: no results/ or reports/ with anything in it; expected a got10k output "
                     "folder (results/<EXPERIMENT>/<tracker>/..., reports/<EXPERIMENT>/<tracker>/performance.json)")


def check_vot_workspace(path: str) -> None:
    """A VOT workspace holds config.yaml and results/ or analysis/*.json; else one clear line."""
    if not os.path.isfile(os.path.join(path, "config.yaml")):
        parent = os.path.dirname(os.path.abspath(path))
        if os.path.isfile(os.path.join(parent, "config.yaml")):
            raise AnalysisInputError(f"--vot-workspace {path} is a folder inside a workspace: pass the workspace, {parent}")
        raise AnalysisInputError(f"--vot-workspace {path}: not a VOT workspace (no config.yaml)")
    analyses = os.path.isdir(os.path.join(path, "analysis")) and any(
        name.endswith(".json") for name in os.listdir(os.path.join(path, "analysis")))
    results = os.path.isdir(os.path.join(path, "results")) and os.listdir(os.path.join(path, "results"))
    if not analyses and not results:
        raise AnalysisInputError(f"--vot-workspace {path}: no results/ and no analysis/*.json yet: run `siamfc vot "
                         "evaluate` on it first")


def cmd_report(args) -> int:
    from .report import build_report

    if not args.got10k and not args.vot_workspace:
        raise AnalysisInputError("nothing to report: give --got10k FOLDER and/or --vot-workspace FOLDER")
    for option, path in (("--got10k", args.got10k), ("--vot-workspace", args.vot_workspace),
                         ("--datasize-curve", args.datasize_curve)):
        if path and not os.path.exists(path):
            raise AnalysisInputError(f"{option} {path}: not found")
    if args.got10k:
        check_got10k_dir(args.got10k)
    if args.vot_workspace:
        check_vot_workspace(args.vot_workspace)
    if args.datasize_curve:
        from .tables import read_datasize_curve

        read_datasize_curve(args.datasize_curve)  # a wrong file is the user's to fix: refuse it up front
    roots = dataset_roots(args.dataset_root, args.otb_root)
    if not roots and args.got10k:
        guess = os.path.join(os.path.dirname(os.path.abspath(args.got10k)), "data", "otb")
        roots = {"OTB": guess} if os.path.isdir(guess) else {}
    outputs = build_report(args.out, args.got10k, args.vot_workspace, roots, args.title,
                           datasize_curve=args.datasize_curve)
    print(f"leaderboard: {outputs.index_md}")
    for warning in outputs.data.get("warnings") or []:
        print(f"warning: {warning}", file=sys.stderr)
    problems = outputs.data.get("problems")
    if problems is not None and len(problems):
        print(f"{len(problems)} problem(s) listed in the report (results missing, partial, damaged or unreadable; "
              "abnormal tracker answers):", file=sys.stderr)
        for _, row in problems.iterrows():
            where = "/".join(str(v) for v in (row["experiment"], row["tracker"], row["sequence"]) if v)
            print(f"  {row['toolkit']} {where}: {row['why']}", file=sys.stderr)
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
    p.add_argument("--otb-root", help="dataset root of the got10k OTB run (per-frame scores, absent frames "
                                      "excluded); same as --dataset-root OTB=PATH")
    p.add_argument("--dataset-root", action="append", metavar="EXPERIMENT=PATH",
                   help="dataset root of a got10k one-pass experiment (OTB, DTB70, UAV123; repeatable)")
    p.add_argument("--datasize-curve", help="the shipped model's data-size curve (CSV or JSON: fraction, auc), "
                                            "drawn beside the paper's Table 2")
    p.add_argument("--title", default="SiamFC leaderboard")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except AnalysisInputError as exc:
        print(f"analysis {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.filename is None:
            return internal_error(args.command)
        print(f"analysis {args.command}: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 - a bug, never dressed as a user's mistake
        return internal_error(args.command)


def internal_error(command: str) -> int:
    """An exception no check of ours raised: its traceback and a request to report it, exit status 1."""
    import traceback

    traceback.print_exc()
    print(f"analysis {command}: internal error ({type(sys.exc_info()[1]).__name__}): a bug in analysis/, not a fault "
          "of your input as far as it can tell; please report it with the command line and the traceback above",
          file=sys.stderr)
    return 1
