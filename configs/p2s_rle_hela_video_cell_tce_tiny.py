# p2s_rle_hela_video_cell_tiny.py with time-class embeddings (time_class_embed=True): the
# 15 tac class tokens share one learned embedding part per frame whose label they hold
# (tac class v holds nucleus in frame t when bit t of v is set), in the decoder's input
# and tied output embedding, so a rare class learns from the common ones' frames.
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(time_class_embed=True, tokenizer=dict(scheme='tac'))
