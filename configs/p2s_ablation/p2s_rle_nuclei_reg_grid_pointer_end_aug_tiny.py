# Ablation, levers d + e: the run-end pointer model (flat starts, starts and lengths
# scored against the memory) with the nuclei base's train_pipeline_strong.
_base_ = ['./p2s_rle_nuclei_reg_grid_pointer_end_tiny.py']
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_strong))
