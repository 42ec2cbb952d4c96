"""Real learning check: a tiny model memorises four generated images (Dice >= 0.9)."""
import numpy as np
import torch
from mmengine.optim import OptimWrapper
from mmseg.registry import MODELS
from p2s_helpers import foreground_dice, make_batch, tiny_model_cfg

# 32 x 32 images, masks of 16 x 16 tokens (x2 subsampling), 2 foreground classes,
# 2-D (row, column) starts: 16 + 16 start ids instead of 256 (TRAINING-NOTES.md).
TOK = dict(scheme='mc', mask_size=16, num_classes=3, subsample=dict(factor=2),
           starts='2d', max_seq_len=128)
STEPS, LR = 150, 3e-3


def test_tiny_model_memorises_four_images():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(
        TOK, d_model=64, encoder=dict(num_layers=1, num_heads=4, mlp_dim=128, dropout=0.0),
        decoder=dict(num_layers=2, num_heads=4, mlp_dim=128, dropout=0.0)))
    data, masks = make_batch(TOK, 4, seed=0, blocky=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LR, total_steps=STEPS,
                                                   pct_start=0.1)
    optim = OptimWrapper(optimizer, clip_grad=dict(max_norm=1.0))
    first = None
    for _ in range(STEPS):
        log = model.train_step(data, optim)
        first = first if first is not None else float(log['loss_ce'])
        schedule.step()
    assert float(log['loss_ce']) < 0.1 * first and float(log['acc_tok']) > 95.0, log
    model.eval()
    # greedy (the tiny configs' rule) and the paper's nucleus sampling (top-p 0.4)
    for sampling in (dict(strategy='greedy'), dict(strategy='sample', top_p=0.4)):
        model.test_cfg['sampling'] = sampling
        out = model.test_step(data)
        dice = [foreground_dice(s.pred_sem_seg.data[0].numpy(), m)
                for s, m in zip(out, masks)]
        assert np.mean(dice) >= 0.9, (sampling, dice)
        for s in out:
            assert s.decode_report['num_dropped_runs'] == 0
