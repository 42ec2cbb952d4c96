# Dense lever against class imbalance (rare foreground, roads): deeplabv3plus_roads_cw_tiny plus
# mmseg's DiceLoss on the decode head (softmax, naive Dice over the image's class maps,
# weight 1.0), a term that does not shrink with the share of road pixels.
_base_ = ['./deeplabv3plus_roads_cw_tiny.py']
model = dict(decode_head=dict(loss_decode=[
    dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
         class_weight=_base_.roads_class_weight),
    dict(type='DiceLoss', use_sigmoid=False, naive_dice=True, loss_weight=1.0)]))
