# Mask2Former (ResNet-18, 16 base channels, from scratch) on the real fluorescence-nuclei
# crops: the same data and pipeline as p2s_rle_nuclei_tiny.
# Trained 400 iterations (schedule_tiny_400.py), its budget in `make demo` (--suite
# demo); `--iters N` scales the schedule to N for equal-budget comparisons.
_base_ = ['./_base_/models/mask2former_tiny.py', './_base_/datasets/nuclei.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny_400.py']
model = dict(decode_head=dict(
    num_classes=_base_.num_classes,
    loss_cls=dict(class_weight=[1.0] * _base_.num_classes + [0.1])))
