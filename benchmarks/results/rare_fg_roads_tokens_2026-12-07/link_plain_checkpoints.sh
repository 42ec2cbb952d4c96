#!/usr/bin/env bash
# The EOS-bias configs (configs/rare_fg/p2s_rle_roads_eos_bias_m*_tiny.py) change only
# test_cfg.eos_bias: their training is configs/p2s_rle_roads_tiny.py's. This points each of
# their benchmark model folders (seed k) at the plain model's trained checkpoint of seed k
# (mmengine's last_checkpoint marker), so that `tools/benchmark.py --eval-only` evaluates
# the same weights with the biased decoding instead of training them again.
# Usage: bash link_plain_checkpoints.sh <benchmark work dir> [seeds...]
set -euo pipefail
work=$(realpath "$1"); shift
seeds=("${@:-0 1 2}")
for config in p2s_rle_roads_eos_bias_m1_tiny p2s_rle_roads_eos_bias_m2_tiny \
        p2s_rle_roads_eos_bias_m4_tiny p2s_rle_roads_eos_bias_m8_tiny; do
    for seed in ${seeds[@]}; do
        plain="$work/p2s_rle_roads_tiny/seed_$seed"
        checkpoint=$(cat "$plain/last_checkpoint")
        [ -f "$checkpoint" ] || { echo "no trained plain model in $plain"; exit 1; }
        mkdir -p "$work/$config/seed_$seed"
        echo "$checkpoint" > "$work/$config/seed_$seed/last_checkpoint"
    done
done
