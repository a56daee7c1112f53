#!/usr/bin/env bash
# Issue 29 on one CPU kind, in one go, on a QUIET machine (nothing else running): run from anywhere in the checkout.
#
#   bash benchmarks/calibrate_all.sh            # THREADS=2 CURATED=... MIRROR=... override the defaults below
#
# 1. the calibration: the eager fp32 reference on the 8 dev sequences + the 12 validation videos of
#    configs/curate_public.toml under the other thread count and 6 noise runs (+-1 grey level, seeds 1-3, each also
#    re-encoded as JPEG 90), every backend judged by the rule (onnx, int8 on the synthetic benchmark, int8-real on
#    the curated training crops, torch-bf16); writes the verdicts under this CPU's kernel paths into
#    siamfc_plugin/backends/fidelity_record.json and int8-real's scales into siamfc_plugin/backends/int8_scales.json
#    (resumable: rerun the same command after an interruption; it resumes from <calibration>.partial);
# 2. the backend `--backend auto` picks with that record (a fresh speed cache), and why (-v);
# 3. fps per backend for the slim (shipped) and final (alexnet, random weights) nets, 3 scales, on Crossing;
# 4. the same frames side by side with huanglianghua/siamfc-pytorch (its code from the local git mirror, offline);
# 5. benchmarks/<date>-<machine>-summary.md: backend x fps x fidelity, auto's pick, its dev + validation AUC
#    against eager fp32, its fps beside siamfc-pytorch's, the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
SHARED=${SIAMFC_SHARED_DATA:-$(cd .. && pwd)/shared/data}
export SIAMFC_SHARED_DATA=$SHARED
export SIAMFC_SOURCES=${SIAMFC_SOURCES:-/work/sources}
CURATED=${CURATED:-/work/cache/curated-public}
MIRROR=${MIRROR:-/work/.mirror/huanglianghua+siamfc-pytorch/repo/.git}
REFERENCE=${REFERENCE:-/tmp/siamfc-pytorch-ref}  # siamfc-pytorch's siamfc/ is unpacked here (outside the repo)
export SIAMFC_CACHE_DIR=${SIAMFC_CACHE_DIR:-$(mktemp -d /tmp/siamfc-calibrate-all.XXXX)}  # fresh: auto measures here
PY=${PYTHON:-python3}
SLUG=$($PY -c "from siamfc_plugin.commands.bench import machine_info, machine_slug; print(machine_slug(machine_info()))")
STEM=benchmarks/$(date +%F)-$SLUG
echo "calibrate_all: $STEM-*, cache $SIAMFC_CACHE_DIR, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# 1. calibration (about 15-25 minutes on 2 quiet cores; the table is printed per sequence and per run)
$PY -m siamfc_plugin bench --calibrate --dev "$SHARED/eval/otb,$SHARED/eval/vot" \
    --validation configs/curate_public.toml --backends onnx,int8,int8-real,torch-bf16 --real-crops "$CURATED" \
    --threads "$THREADS" --seeds 1,2,3 --jpeg 90 --reference-engine torch \
    --out "$STEM-calibration.json" --record siamfc_plugin/backends/fidelity_record.json \
    2> >(tee "$STEM-calibration.log" >&2) > /dev/null

# 2. what auto picks with the record just written, and why
$PY -m siamfc_plugin -v track "$SHARED/eval/otb/Crossing" --box 205,151,17,50 --threads "$THREADS" \
    -o "$SIAMFC_CACHE_DIR/crossing-boxes.txt" 2> "$STEM-auto.log"
grep -E "backend" "$STEM-auto.log" >&2 || true

# 3. fps per backend and net, 3 scales (a few minutes)
$PY -m siamfc_plugin bench --root "$SHARED/eval/otb/Crossing" --backends torch,onnx,int8,int8-real,torch-bf16 \
    --archs alexnet-slim,alexnet --scales 3 --frames 60 --runs 3 --threads "$THREADS" --real-crops "$CURATED" \
    --out "$STEM-stages.json" > "$STEM-stages.log"

# 4. side by side with siamfc-pytorch on the same frames (about 2 minutes)
$PY benchmarks/side_by_side.py --reference "$REFERENCE" --mirror "$MIRROR" --root "$SHARED/eval/otb/Crossing" \
    --frames 60 --runs 3 --threads "$THREADS" --backends auto,onnx,int8,torch-bf16 --json "$STEM-side-by-side.json"

# 5. the summary
$PY benchmarks/calibration_summary.py --calibration "$STEM-calibration.json" --stages "$STEM-stages.json" \
    --side-by-side "$STEM-side-by-side.json" --threads "$THREADS" --out "$STEM-summary.md"
