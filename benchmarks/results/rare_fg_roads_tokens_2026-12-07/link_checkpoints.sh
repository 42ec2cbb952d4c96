#!/usr/bin/env bash
# A decoding-only config (e.g. configs/rare_fg/p2s_rle_roads_eos_bias_m2_tiny.py, which
# changes only test_cfg.eos_bias) trains exactly as the config it derives from. This points
# its benchmark model folder of each seed at the trained checkpoint of that config's run of
# the same seed (mmengine's last_checkpoint marker), so that
# `tools/benchmark.py <decoding config> --eval-only` evaluates those weights with the new
# decoding instead of training them again.
# Usage: bash link_checkpoints.sh <benchmark work dir> <trained config name>
#        <decoding config name> [seeds, default 0 1 2]
set -euo pipefail
work=$(realpath "$1"); trained=$2; decoding=$3; shift 3
for seed in ${@:-0 1 2}; do
    source_dir="$work/$trained/seed_$seed"
    checkpoint=$(cat "$source_dir/last_checkpoint" 2>/dev/null || true)
    if [ ! -f "$checkpoint" ]; then
        echo "link_checkpoints.sh: no trained checkpoint in $source_dir" >&2
        exit 1
    fi
    mkdir -p "$work/$decoding/seed_$seed"
    echo "$checkpoint" > "$work/$decoding/seed_$seed/last_checkpoint"
done
