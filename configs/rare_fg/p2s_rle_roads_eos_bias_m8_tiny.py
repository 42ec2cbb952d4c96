# p2s_rle_roads_eos_bias_m2_tiny.py with EOS's logit offset at decoding -8 (a value of
# the sweep; the value is chosen on the validation split).
_base_ = ['./p2s_rle_roads_eos_bias_m2_tiny.py']
model = dict(test_cfg=dict(eos_bias=-8.0))
