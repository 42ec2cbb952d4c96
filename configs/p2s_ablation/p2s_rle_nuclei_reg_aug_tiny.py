# Ablation, lever e on the plain model: the paper's regularisation and the nuclei base's
# train_pipeline_strong (zoom jitter, 8 flips / rotations, intensity), which every
# paradigm can select the same way.
_base_ = ['./p2s_rle_nuclei_plain_tiny.py']
model = dict(encoder=_base_.regularised, decoder=_base_.regularised)
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
