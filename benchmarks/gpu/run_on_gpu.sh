#!/usr/bin/env bash
# GPU measurements of rleseg on a lent CUDA machine whose Python has torch but not the
# OpenMMLab stack (this workplace's device machine: Python 3.12, torch 2.11 + CUDA).
#
#   bash benchmarks/gpu/run_on_gpu.sh OUT_DIR
#
# Expects the pure-Python wheels of the stack and the mmcv 2.1.0 sdist in .whl/
# (pip download --no-deps ... mmengine==0.10.7 mmsegmentation==1.2.2 mmdet==3.3.0 addict
# yapf termcolor ftfy wcwidth terminaltables shapely pycocotools platformdirs prettytable
# "setuptools<81"; pip download --no-binary=:all: mmcv==2.1.0). mmcv is compiled there
# with its CPU ops only (CUDA hidden during the build, all cores): rleseg's token model
# needs no mmcv CUDA op, and Mask2Former falls back to PyTorch deformable attention.
set -euo pipefail
out=${1:?usage: run_on_gpu.sh OUT_DIR}
mkdir -p "$out"
site=/tmp/site
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target "$site" .whl/*.whl
export PYTHONPATH="$site:$PWD"
start=$(date +%s)
python3 -c "from mmcv.ops import point_sample" 2>/dev/null || \
CUDA_VISIBLE_DEVICES= MMCV_WITH_OPS=1 MAX_JOBS=$(nproc) python3 -m pip install -q \
    --no-index --no-deps --no-build-isolation --no-cache-dir --target "$site" \
    .whl/mmcv-2.1.0.tar.gz > "$out/mmcv_build.log" 2>&1 || { tail -30 "$out/mmcv_build.log"; exit 1; }
echo "mmcv built in $(( $(date +%s) - start )) s"
python3 -c "from mmcv.ops import point_sample; import rleseg, torch; print('rleseg ok', torch.__version__, torch.cuda.get_device_name())"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"

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
