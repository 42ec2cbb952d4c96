# p2s_rle_roads_combined_tiny.py decoded with EOS's logit offset -6 (test_cfg.eos_bias;
# a value of the sweep, chosen on the validation split; see
# p2s_rle_roads_eos_bias_m2_tiny.py).
_base_ = ['./p2s_rle_roads_combined_tiny.py']
model = dict(test_cfg=dict(eos_bias=-6.0))
