#!/usr/bin/env bash
# GPU speed report: the training-step benchmark with the old settings and
# the new defaults, and the end-to-end benchmark, in one run of at most
# about 8 minutes on one GPU. Writes OUT_DIR/gpu_report.md and
# OUT_DIR/gpu_report.json (GPU name, torch version, date, every figure),
# plus each benchmark's own log and JSON.
#
#   bash tools/analysis/gpu_report.sh [OUT_DIR]            # on a GPU
#   bash tools/analysis/gpu_report.sh --dry-run [OUT_DIR]  # CPU-sized check
#
# Step benchmark runs (tools/analysis/benchmark_train_step.py, UCF-101
# R3D-50 FixMatch and CMPL configs, 8x224x224 clips, the configs' B=8,
# mu=1: 24 clips per iteration; (a) plain Recognizer3D, (b) FixMatch,
# (c) CMPL, interleaved in one process per run):
#   old_fp32   float32, cudnn_benchmark off, NCDHW (the settings before)
#   old_fp16   AMP float16, cudnn_benchmark off, NCDHW
#   new_fp32   float32, the configs' cudnn_benchmark and channels_last_3d
#   new_default the configs' defaults (AMP float16 on a GPU, float32 on a CPU)
#   new_bf16   the configs' defaults with AMP bfloat16
#   streams    new_default + the auxiliary on a side CUDA stream (only when
#              the recognizer has semi_train_cfg.concurrent_networks)
# End-to-end run (tools/analysis/benchmark_end_to_end.py): the FixMatch
# config as it is (8x112x112, its num_workers) on generated UCF-101-
# geometry videos, with the configs' defaults.
#
# Each run has a time limit; a run that fails or runs out of time is
# recorded as such in the report and the next one starts. Environment:
# GPU_REPORT_COMPILE=1 adds a run with torch.compile (slow to compile; not
# in the 8-minute budget); PYTHON (default python).
set -uo pipefail
cd "$(dirname "$0")/../.."

DRY_RUN=0
if [ "${1:-}" = "--dry-run" ]; then
    DRY_RUN=1
    shift
fi
OUT=${1:-work_dirs/gpu_report_$(date -u +%Y%m%d_%H%M%S)}
PY=${PYTHON:-python}
mkdir -p "$OUT"
START=$(date +%s)

PRIMARY=configs/fixmatch_r3d50_ucf101.py
CMPL=configs/cmpl_r3d50_ucf101.py
if [ "$DRY_RUN" = 1 ]; then
    # CPU-sized: the same configs and code paths, tiny clips and batches
    STEP_COMMON=(--config-primary "$PRIMARY" --config-cmpl "$CMPL"
        --device cpu --threads 1 --batch 1 --clip-len 4 --clip-size 32
        --iters 1 --warmup 0)
    MEM_ITERS=1
    E2E_ARGS=(--num-videos 3 --min-seconds 4 --max-seconds 4 --batch 1
        --clip-size 32 --iters 1 --warmup 1 --step-iters 1 --num-workers 1)
    LIMIT_STEP=300
    LIMIT_E2E=300
    LIMIT_MEM=300
else
    STEP_COMMON=(--config-primary "$PRIMARY" --config-cmpl "$CMPL"
        --device cuda --clip-len 8 --clip-size 224 --iters 8 --warmup 3)
    MEM_ITERS=2
    E2E_ARGS=(--num-videos 64 --iters 30 --warmup 8 --step-iters 10
        --data-root "$OUT/e2e_videos")
    # worst case 60 x 4 + 120 (+ 60 with streams) + 100 s: 7.7 (8.7) min;
    # the memory run starts a process per variant (peak memory of each)
    LIMIT_STEP=60
    LIMIT_MEM=120
    LIMIT_E2E=100
fi

run_step() {  # name, time limit (s), memory iterations, extra arguments...
    local name=$1 limit=$2 mem=$3
    shift 3
    echo "== $name: benchmark_train_step.py $* (limit ${limit} s)"
    timeout "$limit" "$PY" tools/analysis/benchmark_train_step.py \
        "${STEP_COMMON[@]}" --memory-iters "$mem" "$@" \
        --out-json "$OUT/$name.json" >"$OUT/$name.log" 2>&1
    local rc=$?
    echo "$rc" >"$OUT/$name.rc"
    # 0 = every target met, 1 = a target missed: both are measurements
    if [ "$rc" -gt 1 ]; then
        echo "   failed (exit status $rc); see $OUT/$name.log"
        tail -3 "$OUT/$name.log"
    else
        grep -E '^\((a|b|c)\)|^time\(' "$OUT/$name.log"
    fi
}

OLD=(--no-cudnn-benchmark --channels-last off)
run_step old_fp32 "$LIMIT_STEP" 0 --precision fp32 "${OLD[@]}"
if [ "$DRY_RUN" = 1 ]; then
    # AMP needs CUDA: the dry run measures the configs' own precision
    # (float32 on the CPU through DeviceAmpOptimWrapper) instead
    run_step new_default "$LIMIT_MEM" "$MEM_ITERS" --precision config
else
    # (the old settings' memory is in docs/results/gpu_h100_r3d50_224/)
    run_step old_fp16 "$LIMIT_STEP" 0 --precision float16 "${OLD[@]}"
    run_step new_fp32 "$LIMIT_STEP" 0 --precision fp32
    run_step new_default "$LIMIT_MEM" "$MEM_ITERS" --precision config
    run_step new_bf16 "$LIMIT_STEP" 0 --precision bfloat16
fi
if "$PY" - <<'EOF' 2>/dev/null
import sys
import cmpl_mm  # noqa: F401
from mmaction.registry import MODELS
cls = MODELS.get('CMPLRecognizer')
sys.exit(0 if 'concurrent_networks' in cls.default_semi_train_cfg else 1)
EOF
then
    run_step streams "$LIMIT_STEP" 0 --precision config --concurrent-networks
else
    echo "== streams: skipped, the recognizer has no semi_train_cfg.concurrent_networks yet"
    echo "CMPLRecognizer has no semi_train_cfg.concurrent_networks option" >"$OUT/streams.skipped"
fi
if [ "${GPU_REPORT_COMPILE:-0}" = 1 ]; then
    run_step compile_fp16 900 0 --precision config --compile --warmup 10
fi

echo "== e2e: benchmark_end_to_end.py $PRIMARY ${E2E_ARGS[*]} (limit ${LIMIT_E2E} s)"
timeout "$LIMIT_E2E" "$PY" tools/analysis/benchmark_end_to_end.py "$PRIMARY" \
    "${E2E_ARGS[@]}" --out-json "$OUT/e2e.json" >"$OUT/e2e.log" 2>&1
echo $? >"$OUT/e2e.rc"
grep -E 'clips/s|share|step-only =' "$OUT/e2e.log" || tail -3 "$OUT/e2e.log"

ELAPSED=$(( $(date +%s) - START ))
"$PY" tools/analysis/gpu_report_summary.py "$OUT" --elapsed "$ELAPSED" \
    $([ "$DRY_RUN" = 1 ] && echo --dry-run)
