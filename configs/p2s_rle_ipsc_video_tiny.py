# CPU-sized Pix2Seq RLE *video* model on the generated IPSC-like demo windows
# (data/ipsc_demo; windows of N = 4 consecutive 64 x 64 frames, test = frames 0-3 of every
# sequence, the image models' test split). Every frame goes through the shared tiny
# backbone + encoder of p2s_rle_tiny_2d.py; middle fusion (frame 0 cross-attends to the other
# frames in the last encoder layer); the decoder generates the window's tac sequence
# (time-as-class: C^N - 1 = 80 classes, S = 16, 2-D starts, L = 256). Test windows are
# scored frame by frame by VideoFrameMetric (overlaps merged by mode, each frame once).
# Variants: *_late_tiny (late fusion), *_ltac_tiny, *_static_tiny, *_n1/_n2_tiny (window).
_base_ = ['./_base_/models/p2s_rle_tiny_2d.py', './_base_/datasets/ipsc_video_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
# N frames stacked along channels: per-frame mean / std repeated N times by the
# preprocessor, BGR order kept (see p2s_rle_ipsc_video.py).
model = dict(
    type='Pix2SeqVideoSegmentor', fusion='middle',
    tokenizer=dict(scheme='tac', window=_base_.window),
    data_preprocessor=dict(bgr_to_rgb=False))
train_dataloader = dict(batch_size=4)
