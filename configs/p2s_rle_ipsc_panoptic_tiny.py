# CPU-sized Pix2Seq RLE *panoptic* model on the generated IPSC-like demo data
# (data/ipsc_demo, the image models' split files; 64 x 64 frames used whole). Targets are
# instance-wise sequences (docs/tokenizer.md, panoptic schemes: per cell its binary runs,
# then its class token) written by the data preprocessor from the class map and the
# per-cell track ids of the XML annotations (ipsc_panoptic_demo.py). The tiny instance
# model (p2s_rle_tiny_instance.py: flat starts, coordinate / run-end pointers, majority
# subsampling, groups in raster order) with masks subsampled x2 only (S = 32: at x4 two
# neighbouring cells merge and even perfect tokens score PQ ~45), L = 160 (longest
# training sequence 116 tokens at S = 32), at most 14 cells per frame (twice the most in a
# training frame, 7). Prediction: semantic map, instance map, instances scored by their
# class-token probability. Scored by the per-class metric and by PQ / SQ / RQ (IoU > 0.5).
_base_ = ['./_base_/models/p2s_rle_tiny_instance.py', './_base_/datasets/ipsc_panoptic_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(
    tokenizer=dict(mask_size=32, max_seq_len=160, subsample=dict(factor=2, mode='majority'),
                   max_instances=14))
train_dataloader = dict(batch_size=4)
