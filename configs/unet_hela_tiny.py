# CPU-sized UNet on the real HeLa time-lapse frames one by one (hela.py: the frames of
# data/hela_video, the strong augmentation), scored on the same test frames as the video
# models (--suite hela-video). 400 iterations, as on the nuclei crops.
_base_ = ['./_base_/models/unet_tiny.py', './_base_/datasets/hela.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_400.py']
model = dict(decode_head=dict(num_classes=_base_.num_classes),
             auxiliary_head=dict(num_classes=_base_.num_classes))
