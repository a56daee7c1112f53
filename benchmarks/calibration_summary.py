"""What `benchmarks/calibrate_all.sh` measured on one CPU kind, in one markdown page (issue 29, "Prove the default"):
per backend its kernel path, fps (slim and final net, 3 scales) and fidelity on the calibration sequences, the
backend `--backend auto` picks here with the record just written, its dev + validation AUC against eager fp32, its
fps beside siamfc-pytorch's, and the speed targets.

    python benchmarks/calibration_summary.py --calibration CAL.json --stages BENCH.json --side-by-side SBS.json \\
        [--threads 2] [--out SUMMARY.md]

Run it from the checkout whose fidelity record the calibration wrote (`auto` reads that record).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout, installed or not

from siamfc_plugin.common.atomic import write_text  # noqa: E402

# issue 29's targets where the CPU has AMX (3 scales, 2 cores)
TARGETS_FPS = {"alexnet-slim": 150.0, "alexnet": 86.0}


def load(path: str | None) -> dict:
    if not path:
        return {}
    with open(path) as handle:
        return json.load(handle)


def auto_choice(threads: int):
    from siamfc_plugin.backends.choice import choose_backend
    from siamfc_plugin.core.checkpoint import load_model, shipped_model_path

    model = load_model(shipped_model_path("alexnet-slim"))[0]
    return choose_backend(model, 3, threads=threads)


def summary(calibration: dict, stages: dict, side: dict, choice) -> list[str]:
    from siamfc_plugin.backends.fidelity import kernel_path
    from siamfc_plugin.common.machine import cpu_flags, cpu_model

    lines = [f"# Calibration summary: {cpu_model()}", "",
             f"CPU flags: {', '.join(cpu_flags())}; calibration `{calibration.get('source_file', '')}` on "
             f"{len(calibration.get('sequences', {}))} sequences (dev + validation), "
             f"{calibration.get('noise_runs')} noise runs, reference {calibration.get('reference_engine')} fp32, "
             f"{calibration.get('threads')} threads.", ""]
    fps = {(r["arch"], r["backend"]): r["fps"] for r in stages.get("results", []) if r.get("scales") == 3}
    reference_auc = calibration.get("mean_reference_auc")
    lines += ["| backend | kernel path | slim fps | final fps | IoU mean | mean AUC | change | mean abs change | "
              "bound | faithful |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    names = ["torch"] + list(calibration.get("backends", {}))
    for name in names:
        fid = calibration.get("backends", {}).get(name)
        cells = ([f"{fid['mean_iou']:.4f}", f"{fid['mean_auc']:.4f}", f"{fid['mean_auc_delta']:+.4f}",
                  f"{fid['mean_abs_auc_delta']:.4f}", f"{fid.get('bound') or 0:.4f}",
                  "yes" if fid["faithful"] else "no: " + "; ".join(fid["why_not"])] if fid
                 else ["1.0000", f"{reference_auc:.4f}" if reference_auc is not None else "", "reference", "", "",
                       "reference"])
        slim, final = fps.get(("alexnet-slim", name)), fps.get(("alexnet", name))
        lines.append(f"| {name} | {kernel_path(name)} | {slim if slim is not None else ''} | "
                     f"{final if final is not None else ''} | " + " | ".join(cells) + " |")
    lines += ["", "Reference runs (mean |AUC change| over the sequences): "
              + ", ".join(f"{run} {value:.4f}" for run, value in (calibration.get("run_mean_abs") or {}).items()),
              ""]
    pick = choice.name
    lines += [f"**`--backend auto` picks `{pick}`**: {choice.reason}.", ""]
    for name, why in choice.left_out.items():
        lines.append(f"- left out {name}: {why}")
    fid = calibration.get("backends", {}).get(pick)
    if pick == "torch" or fid is None:
        auc_line = f"dev + validation mean AUC of `{pick}`: the eager fp32 reference's own, {reference_auc}"
    else:
        auc_line = (f"dev + validation mean AUC of `{pick}` {fid['mean_auc']:.4f} against eager fp32 "
                    f"{reference_auc:.4f} (change {fid['mean_auc_delta']:+.4f}, mean |change| "
                    f"{fid['mean_abs_auc_delta']:.4f}, over {len(fid['auc_delta'])} sequences)")
    lines += ["", auc_line, ""]
    amx = "amx_int8" in cpu_flags() or "amx_bf16" in cpu_flags()
    for arch, target in TARGETS_FPS.items():
        row = {b: f for (a, b), f in fps.items() if a == arch}
        if not row:
            continue
        best = max(row, key=row.get)
        picked = row.get(pick)
        lines.append(f"- {arch}, 3 scales, {stages.get('threads')} threads: `{pick}` "
                     f"{picked if picked is not None else 'not benched'} fps, fastest {best} {row[best]} fps; "
                     f"target {target:.0f} fps" + ("" if amx else " (a target where AMX is present; this CPU has none)")
                     + (": met by " + ", ".join(b for b, f in row.items() if f >= target)
                        if any(f >= target for f in row.values()) else ": not met"))
    rows = side.get("rows", [])
    if rows:
        lines += ["", "| tracker (side by side, same frames) | fps | x siamfc-pytorch |", "| --- | --- | --- |"]
        for row in rows:
            ratio = f"{row['ratio']:.2f}" if "ratio" in row else "-"
            lines.append(f"| {row['tracker']} | {row['fps']:.1f} | {ratio} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibration", required=True, help="`siamfc bench --calibrate` JSON")
    parser.add_argument("--stages", help="`siamfc bench` JSON (fps per architecture and backend)")
    parser.add_argument("--side-by-side", help="benchmarks/side_by_side.py --json output")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", help="write the markdown here too")
    args = parser.parse_args(argv)
    calibration = load(args.calibration)
    calibration["source_file"] = os.path.basename(args.calibration)
    text = "\n".join(summary(calibration, load(args.stages), load(args.side_by_side), auto_choice(args.threads)))
    print(text)
    if args.out:
        write_text(args.out, text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
