# Pix2Seq RLE video model on IPSC at paper settings (docs/video_panoptic.md): windows of
# N = 8 consecutive frames (training stride 1, test stride 8, the image models' split
# files), every frame resized to 1280 x 1280, one 640 x 640 patch per training window
# (the same box and flip for every frame), masks subsampled x8 to 80 x 80, tac tokens
# (time as class: C^N - 1 = 6560 classes), L = 3072, PAD/EOS weight 0.1. Every frame
# goes through the shared ResNet-50 + 6-layer encoder of p2s_rle.py; middle fusion
# (frame 0 cross-attends to the other frames in the last encoder layer). Test: whole
# resized frames, sliding 640 x 640 windows (max merge), top-p 0.4; overlapping window
# predictions are merged per frame (mode) and every test frame is scored once at full
# resolution (VideoFrameMetric). Schedule as p2s_rle_ipsc.py.
_base_ = ['./_base_/models/p2s_rle.py', './_base_/datasets/ipsc_video.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_p2s_40k.py']
# N frames stacked along channels (FormatWindow layout 'channels'): the preprocessor
# repeats the per-frame mean / std N times; the IPSC frames are grey, so BGR order is
# kept (bgr_to_rgb only acts on 3 channels).
model = dict(
    type='Pix2SeqVideoSegmentor', fusion='middle',
    tokenizer=dict(scheme='tac', window=_base_.window, max_seq_len=3072),
    data_preprocessor=dict(bgr_to_rgb=False), test_cfg=dict(window_batch=2))
train_dataloader = dict(batch_size=2)
