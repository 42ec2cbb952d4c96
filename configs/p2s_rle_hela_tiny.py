# The image token model (p2s_rle_tiny.py, every image lever: flat lac starts, coordinate
# and run-end pointers, majority x4 / bilinear, S = 16, L = 256) on the real HeLa frames
# one by one (hela.py, the strong augmentation): the per-frame reference of the video
# token models (p2s_rle_hela_video*_tiny.py) on the same test frames. 1,500 iterations.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/hela.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_1500.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes))
train_dataloader = dict(batch_size=4)
