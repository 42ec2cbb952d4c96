# Token lever against class imbalance (rare foreground, roads): EOS calibrated at
# decoding. test_cfg.eos_bias (logit units) is added to EOS before the grammar and the
# greedy choice, so a sequence stops only where EOS beats the best start id by more than
# 2 logits (its probability x ~exp(-2)); the grammar stays in force, so every sequence
# still decodes to a valid mask (rleseg/models/decoding.py, eos_bias_processor).
# Training is configs/p2s_rle_roads_tiny.py's (a decoding-only change): the benchmark
# evaluates this config on that model's checkpoints (link_checkpoints.sh, then
# --eval-only; see benchmarks/results/rare_fg_roads_tokens_2026-12-07/README.md).
# _m1 / _m4 / _m8: -1 / -4 / -8.
_base_ = ['../p2s_rle_roads_tiny.py']
model = dict(test_cfg=dict(eos_bias=-2.0))
