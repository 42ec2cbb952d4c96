"""Real learning check: a tiny model memorises four generated images (Dice >= 0.9)."""
import numpy as np
import torch
from mmseg.registry import MODELS
from p2s_helpers import foreground_dice, make_batch, tiny_model_cfg

# 32 x 32 images, masks of 16 x 16 tokens (x2 subsampling), 2 foreground classes,
# 2-D (row, column) starts: 16 + 16 start ids instead of 256.
TOK = dict(scheme='mc', mask_size=16, num_classes=3, subsample=dict(factor=2),
           starts='2d', max_seq_len=128)
STEPS, LR = 150, 3e-3


def test_tiny_model_memorises_four_images(memorise):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(
        TOK, d_model=64, encoder=dict(num_layers=1, num_heads=4, mlp_dim=128, dropout=0.0),
        decoder=dict(num_layers=2, num_heads=4, mlp_dim=128, dropout=0.0)))
    data, masks = make_batch(TOK, 4, seed=0, blocky=True)
    logs = memorise(model, data, STEPS, LR)
    first, log = float(logs[0]['loss_ce']), logs[-1]
    assert float(log['loss_ce']) < 0.1 * first and float(log['acc_tok']) > 95.0, log
    # greedy (the tiny configs' rule) and the paper's nucleus sampling (top-p 0.4)
    for sampling in (dict(strategy='greedy'), dict(strategy='sample', top_p=0.4)):
        model.test_cfg['sampling'] = sampling
        out = model.test_step(data)
        dice = [foreground_dice(s.pred_sem_seg.data[0].numpy(), m)
                for s, m in zip(out, masks)]
        assert np.mean(dice) >= 0.9, (sampling, dice)
        for s in out:
            assert s.decode_report['num_dropped_runs'] == 0
