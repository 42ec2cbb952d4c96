# p2s_rle_roads_combined_tiny.py decoded with EOS's logit offset -4 (test_cfg.eos_bias;
# see p2s_rle_roads_eos_bias_m2_tiny.py): a decoding-only change, evaluated on the
# combined model's checkpoints (link_checkpoints.sh, then --eval-only).
_base_ = ['./p2s_rle_roads_combined_tiny.py']
model = dict(test_cfg=dict(eos_bias=-4.0))
