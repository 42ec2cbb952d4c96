# Token lever against class imbalance (rare foreground, roads): the premature-EOS term.
# At every target that starts a run (where EOS was legal and wrong) the loss adds
# premature_eos_weight * -log(1 - p(EOS)) (`loss_eos`), which trains "continue" on the
# mass of all start ids instead of the one true start (rleseg/models/token_weights.py).
# Everything else is configs/p2s_rle_roads_tiny.py.
_base_ = ['../p2s_rle_roads_tiny.py']
model = dict(loss=dict(premature_eos_weight=1.0))
