# The first HeLa video default (until 2026-12-08): p2s_rle_hela_video_tiny.py with tac
# tokens (start, length, time-as-class class: 3 tokens a run) and middle fusion (frame 0's
# tokens cross-attend to the other frames' tokens, each tagged with its frame embedding;
# the decoder and both pointers read frame 0's fused cells). 17.8 +/- 2.6 val mDice at
# 500 iterations, seeds 0 1 2 (benchmarks/results/hela_video_2026-12-08/README.md, where
# it runs under its old name p2s_rle_hela_video_tiny). Base of the middle-fusion variants.
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(fusion='middle', tokenizer=dict(scheme='tac'))
