#!/usr/bin/env bash
# Sourced by the scripts of benchmarks/gpu/: make rleseg importable on a lent CUDA machine
# whose Python has torch but not the OpenMMLab stack (this workplace's device machine:
# Python 3.12, torch 2.11 + CUDA).
#
#   source benchmarks/gpu/setup_env.sh OUT_DIR
#
# Expects the pure-Python wheels of the stack and the mmcv 2.1.0 sdist in .whl/
# (pip download --no-deps ... mmengine==0.10.7 mmsegmentation==1.2.2 mmdet==3.3.0 addict
# yapf termcolor ftfy wcwidth terminaltables shapely pycocotools platformdirs prettytable
# "setuptools<81"; pip download --no-binary=:all: mmcv==2.1.0). mmcv is compiled there
# with its CPU ops only (CUDA hidden during the build, all cores): rleseg's token model
# needs no mmcv CUDA op, and Mask2Former falls back to PyTorch deformable attention.
# Writes OUT_DIR/mmcv_build.log and OUT_DIR/gpu.txt; exports PYTHONPATH.
out=${1:?usage: source setup_env.sh OUT_DIR}
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
