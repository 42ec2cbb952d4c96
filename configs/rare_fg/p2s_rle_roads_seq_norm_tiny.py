# Token lever against class imbalance (rare foreground, roads): the token loss divided by
# the number of sequences (loss.normalize='sequence') instead of the batch's weight sum.
# With the weight sum, a batch of four crops without road (81 % of the training crops
# hold none: 43 % of the batches of 4) has only EOS targets and pushes EOS at the first
# position with the full loss scale, whatever eos_weight (0.1) says; per sequence, such a
# batch adds 0.1 x its EOS loss, as a crop without road does in a mixed batch.
# Everything else is configs/p2s_rle_roads_tiny.py.
_base_ = ['../p2s_rle_roads_tiny.py']
model = dict(loss=dict(normalize='sequence'))
