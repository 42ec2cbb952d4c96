# Token lever against class imbalance (rare foreground, roads): weights on the tokens of
# road runs. Rule: class_weight[c] = sqrt(f_0 / f_c) from the pixel frequencies f of the
# training split (data/roads/ann_dir/train: background 0.966, road 0.0338 -> 5.3; the
# background value is unused, runs are foreground), on every token of the run
# (class_weight_on='run'). With one foreground class this weighs runs against EOS / PAD:
# a wrong EOS in place of a run costs 5.3 times what it did (rleseg/models/token_weights.py).
# Everything else is configs/p2s_rle_roads_tiny.py.
_base_ = ['../p2s_rle_roads_tiny.py']
model = dict(loss=dict(class_weight=[1.0, 5.3], class_weight_on='run'))
