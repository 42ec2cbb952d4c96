# Static-video model on IPSC at paper settings: the image model of p2s_rle.py
# (Pix2SeqSegmentor, 3-channel input) sees frame 0 of every 8-frame window only
# (VideoWindowDataset static=True -> FormatWindow passes frame 0) and is trained to output
# the whole window's tac sequence (task token 'static_video'); geometry, tokens, schedule
# and scoring as p2s_rle_ipsc_video.py.
_base_ = ['./_base_/models/p2s_rle.py', './_base_/datasets/ipsc_video.py',
          './_base_/default_runtime.py', './_base_/schedules/schedule_p2s_40k.py']
model = dict(
    tokenizer=dict(scheme='tac', window=_base_.window, max_seq_len=3072,
                   task='static_video'),
    test_cfg=dict(window_batch=2))
train_dataloader = dict(batch_size=2, dataset=dict(static=True))
val_dataloader = test_dataloader = dict(dataset=dict(static=True))
