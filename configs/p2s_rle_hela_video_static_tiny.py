# Static video on HeLa: the image token model (p2s_rle_tiny.py, every lever; the tac map
# is one 16 x 16 grid, so flat starts and both pointers apply as for images) sees frame 0
# of every 4-frame window only (VideoWindowDataset static=True) and outputs the whole
# window's ltac sequence (task token 'static_video'; the scheme of
# p2s_rle_hela_video_tiny.py); scored frame by frame like the video models
# (p2s_rle_hela_video_tiny.py, same data, augmentation and schedule).
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/hela_video.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
model = dict(tokenizer=dict(scheme='ltac', num_classes=_base_.num_classes,
                            window=_base_.window, task='static_video'))
train_dataloader = dict(batch_size=4, dataset=dict(static=True))
val_dataloader = test_dataloader = dict(dataset=dict(static=True))
