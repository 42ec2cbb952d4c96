"""Mixed precision on CPU: :class:`~rleseg.engine.amp.CPUAmpOptimWrapper` (the ``--amp``
wrapper of a machine without a GPU: mmengine's AmpOptimWrapper refuses to build there)
trains the tiny configs of the four paradigms with bf16 autocast, the token loss
computed in fp32, every loss close to its fp32 value."""
import copy

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import MODELS

import rleseg  # noqa: F401
from rleseg.engine import apply_train_options, load_config
from rleseg.engine.amp import CPUAmpOptimWrapper

init_default_scope('mmseg')
CONFIGS = ['p2s_rle_ipsc_tiny', 'unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny',
           'mask2former_ipsc_tiny']
LOSS_RTOL = 0.05  # bf16 keeps 8 mantissa bits: ~0.4 % per rounding, a few % end to end


def amp_setup(name: str, data_root: str):
    """The config's model, its optimizer wrapper as ``tools/train.py --amp`` sets it on
    a machine without CUDA (a CPUAmpOptimWrapper) and one training batch."""
    cfg = load_config(f'configs/{name}.py', {
        'train_dataloader.dataset.data_root': data_root, 'train_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False})
    apply_train_options(cfg, amp=True)
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    data = next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0)))
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model, build_optim_wrapper(model, cfg.optim_wrapper), data


def first_layer_dtype(model: torch.nn.Module) -> list:
    """Hook the first conv / linear layer; the list receives its output dtypes."""
    seen = []
    layer = next(m for m in model.modules() if isinstance(m, (torch.nn.Conv2d,
                                                                torch.nn.Linear)))
    layer.register_forward_hook(lambda mod, args, out: seen.append(out.dtype))
    return seen


@pytest.mark.parametrize('name', CONFIGS)
def test_bf16_autocast_losses_match_fp32(name, demo_root, seeded_single_thread):
    model, optim, data = amp_setup(name, demo_root)
    assert isinstance(optim, CPUAmpOptimWrapper)
    reference = copy.deepcopy(model)
    model.train()
    reference.train()
    seen = first_layer_dtype(model)
    processed = model.data_preprocessor(data, True)
    with torch.no_grad():
        fp32 = reference(**copy.deepcopy(processed), mode='loss')
        with optim.optim_context(model):
            bf16 = model(**processed, mode='loss')
    assert seen == [torch.bfloat16]  # autocast really ran the layers in bf16
    for key, value in fp32.items():
        if 'loss' not in key:
            continue
        values = value if isinstance(value, list) else [value]
        amp_values = bf16[key] if isinstance(bf16[key], list) else [bf16[key]]
        for ref, got in zip(values, amp_values):
            if key == 'loss_ce':  # the token loss is computed in fp32
                assert got.dtype == torch.float32, key
            assert torch.isfinite(got).all(), key
            torch.testing.assert_close(got.float(), ref, rtol=LOSS_RTOL, atol=1e-3,
                                       msg=lambda m: f"{key}: {m}")


@pytest.mark.parametrize('name', CONFIGS)
def test_amp_train_steps_update_the_weights(name, demo_root, seeded_single_thread):
    model, optim, data = amp_setup(name, demo_root)
    before = [p.detach().clone() for p in model.parameters() if p.requires_grad]
    model.train()
    logs = [model.train_step(copy.deepcopy(data), optim) for _ in range(2)]
    for log in logs:
        assert torch.isfinite(log['loss']) and log['loss'].dtype == torch.float32
    after = [p for p in model.parameters() if p.requires_grad]
    assert all(p.dtype == torch.float32 for p in after)  # master weights stay fp32
    changed = sum(not torch.equal(a, b) for a, b in zip(before, after))
    assert changed >= len(after) // 2


def test_cpu_amp_refuses_fp16():
    with pytest.raises(ValueError, match='bfloat16 only'):
        CPUAmpOptimWrapper(optimizer=torch.optim.SGD([torch.nn.Parameter(torch.ones(1))],
                                                     lr=0.1), dtype='float16')
