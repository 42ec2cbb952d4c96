"""Checkpoints load with weights_only=True; unsafe pickles are refused unexecuted."""
import os
import pickle
import uuid

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

from rleseg.engine import (SafeHistoryBuffer, UnsafeCheckpointError,
                           load_checkpoint_safely, make_checkpoint_safe,
                           trust_checkpoint)


class _RunsCommand:
    """An object whose unpickling runs a shell command (the classic pickle exploit)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _message_hub_state() -> dict:
    hub = MessageHub.get_instance(f'rleseg_test_{uuid.uuid4().hex}')
    for step in range(5):
        hub.update_scalar('train/loss', float(step) * 0.5)
    hub.update_info('iter', np.int64(5), resumed=True)
    return hub.state_dict()


def test_mmengine_checkpoint_is_unsafe_as_written(tmp_path):
    # What mmengine writes by itself needs unsafe globals: the reason for the hook.
    path = tmp_path / 'plain.pth'
    torch.save({'message_hub': _message_hub_state()}, path)
    with pytest.raises(UnsafeCheckpointError, match='HistoryBuffer|numpy|getattr'):
        load_checkpoint_safely(str(path))


def test_safe_checkpoint_round_trip(tmp_path):
    checkpoint = {
        'meta': {'iter': np.int64(7), 'seed': np.int32(3), 'mean': np.float32(0.5),
                 'palette': np.array([[0, 0, 0], [255, 0, 0]])},
        'message_hub': _message_hub_state(),
        'state_dict': {'weight': torch.arange(4.0)},
    }
    make_checkpoint_safe(checkpoint)
    path = tmp_path / 'safe.pth'
    torch.save(checkpoint, path)

    loaded = load_checkpoint_safely(str(path))
    assert loaded['meta'] == {'iter': 7, 'seed': 3, 'mean': 0.5,
                              'palette': [[0, 0, 0], [255, 0, 0]]}
    assert torch.equal(loaded['state_dict']['weight'], torch.arange(4.0))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, SafeHistoryBuffer)
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.data[0].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert buffer.mean() == pytest.approx(1.0)
    # The message hub accepts the safe buffer when resuming.
    hub = MessageHub.get_instance(f'rleseg_test_{uuid.uuid4().hex}')
    hub.load_state_dict(loaded['message_hub'])
    assert hub.get_scalar('train/loss').current() == 2.0
    assert hub.get_info('iter') == 5


def test_malicious_checkpoint_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _RunsCommand(str(marker))}, path)

    with pytest.raises(UnsafeCheckpointError) as error:
        CheckpointLoader.load_checkpoint(str(path))  # the path mmengine's runner takes
    message = str(error.value)
    assert 'system' in message and '--trust-checkpoint' in message
    assert '\n' not in message
    assert not marker.exists()


def test_trusted_checkpoint_loads_unrestricted(tmp_path):
    path = tmp_path / 'old_mmengine.pth'
    torch.save({'message_hub': _message_hub_state()}, path)
    trust_checkpoint(str(path))
    loaded = load_checkpoint_safely(str(path))
    assert isinstance(loaded['message_hub']['log_scalars']['train/loss'], HistoryBuffer)


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_checkpoint_safely(str(tmp_path / 'nothing.pth'))


def test_unpickling_error_type_is_what_torch_raises(tmp_path):
    # Guard the assumption load_checkpoint_safely relies on.
    path = tmp_path / 'evil.pth'
    torch.save({'x': _RunsCommand(str(tmp_path / 'never'))}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
