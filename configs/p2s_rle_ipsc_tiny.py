# CPU-sized Pix2Seq RLE segmentor on the generated IPSC-like demo data (data/ipsc_demo,
# written by `python tools/prepare_data.py`): 64 x 64 frames used whole, masks
# subsampled x4 to 16 x 16, lac tokens with 2-D starts, L = 256, greedy decoding, the
# tiny schedule (AdamW, a few hundred iterations). Same model class as p2s_rle_ipsc.py.
_base_ = ['./_base_/models/p2s_rle_tiny.py', './_base_/datasets/ipsc_demo.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_tiny.py']
# coordinate tokens from the mask grid's sine code, scored against the memory (the best
# lever of the p2s-ablation suite on the real nuclei crops; image models only)
model = dict(tokenizer=dict(num_classes=_base_.num_classes), coordinate_embed='init',
             coordinate_pointer=True)
train_dataloader = dict(batch_size=4)
