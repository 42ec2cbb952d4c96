# CPU-sized Pix2Seq RLE *video* model on the generated IPSC-like demo windows
# (data/ipsc_demo; windows of N = 4 consecutive 64 x 64 frames, test = frames 0-3 of every
# sequence, the image models' test split). The video token base p2s_rle_tiny_video.py:
# every image lever of p2s_rle_tiny.py carried to windows (flat starts,
# coordinate_embed='init', coordinate and run-end pointers on the fused 16 x 16 map,
# majority x4 / bilinear per frame), with the settings that won on the real HeLa
# time-lapse (p2s_rle_hela_video_tiny.py, seeds 0 1 2, chosen on val): cell fusion (each
# frame encoded on its own; memory cell (y, x) is a learned map of the N frames' cells
# (y, x)) and ltac tokens (a start, then one id for (length, time-as-class class): 2
# tokens a run; C^N - 1 = 80 classes, S = 16, L = 256). Test windows are scored frame by
# frame by VideoFrameMetric (overlaps merged by mode, each frame once).
# Variants: *_middle_tiny (tac + middle fusion, the first default), *_late_tiny (late
# fusion), *_static_tiny, *_n1/_n2_tiny (window).
_base_ = ['./_base_/models/p2s_rle_tiny_video.py', './_base_/datasets/ipsc_video_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(fusion='cell',
             tokenizer=dict(scheme='ltac', num_classes=_base_.num_classes,
                            window=_base_.window))
train_dataloader = dict(batch_size=4)
