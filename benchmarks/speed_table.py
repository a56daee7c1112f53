"""The speed table of docs/performance.md, made from `siamfc bench` JSON files.

    python benchmarks/speed_table.py benchmarks/2026-11-30-*.json --readme docs/performance.md

Prints the markdown table (one row per architecture, scales and backend; the machine named above it); --readme
replaces the text between the `<!-- speed-table:begin -->` and `<!-- speed-table:end -->` lines with it. The fidelity
record that `--backend auto` reads is written by `siamfc bench --calibrate --record` (issue 22), not from these.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.common.atomic import write_text  # noqa: E402

BEGIN, END = "<!-- speed-table:begin -->", "<!-- speed-table:end -->"


def machine_line(report: dict, path: str) -> str:
    m = report["machine"]
    versions = ", ".join(f"{k} {m[k]}" for k in ("torch", "onnxruntime") if k in m)
    samples = report.get("sgemm_samples") or [report["sgemm_gflops"]]
    load = m.get("load_average_1_5_15")
    return (f"`{os.path.basename(path)}`: **{m['cpu']}**, {m['logical_cores']} logical cores "
            f"({', '.join(m['cpu_flags'])}), {report['threads']} threads, {versions}; sequence {report['sequence']} "
            f"({report['frames']} frames {report['frame_size'][0]}x{report['frame_size'][1]}), {report['runs']} runs "
            f"(fps: median); fp32 sgemm {min(samples):.0f}-{max(samples):.0f} GFLOP/s during the run"
            + (f", load average {load[0]:.1f} at the start" if load else "")
            + f"; fidelity on: {report.get('fidelity_sequences', 'bench sequence')}.")


def fidelity_cells(fid) -> list[str]:
    if fid == "reference":
        return ["reference", "", "", "", ""]
    if not isinstance(fid, dict):
        return ["n/a (random weights)", "", "", "", ""]
    return [f"{fid['mean_iou']:.4f} / {fid['p1_iou']:.3f}", f"{fid['mean_shift_px']:.2f}",
            f"{fid['mean_auc_delta']:+.4f}", f"{fid['worst_auc_delta']:+.4f} ({fid['worst_sequence']})",
            "**yes**" if fid["faithful"] else "no"]


def table(reports: list[tuple[str, dict]]) -> str:
    lines = []
    for path, report in reports:
        lines += [machine_line(report, path), ""]
    lines += ["| arch | scales | backend | fps | crop ms | network ms | post ms | shared-state IoU mean / p1 | "
              "centre shift px | AUC change mean | worst AUC change | faithful |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for _, report in reports:
        for r in report["results"]:
            cells = [r["arch"], str(r["scales"]), r["backend"], f"{r['fps']:.1f}", f"{r['ms_crop']:.1f}",
                     f"{r['ms_network']:.1f}", f"{r['ms_post']:.1f}", *fidelity_cells(r.get("fidelity"))]
            lines.append("| " + " | ".join(cells) + " |")
    skipped = {k: v for _, rep in reports for k, v in rep.get("skipped_backends", {}).items()}
    if skipped:
        lines += ["", "Skipped: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + "."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bench", nargs="+", help="siamfc bench JSON files")
    parser.add_argument("--readme", help="replace the table between the markers in this file")
    args = parser.parse_args()
    reports = [(path, json.load(open(path))) for path in args.bench]
    text = table(reports)
    print(text)
    if args.readme:
        readme = open(args.readme).read()
        if BEGIN not in readme or END not in readme:
            print(f"speed_table.py: {args.readme} has no {BEGIN} ... {END} lines", file=sys.stderr)
            return 2
        head, rest = readme.split(BEGIN, 1)
        write_text(args.readme, head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
