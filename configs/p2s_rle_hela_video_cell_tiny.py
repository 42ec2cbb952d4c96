# p2s_rle_hela_video_tiny.py with tac tokens (3 a run, not ltac's 2): cell fusion
# (Pix2SeqVideoSegmentor fusion='cell') alone, against p2s_rle_hela_video_middle_tiny.py.
# Every frame of the window is encoded on its own, memory cell (y, x) is a learned linear
# map of the N frames' cells (y, x) concatenated, then the last encoder layer mixes the
# fused cells. A tac class names the labels of one cell in all N frames; middle fusion
# gives the decoder frame 0's cells, which see frames 1..N-1 only through one
# cross-attention layer (benchmarks/results/hela_video_2026-12-08/README.md).
_base_ = ['./p2s_rle_hela_video_tiny.py']

model = dict(tokenizer=dict(scheme='tac'))
