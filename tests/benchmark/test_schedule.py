"""``--iters N`` scales every shipped config's schedule to N; ``--budget-minutes``."""
from pathlib import Path

import pytest
from mmengine.config import Config

from rleseg.benchmark.schedule import config_iters, scale_schedule

CONFIGS = sorted(p for p in (Path(__file__).resolve().parents[2] / 'configs').glob('*.py'))


def _schedulers(cfg):
    schedulers = cfg.param_scheduler
    return list(schedulers) if isinstance(schedulers, (list, tuple)) else [schedulers]


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: p.stem)
@pytest.mark.parametrize('iters', [1, 37, 8000])
def test_every_config_ends_its_schedule_at_n(config, iters):
    cfg = Config.fromfile(str(config))
    own = config_iters(cfg)
    before = [(s.get('begin', 0), s.get('end')) for s in _schedulers(cfg)]
    scale_schedule(cfg, iters)
    schedulers = _schedulers(cfg)
    assert cfg.train_cfg.max_iters == iters
    assert max(s['end'] for s in schedulers) == iters
    for scheduler, (begin, end) in zip(schedulers, before):
        assert 0 <= scheduler['begin'] < scheduler['end'] <= iters
        if iters >= own:  # stretched: proportions kept to the rounding
            assert abs(scheduler['begin'] - begin * iters / own) <= 1
    assert 1 <= cfg.default_hooks.checkpoint.interval <= iters
    assert 1 <= cfg.train_cfg.val_interval <= iters


def test_warmup_keeps_its_share_of_the_schedule():
    cfg = Config(dict(
        train_cfg=dict(max_iters=200, val_interval=200),
        default_hooks=dict(checkpoint=dict(interval=200)),
        param_scheduler=[dict(type='LinearLR', by_epoch=False, begin=0, end=20),
                         dict(type='PolyLR', by_epoch=False, begin=20, end=200)]))
    scale_schedule(cfg, 8000)
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 800), (800, 8000)]
    assert cfg.default_hooks.checkpoint.interval == 8000


def test_epoch_based_schedules_are_refused_in_one_line():
    cfg = Config(dict(train_cfg=dict(max_iters=100),
                      param_scheduler=dict(type='PolyLR', begin=0, end=10)))
    with pytest.raises(ValueError, match='by_epoch=False'):
        scale_schedule(cfg, 50)
    with pytest.raises(ValueError, match='max_iters'):
        scale_schedule(Config(dict(train_cfg=dict(max_epochs=3))), 50)
    with pytest.raises(ValueError, match='at least 1'):
        scale_schedule(Config(dict(train_cfg=dict(max_iters=3))), 0)
