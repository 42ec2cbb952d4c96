"""Measurement helpers, the progress display and the deformable-attention fallback."""
import io
import mmap

import torch
from mmcv.ops import multi_scale_deform_attn
from mmengine.config import Config
from mmseg.registry import HOOKS

from rleseg.benchmark import PyTorchDeformAttnHook, deform_attn
from rleseg.benchmark.measure import (BenchmarkHook, PeakMemory, count_parameters,
                                      latency)
from rleseg.benchmark.progress import Progress
from rleseg.benchmark.records import read_json
from rleseg.benchmark.suites import CONFIG_ROOT


def test_peak_memory_sees_a_large_allocation_and_resets():
    memory = PeakMemory()
    memory.start()
    base = memory.peak_mib()
    # 40 MiB of fresh anonymous pages, every one written: resident whatever the
    # allocator did before (a malloc'd block may reuse pages that are resident already)
    block = mmap.mmap(-1, 40 * 2**20)
    block.write(b'\x01' * len(block))
    assert memory.peak_mib() >= base + 30
    block.close()
    memory.start()
    assert memory.kind == 'rss_peak' and memory.peak_mib() < base + 30


class _Runner:
    iter, max_iters = 0, 3


def test_benchmark_hook_times_iterations_and_writes_progress(tmp_path):
    hook = BenchmarkHook(str(tmp_path / 'p.json'), interval_s=0.0)
    runner = _Runner()
    hook.before_train(runner)
    for step in range(3):
        runner.iter = step
        hook.after_train_iter(runner, step)
    assert len(hook.iter_seconds) == 3 and hook.sec_per_iter() >= 0
    assert read_json(str(tmp_path / 'p.json'))['step'] == 3
    assert BenchmarkHook().sec_per_iter() is None


class _Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 2)

    def test_step(self, data):
        return self.layer(data)


def test_parameters_and_latency():
    model = _Model()
    assert count_parameters(model) == 4 * 2 + 2
    speed = latency(model, lambda n: torch.zeros(n, 4), (1, 8), repeats=2)
    assert set(speed) == {'b1_img_per_s', 'b8_img_per_s'}
    assert all(value > 0 for value in speed.values())


def test_latency_of_a_video_model_counts_frames(monkeypatch):
    from rleseg.benchmark import measure
    monkeypatch.setattr(measure, 'images_per_second',
                        lambda model, make_batch, n, repeats: 2.0 * n)
    speed = latency(_Model(), None, (1, 8), repeats=1, frames_per_item=4)
    assert speed == {'b1_img_per_s': 8.0, 'b8_img_per_s': 64.0}


def test_progress_lines_without_a_terminal():
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.start(0, 'unet_ipsc_tiny')
    for step in range(0, 101, 5):
        progress.update(0, 'train', step, 100)
    progress.finish(0, 'done')
    lines = stream.getvalue().splitlines()
    assert len(lines) == 6  # one per quarter (0..4) and the final line
    assert lines[0].startswith('[1/2] unet_ipsc_tiny: train 0/100')
    assert lines[-1].startswith('[1/2] unet_ipsc_tiny: done')


def test_deform_attn_fallback_only_when_cuda_is_there_but_mmcv_ops_are_not(monkeypatch):
    monkeypatch.setattr(multi_scale_deform_attn, 'IS_CUDA_AVAILABLE', True)
    assert not deform_attn.force_pytorch_deform_attn()  # no CUDA on this machine
    assert multi_scale_deform_attn.IS_CUDA_AVAILABLE
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(deform_attn, 'mmcv_has_cuda_ops', lambda: True)
    assert not deform_attn.force_pytorch_deform_attn()  # a CUDA build keeps its kernel
    monkeypatch.setattr(deform_attn, 'mmcv_has_cuda_ops', lambda: False)
    assert deform_attn.force_pytorch_deform_attn()
    assert multi_scale_deform_attn.IS_CUDA_AVAILABLE is False


def test_mask2former_configs_use_the_fallback_hook():
    assert HOOKS.get('PyTorchDeformAttnHook') is PyTorchDeformAttnHook
    for name in ('mask2former_ipsc', 'mask2former_ipsc_tiny', 'mask2former_aris',
                 'mask2former_aris_tiny'):
        cfg = Config.fromfile(CONFIG_ROOT / f'{name}.py')
        assert dict(type='PyTorchDeformAttnHook') in cfg.custom_hooks
        assert dict(type='SafeCheckpointHook') in cfg.custom_hooks
        head = cfg.model.decode_head
        assert head.loss_cls.class_weight == [1.0] * head.num_classes + [0.1]
        assert cfg.model.backbone.init_cfg == (None if name.endswith('_tiny') else dict(
            type='Pretrained', checkpoint='torchvision://resnet50'))
        assert cfg.model.backbone.norm_cfg == dict(type='BN', requires_grad=True)
        assert 'lr_mult' not in str(cfg.optim_wrapper.get('paramwise_cfg', {})
                                    .get('custom_keys', {}).get('backbone', {}))
        assert cfg.test_evaluator == dict(type='PerClassSegMetric')


def test_benchmark_evaluators_keep_video_and_panoptic_metrics():
    from rleseg.benchmark.run_config import benchmark_evaluators
    assert benchmark_evaluators(dict(type='IoUMetric', ignore_index=7)) == dict(
        type='PerClassSegMetric', ignore_index=7)
    video = benchmark_evaluators(dict(type='VideoFrameMetric', merge='max',
                                      metric=dict(type='IoUMetric')))
    assert video == dict(type='VideoFrameMetric', merge='max',
                         metric=dict(type='PerClassSegMetric', ignore_index=255))
    both = benchmark_evaluators([dict(type='PerClassSegMetric'),
                                 dict(type='PanopticQualityMetric')])
    assert both == [dict(type='PerClassSegMetric', ignore_index=255),
                    dict(type='PanopticQualityMetric')]
