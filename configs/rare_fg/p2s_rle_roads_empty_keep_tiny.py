# Token lever against class imbalance (rare foreground, roads): empty crops in the token
# loss. 162 of the 200 training crops hold no road; the token preprocessor keeps the loss
# of a crop without runs with probability empty_keep_prob (else its weights are 0: the
# crop goes through the network and adds nothing to the loss), drawn per crop and step
# from torch's seeded RNG. 0.25 keeps about 40 empty crops per epoch, as many as there are
# crops with road (38). The dataset-level sampler for every paradigm is
# p2s_rle_roads_balanced_tiny.py. Everything else is configs/p2s_rle_roads_tiny.py.
_base_ = ['../p2s_rle_roads_tiny.py']
model = dict(data_preprocessor=dict(empty_keep_prob=0.25))
