# The tiny token model (p2s_rle_tiny.py, every image lever) over windows of N frames:
# Pix2SeqVideoSegmentor, middle fusion (frame 0's tokens cross-attend to the other
# frames' in the last encoder layer, each frame tagged by a learned frame embedding), tac
# tokens (time as class: the N frame masks fused into one S x S map of C^N classes).
# Inherited as they are, and applied to windows:
# * flat starts, coordinate_embed='init' and both pointers on the fused S x S map: the
#   memory is frame 0's fused cells (middle fusion) or each cell averaged over the N
#   frames (late fusion); 3d-* flat starts point at cell (t, y, x) (Pix2SeqVideoSegmentor);
# * every frame's mask subsampled x4 by block majority, decoded frames upsampled
#   bilinearly.
# Set here only what windows need: the scheme, N = 4 (a config on top sets the window of
# its dataset base) and the input of N frames stacked along channels (per-frame mean /
# std repeated N times by the preprocessor, BGR order kept).
_base_ = ['./p2s_rle_tiny.py']

model = dict(
    type='Pix2SeqVideoSegmentor', fusion='middle',
    tokenizer=dict(scheme='tac', window=4),
    data_preprocessor=dict(bgr_to_rgb=False))
