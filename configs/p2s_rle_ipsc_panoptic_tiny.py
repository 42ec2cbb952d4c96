# CPU-sized Pix2Seq RLE *panoptic* model on the generated IPSC-like demo data
# (data/ipsc_demo, the image models' split files; 64 x 64 frames used whole). Targets are
# instance-wise sequences (docs/tokenizer.md, panoptic schemes: per cell its binary runs, then its
# class token) written by the data preprocessor from the class map and the per-cell track
# ids of the XML annotations (ipsc_panoptic_demo.py). Masks are subsampled x2 only (S = 32: at x4 two neighbouring cells merge
# and even perfect tokens score PQ ~45), 2-D starts, L = 256. Prediction: semantic map,
# instance map, instances scored by their class-token probability. Scored by the per-class
# metric and by PQ / SQ / RQ (IoU > 0.5).
_base_ = ['./_base_/models/p2s_rle_tiny_2d.py', './_base_/datasets/ipsc_panoptic_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(
    type='Pix2SeqPanopticSegmentor', score_thr=0.0,
    tokenizer=dict(scheme='instance', mask_size=32, subsample=dict(factor=2)))
train_dataloader = dict(batch_size=4)
