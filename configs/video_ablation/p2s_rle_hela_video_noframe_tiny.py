# Video-ablation lever: p2s_rle_hela_video_middle_tiny.py (middle fusion; cell fusion, the
# default, has no frame embeddings) without frame embeddings (frame 0's tokens
# cross-attend to the other frames' tokens untagged: only their order in the memory is
# lost, not their content).
_base_ = ['../p2s_rle_hela_video_tiny.py']

model = dict(fusion='middle', frame_embed=False, tokenizer=dict(scheme='tac'))
