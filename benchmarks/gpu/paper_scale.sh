#!/usr/bin/env bash
# Issue 14 item 4: one paper-size run on a lent GPU (NOT run yet: no GPU session has had
# the time for it). Budget: about 8 minutes of device time after the environment setup.
#
#   bash benchmarks/gpu/paper_scale.sh OUT_DIR
#
# 1. decode steps/s of the paper-size decoder (L = 512) at batch 1 and 8: eager loop vs
#    static step vs static step captured as a CUDA graph, same tokens checked
#    (benchmarks/decode_speed.py --device cuda) -> OUT_DIR/decode_speed_gpu.md;
# 2. full-resolution synthetic IPSC-like frames (3 sequences of FRAMES frames, 1280-1700 px;
#    test = the first 2 frames of each sequence) -> data/ipsc_paper_synth;
# 3. the four paper-scale configs (p2s_rle_ipsc, unet_ipsc, deeplabv3plus_ipsc,
#    mask2former_ipsc) trained ITERS iterations each (schedules scaled by
#    tools/benchmark.py --iters) and tested on the whole 1280 x 1280 frames (sliding
#    640 x 640 windows for the token model), with train img/s, test frames/s, peak memory
#    and scores -> OUT_DIR/paper_scale/ (tools/benchmark.py's tables and figures);
# 4. OUT_DIR/paper_scale.md: the device, both tables.
#
# Environment variables: ITERS (300), FRAMES (10), MODELS (the four configs), AMP (1: bf16
# autocast through AmpOptimWrapper, the --amp path; 0: fp32), BENCH_SECONDS (420: stage 3
# is stopped after this; finished models are kept), SKIP_SETUP (1 when the stack is
# already importable). Environment setup: benchmarks/gpu/setup_env.sh.
set -euo pipefail
out=${1:?usage: paper_scale.sh OUT_DIR}
mkdir -p "$out"
if [ "${SKIP_SETUP:-0}" = 1 ]; then
    export PYTHONPATH="${PYTHONPATH:-}:$PWD"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
else
    # shellcheck source=benchmarks/gpu/setup_env.sh
    source benchmarks/gpu/setup_env.sh "$out"
fi
t0=$(date +%s)
stamp() { echo "[paper_scale] $1 at +$(( $(date +%s) - t0 )) s" | tee -a "$out/timeline.txt"; }

# 1. decoding: eager vs static vs CUDA graph (--full-batch-sizes 0: no full-recompute rows)
stamp 'decode benchmark'
timeout 150 python3 benchmarks/decode_speed.py --device cuda --batch-sizes 1 8 \
    --full-batch-sizes 0 --eos-at 64 --repeats 2 --out "$out/decode_speed_gpu.md" \
    || echo "decode benchmark stopped (status $?)"

# 2. full-resolution synthetic data
stamp 'data'
data=data/ipsc_paper_synth
python3 - "$data" "${FRAMES:-10}" <<'PY'
import sys
from rleseg.datasets import generate_ipsc
root, frames = sys.argv[1], int(sys.argv[2])
info = generate_ipsc(root, num_sequences=3, num_frames=frames,
                     sizes=((1300, 1700), (1500, 1500), (1280, 1400)), max_cells=24,
                     split_ranges={'test': (0, 2), 'train_early': (2, 4),
                                   'train_late': (4, frames)}, overwrite=True)
print('data', info['root'], info['splits'])
PY

# 3. train and test the four paper-scale configs
stamp 'train + test'
models=${MODELS:-"p2s_rle_ipsc unet_ipsc deeplabv3plus_ipsc mask2former_ipsc"}
options=(train_dataloader.dataset.data_root=$data test_dataloader.dataset.data_root=$data
         val_dataloader.dataset.data_root=$data
         train_dataloader.dataset.frames_per_sequence=None
         test_dataloader.dataset.frames_per_sequence=None
         val_dataloader.dataset.frames_per_sequence=None
         train_dataloader.num_workers=8 test_dataloader.num_workers=4)
if [ "${AMP:-1}" = 1 ]; then
    options+=(optim_wrapper.type=AmpOptimWrapper optim_wrapper.dtype=bfloat16
              optim_wrapper.loss_scale=dynamic)
fi
# shellcheck disable=SC2086
timeout "${BENCH_SECONDS:-420}" python3 tools/benchmark.py $models \
    --work-dir "$out/paper_scale" --iters "${ITERS:-300}" --latency-repeats 2 \
    --cfg-options "${options[@]}" || echo "benchmark stopped (status $?)"
stamp 'done'

# 4. one report
{
    echo "# Paper-size run on $(head -2 "$out/gpu.txt" | tail -1 | cut -d, -f1)"
    echo
    echo "\`bash benchmarks/gpu/paper_scale.sh\` (ITERS=${ITERS:-300} FRAMES=${FRAMES:-10}" \
         "AMP=${AMP:-1}); timeline:"
    echo
    sed 's/^/    /' "$out/timeline.txt"
    echo
    echo '## Decoding (paper-size decoder, L = 512)'
    echo
    cat "$out/decode_speed_gpu.md" 2>/dev/null || echo '(not produced)'
    echo
    echo '## Four paradigms at paper scale'
    echo
    cat "$out"/paper_scale/benchmark_*.md 2>/dev/null || echo '(not produced)'
} > "$out/paper_scale.md"
find "$out/paper_scale" -name "*.pth" -delete 2>/dev/null || true
ls -la "$out"
