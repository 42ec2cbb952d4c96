#!/usr/bin/env bash
# GPU measurements of rleseg on a lent CUDA machine whose Python has torch but not the
# OpenMMLab stack (this workplace's device machine: Python 3.12, torch 2.11 + CUDA).
#
#   bash benchmarks/gpu/run_on_gpu.sh OUT_DIR
#
# Environment: benchmarks/gpu/setup_env.sh (wheels in .whl/, mmcv built there).
set -euo pipefail
out=${1:?usage: run_on_gpu.sh OUT_DIR}
# shellcheck source=benchmarks/gpu/setup_env.sh
source benchmarks/gpu/setup_env.sh "$out"

# 1. Decoding speed at paper size (KV cache, early stop, grammar constraints); skip with
#    DECODE=0 when benchmarks/results/decode_speed.md already holds this machine's run.
if [ "${DECODE:-1}" = 1 ]; then
    python3 benchmarks/decode_speed.py --device cuda --batch-sizes 1 8 \
        --full-batch-sizes 1 8 --out "$out/decode_speed_gpu.md"
fi

# 2. Quality at longer training: the demo-scale models (same configs, same generated
#    data and split as the CPU demo) trained for ITERS iterations on the GPU, the LR
#    schedule stretched to match. Mask2Former is left out here for time.
iters=${ITERS:-3000}
models=${MODELS:-"p2s_rle_ipsc_tiny unet_ipsc_tiny deeplabv3plus_ipsc_tiny"}
python3 tools/prepare_data.py --out data > /dev/null
# shellcheck disable=SC2086
timeout "${BENCH_SECONDS:-330}" python3 tools/benchmark.py $models --work-dir work_dirs/bench_gpu --iters "$iters" \
    --cfg-options "param_scheduler.1.end=$iters" "default_hooks.checkpoint.interval=$iters" \
    || echo "benchmark stopped early (status $?)"
tar czf "$out/bench_gpu.tgz" --exclude='*.pth' --exclude='*.npz' -C work_dirs bench_gpu
ls -la "$out"
