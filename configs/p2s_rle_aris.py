# Pix2Seq RLE segmentor on ARIS at paper settings (docs/tokenizer.md, docs/models.md):
# frames resized to 1280 x 1280, 640 x 640 training patches, masks subsampled x8 to 80 x 80,
# lac tokens (max_length 80), L = 512, PAD/EOS weight 0.1, empty patches kept in the loss
# with probability 0.1; AdamW lr 3e-5, weight decay 0.05, betas (0.9, 0.95), linear warm-up then
# linear decay. Test: whole resized frame, sliding 640 x 640 windows, max merge, top-p 0.4.
# Classes: water, anchor ice, frazil ice.
_base_ = ['./_base_/models/p2s_rle.py', './_base_/datasets/aris.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_p2s_40k.py']
model = dict(tokenizer=dict(num_classes=_base_.num_classes))
train_dataloader = dict(batch_size=8)
