"""Config problems found before training, each in one line naming file, key or option;
tools/train.py's work-dir lock and one-line handling of misspelt keys and Ctrl-C."""
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

import rleseg  # noqa: F401  (registers the hooks)
from rleseg.benchmark.lock import ModelDirLock
from rleseg.engine import (ConfigError, check_test_cfg, check_work_dir, load_config,
                           user_errors)
from rleseg.engine.config_checks import ClassCountHook, model_class_counts

REPO = Path(__file__).resolve().parents[2]


def test_syntax_error_names_the_file_and_line(tmp_path):
    base = tmp_path / 'base.py'
    base.write_text('a = 1\nb = dict(x=1,\nc = 2\n')
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{str(base)!r}]\n')
    with pytest.raises(ConfigError, match=r'config .*base\.py line 2: .*config files are '
                       r'Python') as error:
        load_config(str(child), work_dir=str(tmp_path / 'w'))
    assert '<unknown>' not in str(error.value)


def test_work_dir_that_is_a_file_or_read_only_is_refused(tmp_path):
    check_work_dir(str(tmp_path / 'new' / 'deeper'))          # created later by the runner
    assert not (tmp_path / 'new').exists()                    # nothing created here
    (tmp_path / 'file').write_text('x')
    with pytest.raises(ConfigError, match=r'work dir .*file is a file'):
        check_work_dir(str(tmp_path / 'file'))
    with pytest.raises(ConfigError, match=r'work dir .*file/sub is under the file'):
        check_work_dir(str(tmp_path / 'file' / 'sub'))
    with pytest.raises(ConfigError, match='work dir /sys/rleseg_work is not writable'):
        check_work_dir('/sys/rleseg_work')                     # read-only, even for root


@pytest.mark.parametrize('model, message', [
    (dict(type='EncoderDecoder', test_cfg=dict(modee='slide')),
     r'model.test_cfg.modee is not read by EncoderDecoder \(did you mean mode\?\)'),
    (dict(type='EncoderDecoder', test_cfg=dict(mode='Slide')),
     r"model.test_cfg.mode='Slide' must be one of"),
    (dict(type='Pix2SeqSegmentor', test_cfg=dict(use_cach=False)),
     r'model.test_cfg.use_cach is not read by Pix2SeqSegmentor \(did you mean use_cache'),
    (dict(type='SegDihedralTTAModel', module=dict(type='EncoderDecoder',
                                                  test_cfg=dict(stide=(1, 1)))),
     r'model.module.test_cfg.stide'),
])
def test_unknown_test_cfg_keys_are_refused(model, message):
    with pytest.raises(ConfigError, match=message):
        check_test_cfg(Config(dict(model=model)))


def test_known_test_cfg_keys_pass():
    check_test_cfg(Config(dict(model=dict(type='EncoderDecoder', test_cfg=dict(
        mode='slide', crop_size=(8, 8), stride=(4, 4))))))
    check_test_cfg(Config(dict(model=dict(type='Pix2SeqSegmentor', test_cfg=dict(
        mode='whole', use_cache=False, sampling=dict(strategy='greedy'))))))


@pytest.mark.parametrize('config', ['unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny',
                                    'mask2former_ipsc_tiny', 'p2s_rle_ipsc_tiny'])
def test_shipped_configs_pass_the_static_checks(tmp_path, config):
    load_config(str(REPO / 'configs' / f'{config}.py'), work_dir=str(tmp_path))


def test_class_count_hook_compares_model_and_datasets():
    import torch

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.decode_head = torch.nn.Linear(1, 1)
            self.decode_head.num_classes = 4

    class Runner:
        model = Model()
        val_loop = None
        train_dataloader = type('L', (), dict(dataset=type('D', (), dict(
            metainfo=dict(classes=('a', 'b', 'c'))))))

    assert list(model_class_counts(Runner.model)) == [('model.decode_head.num_classes', 4)]
    with pytest.raises(ConfigError, match=r"model.decode_head.num_classes = 4 but "
                       r"train_dataloader.dataset has 3 class names \('a', 'b', 'c'\)"):
        ClassCountHook().before_train(Runner)
    Runner.model.decode_head.num_classes = 3
    ClassCountHook().before_train(Runner)


def test_misspelt_key_type_error_becomes_one_line(capsys):
    error = TypeError("BaseSegDataset.__init__() got an unexpected keyword argument "
                      "'data_roo'")
    with pytest.raises(SystemExit) as exit_:
        with user_errors():
            raise error
    assert exit_.value.code == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: BaseSegDataset takes no argument 'data_roo'")
    assert '\n' not in line
    with pytest.raises(TypeError):                      # a bug keeps its traceback
        with user_errors():
            raise TypeError('unsupported operand type(s)')


def test_ctrl_c_is_one_line_with_status_130(capsys):
    with pytest.raises(SystemExit) as exit_:
        with user_errors():
            raise KeyboardInterrupt
    assert exit_.value.code == 130
    assert capsys.readouterr().err.startswith('error: interrupted (Ctrl-C / SIGINT)')
    with pytest.raises(KeyboardInterrupt):
        with user_errors(debug=True):
            raise KeyboardInterrupt
    with pytest.raises(SystemExit) as exit_:         # masked by a library's bare except
        with user_errors():
            try:
                raise KeyboardInterrupt
            except BaseException:
                raise SyntaxError('Failed to format the config file') from None
    assert exit_.value.code == 130


def test_second_train_on_a_locked_work_dir_fails_in_one_line(tmp_path):
    with ModelDirLock(str(tmp_path)):                # a run (or benchmark worker) there
        result = subprocess.run(
            [sys.executable, 'tools/train.py', 'configs/unet_ipsc_tiny.py', '--work-dir',
             str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    assert len(errors) == 1
    assert errors[0].startswith(f'error: --work-dir {tmp_path} is in use by pid')
