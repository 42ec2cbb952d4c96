"""Checkpoints are written atomically and the older one removed only afterwards;
checkpoint-hook options are checked when the runner is built; a checkpoint that does
not fit the model is refused in one line."""
import errno
import uuid
from pathlib import Path

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner

import rleseg  # noqa: F401  (registers the hooks)
from rleseg.engine import (AtomicCheckpointHook, CheckpointError, CheckpointMismatchError,
                           ConfigError, apply_test_options, check_checkpoint_fits,
                           load_checkpoint_safely)


class ToyModel(BaseModel):
    def __init__(self, width: int = 2) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(width, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((out - labels) ** 2).mean())
        return out


class ToyData(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> dict:
        return dict(inputs=torch.full((2,), float(i)), labels=torch.tensor([float(i)]))


def _runner(work_dir: Path, iters: int = 3, **checkpoint) -> Runner:
    hook = dict(dict(type='CheckpointHook', by_epoch=False, interval=1, max_keep_ckpts=1),
                **checkpoint)
    return Runner(model=ToyModel(), work_dir=str(work_dir), default_scope='mmseg',
                  experiment_name=f'toy_{uuid.uuid4().hex}',
                  train_dataloader=dict(dataset=ToyData(), batch_size=2,
                                        sampler=dict(type='DefaultSampler', shuffle=False),
                                        collate_fn=dict(type='default_collate')),
                  train_cfg=dict(by_epoch=False, max_iters=iters),
                  optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
                  default_hooks=dict(checkpoint=hook, logger=None),
                  custom_hooks=[dict(type='SafeCheckpointHook')])


def test_config_checkpoint_hook_is_the_atomic_one(tmp_path):
    runner = _runner(tmp_path)
    assert any(isinstance(hook, AtomicCheckpointHook) for hook in runner.hooks)


def test_misspelt_option_fails_when_the_runner_is_built(tmp_path):
    with pytest.raises(ConfigError, match=r'default_hooks\.checkpoint\.max_keep_ckpt is not '
                       r'an option of CheckpointHook \(did you mean max_keep_ckpts\?\)'):
        _runner(tmp_path, max_keep_ckpt=2)
    with pytest.raises(ConfigError, match='interval must be an integer'):
        _runner(tmp_path / 'b', interval='2')


def test_save_keeps_one_checkpoint_and_last_checkpoint_names_it(tmp_path):
    (tmp_path / '.iter_9.pth.tmp').write_bytes(b'half')        # a save killed earlier
    _runner(tmp_path).train()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_3.pth']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_3.pth')
    assert not list(tmp_path.glob('.*.tmp')) and not list(tmp_path.glob('*.tmp'))
    assert load_checkpoint_safely(str(tmp_path / 'iter_3.pth'))['meta']['iter'] == 3


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    import mmengine.runner.runner as runner_module
    save = runner_module.save_checkpoint

    def file_too_large(checkpoint, filename, **kwargs):
        if checkpoint['meta']['iter'] == 3:                 # the third save hits the limit
            Path(filename).write_bytes(b'PK\x03\x04 truncated')
            raise OSError(errno.EFBIG, 'File too large')
        save(checkpoint, filename, **kwargs)

    monkeypatch.setattr(runner_module, 'save_checkpoint', file_too_large)
    with pytest.raises(CheckpointError) as error:
        _runner(tmp_path).train()
    message = str(error.value)
    assert 'iter_3.pth (File too large)' in message and 'iter_2.pth is kept' in message
    assert '\n' not in message
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['iter_2.pth']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_2.pth')
    assert load_checkpoint_safely(str(tmp_path / 'iter_2.pth'))['meta']['iter'] == 2
    assert not list(tmp_path.glob('.*.tmp'))


def test_checkpoint_fits_names_the_first_differing_key():
    model = ToyModel().state_dict()
    check_checkpoint_fits(model, {f'module.{k}': v for k, v in model.items()}, 'c.pth')
    with pytest.raises(CheckpointMismatchError, match=r'1 of 2 model keys missing \(first: '
                       r'linear.bias\).*--partial-load'):
        check_checkpoint_fits(model, {'linear.weight': model['linear.weight']}, 'c.pth')
    with pytest.raises(CheckpointMismatchError, match=r'keys the model does not have '
                       r'\(first: head.w\)'):
        check_checkpoint_fits(model, dict(model, **{'head.w': torch.zeros(1)}), 'c.pth')
    with pytest.raises(CheckpointMismatchError, match=r'first: linear.weight \(1, 3\) in the '
                       r'checkpoint, \(1, 2\) in the model'):
        check_checkpoint_fits(model, ToyModel(3).state_dict(), 'c.pth')


def test_test_options_load_strictly_unless_partial():
    from mmengine.config import Config
    strict = apply_test_options(Config(dict(model=dict(type='X'))), 'c.pth')
    assert dict(type='StrictLoadHook', checkpoint='c.pth') in strict.custom_hooks
    partial = apply_test_options(Config(dict(model=dict(type='X'))), 'c.pth',
                                 partial_load=True)
    assert not any(h['type'] == 'StrictLoadHook' for h in partial.get('custom_hooks', []))


def test_strict_load_hook_refuses_before_weights_are_copied(tmp_path):
    runner = _runner(tmp_path, iters=1)
    runner.train()
    foreign = tmp_path / 'foreign.pth'
    torch.save({'state_dict': ToyModel(3).state_dict(), 'meta': {}}, foreign)
    runner.register_hook(dict(type='StrictLoadHook', checkpoint=str(foreign)))
    before = runner.model.linear.weight.detach().clone()
    with pytest.raises(CheckpointMismatchError, match='foreign.pth does not fit'):
        runner.load_checkpoint(str(foreign))
    assert torch.equal(runner.model.linear.weight, before)
