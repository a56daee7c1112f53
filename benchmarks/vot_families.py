"""One VOT workspace that ran one stock stack of each family, for the leaderboard (issue 23), and the toolkit's
numbers beside their recomputation from the trajectory files.

    PYTHONPATH=. python benchmarks/vot_families.py /tmp/vot-families [--report /tmp/vot-families-board]

Sequences (real frames from ../shared/data/eval/vot, cut short; built by the helpers of tests/test_vot_stacks.py):
bag and book (25 frames) on vot2022/shorttermbox (multistart), bag converted to one 8-bit channel on vot2016/tir
(supervised), bag_exit (a window sliding over bag: the target leaves the frame and comes back, 40 frames) on
vot2022/longterm (longterm + redetection), bookbag (book and bag side by side, bag appearing at frame 5, mask
ground truth, 20 frames) on vots2023. Trackers: SiamFC-3s and the Static box (SiamFC-3s-mask and SiamFC-3s on
vots2023). About 5 minutes on 2 busy cores.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the test module that builds the all-families workspace

import test_vot_stacks as t  # noqa: E402

from siamfc_plugin.cli import main as siamfc  # noqa: E402
from siamfc_plugin.commands.vot import read_analysis  # noqa: E402


def build(root: Path, vot: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    t.make_workspace(root, vot, ["bag", "book"], 25)
    t.thermal_copy(root, "bag", "bag_tir8", 8)
    t.exit_sequence(root, vot / "bag", "bag_exit", 40)
    t.two_object_sequence(root, vot, "bookbag", frames=20, late=5)
    lists = root / "sequences" / "list.txt"

    def run(names, *args):
        lists.write_text("\n".join(names) + "\n")
        if siamfc(["vot", "evaluate", *args, "--workspace", str(root), "--quiet", "--timeout", "600"]) != 0:
            raise SystemExit(f"failed: {args}")

    run(["bag", "book"], "SiamFC-3s", "Static", "--stack", "vot2022/shorttermbox", "--experiments",
        "vot2022_baseline", "--name", "st")
    run(["bag_tir8"], "SiamFC-3s", "Static", "--stack", "vot2016/tir", "--experiments", "baseline", "--name", "tir")
    run(["bag_exit"], "SiamFC-3s", "Static", "--stack", "vot2022/longterm", "--name", "lt")
    run(["bookbag"], "SiamFC-3s-mask", "SiamFC-3s", "--stack", "vots2023", "--name", "mo")
    lists.write_text("bag\nbook\nbag_tir8\nbag_exit\nbookbag\n")


def numbers(root: Path) -> None:
    analysis = lambda name: read_analysis(str(root / "analysis" / f"{name}.json"))  # noqa: E731
    for tracker in ("SiamFC-3s", "Static"):
        row = analysis("st")["vot2022_baseline"][tracker]
        accuracy, share = t.multistart_ar(root, tracker, "vot2022_baseline", ["bag", "book"])
        print(f"vot2022/shorttermbox {tracker}: toolkit accuracy {row['accuracy']:.6f} robustness "
              f"{row['robustness_share_tracked']:.6f} | recomputed {accuracy:.6f} {share:.6f}")
        row = analysis("tir")["baseline"][tracker]
        accuracy, failures = t.supervised_ar(root, tracker, "baseline", ["bag_tir8"])
        print(f"vot2016/tir {tracker}: toolkit accuracy {row['accuracy']:.6f} failures/seq "
              f"{row['failures_per_sequence']:.2f} | recomputed {accuracy:.6f} {failures:.2f}")
        row = analysis("lt")["longterm"][tracker]
        precision, recall, fscore, _ = t.longterm_prf(root, tracker, "longterm", "bag_exit")
        print(f"vot2022/longterm {tracker}: toolkit precision {row['precision']:.6f} recall {row['recall']:.6f} "
              f"F {row['fscore']:.6f} | recomputed {precision:.6f} {recall:.6f} {fscore:.6f}")
    for tracker in ("SiamFC-3s-mask", "SiamFC-3s"):
        row = analysis("mo")["vots2023_baseline"][tracker]
        print(f"vots2023 {tracker}: toolkit quality {row['quality']:.6f} accuracy {row['accuracy']:.6f} "
              f"robustness {row['robustness']:.6f} NRE {row['nre']} DRE {row['dre']} AD {row['ad']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace")
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "eval" / "vot"))
    parser.add_argument("--report", help="also build the leaderboard (python -m analysis report) here")
    parser.add_argument("--numbers-only", action="store_true", help="the workspace exists: print the numbers")
    args = parser.parse_args()
    root = Path(args.workspace)
    if not args.numbers_only:
        build(root, Path(args.data))
    numbers(root)
    if args.report:
        from analysis.report import build_report

        print(f"leaderboard: {build_report(args.report, vot_workspace=str(root)).index_md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
