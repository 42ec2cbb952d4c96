# Pix2Seq RLE panoptic model on IPSC at paper model size (p2s_rle.py): instance-wise
# sequences (per cell its binary runs, then its class token; docs/tokenizer.md, panoptic schemes)
# from the class maps and the per-cell track ids of the XML annotations. Instances are not
# stitched across patches, so every frame is resized to 640 x 640 and used whole (P = R =
# 640, masks subsampled x8 to 80 x 80, flat starts, L = 1024). Prediction: semantic map,
# instance map, instances scored by their class-token probability (top-p 0.4 sampling).
# Scored by the per-class metric and PQ / SQ / RQ (IoU > 0.5). Schedule as p2s_rle_ipsc.py.
_base_ = ['./_base_/models/p2s_rle.py', './_base_/datasets/ipsc_panoptic.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_p2s_40k.py']
model = dict(
    type='Pix2SeqPanopticSegmentor', score_thr=0.0, test_cfg=dict(mode='whole'),
    tokenizer=dict(scheme='instance', max_seq_len=1024, num_classes=_base_.num_classes))
train_dataloader = dict(batch_size=8)
