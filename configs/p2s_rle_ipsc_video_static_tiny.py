# Static-video model at demo scale: the image model of p2s_rle_tiny.py (Pix2SeqSegmentor,
# 3-channel input; flat starts and both pointers on the tac map's 16 x 16 cells) sees
# frame 0 of every 4-frame window only (VideoWindowDataset static=True -> FormatWindow
# passes frame 0) and is trained to output the whole window's
# ltac sequence (task token 'static_video', the scheme of
# p2s_rle_ipsc_video_tiny.py). Scored frame by frame like the video models.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_video_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
model = dict(tokenizer=dict(scheme='ltac', num_classes=_base_.num_classes, window=_base_.window,
                            task='static_video'))
train_dataloader = dict(batch_size=4, dataset=dict(static=True))
val_dataloader = test_dataloader = dict(dataset=dict(static=True))
