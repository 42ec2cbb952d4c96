# The first IPSC demo video default (until 2026-12-08): p2s_rle_ipsc_video_tiny.py with tac
# tokens (start, length, time-as-class class: 3 tokens a run) and middle fusion (frame 0's
# tokens cross-attend to the other frames' tokens in the last encoder layer, each tagged
# with its frame embedding; the decoder and both pointers read frame 0's fused cells).
_base_ = ['./p2s_rle_ipsc_video_tiny.py']

model = dict(fusion='middle', tokenizer=dict(scheme='tac'))
