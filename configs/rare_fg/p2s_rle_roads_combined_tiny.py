# The token model's training levers against class imbalance together (rare foreground,
# roads): the loss per sequence (p2s_rle_roads_seq_norm_tiny.py), the premature-EOS term
# (p2s_rle_roads_premature_eos_tiny.py), road runs weighted 5.3
# (p2s_rle_roads_run_weight_tiny.py) and empty crops kept in the loss with probability
# 0.25 (p2s_rle_roads_empty_keep_tiny.py). Everything else is configs/p2s_rle_roads_tiny.py.
_base_ = ['../p2s_rle_roads_tiny.py']
model = dict(
    data_preprocessor=dict(empty_keep_prob=0.25),
    loss=dict(normalize='sequence', premature_eos_weight=1.0, class_weight=[1.0, 5.3],
              class_weight_on='run'))
