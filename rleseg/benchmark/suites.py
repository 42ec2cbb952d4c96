"""Named benchmark suites and the resolution of config names to files.

A suite is a list of config names (files under the repository's ``configs/``) that are
compared on the same dataset split. Configs of one dataset share the dataset base, hence
the split files; :mod:`rleseg.benchmark.grid` checks that every model of a table was
tested on identical items.
"""
from __future__ import annotations

import os.path as osp
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from rleseg.engine.tool_errors import ConfigError

#: The repository's ``configs/`` folder (rleseg is used from a checkout / editable
#: install, like mmseg's own tools).
CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs'

MODELS = ('p2s_rle', 'unet', 'deeplabv3plus', 'mask2former')


@dataclass(frozen=True)
class Suite:
    """A named list of configs benchmarked together.

    Attributes:
        name: the ``--suite`` name.
        configs: config names (without ``.py``) under :data:`CONFIG_ROOT`.
        demo: True for CPU demo-scale suites (tiny models, generated data); their
            output is labelled as demo-scale numbers.
        description: one line shown in the output.
    """
    name: str
    configs: Tuple[str, ...]
    demo: bool
    description: str


def _grid(dataset: str, suffix: str = '') -> Tuple[str, ...]:
    return tuple(f'{model}_{dataset}{suffix}' for model in MODELS)


#: The models of a panoptic suite: the instance-token model, mmdet's instance models,
#: the semantic models scored through their connected components.
PANOPTIC_MODELS = ('p2s_rle', 'maskrcnn', 'mask2former_instance', 'mask2former', 'unet')


def _panoptic(dataset: str) -> Tuple[str, ...]:
    return tuple(f'{model}_{dataset}_panoptic_tiny' for model in PANOPTIC_MODELS)


SUITES: Dict[str, Suite] = {
    suite.name: suite
    for suite in (
        Suite('demo', _grid('nuclei', '_tiny'), True,
              'the first demo (make demo): tiny models on the real fluorescence-nuclei '
              'crops (data/nuclei), each at the budget of its config (token model 1,500 '
              'iterations, the others 400), CPU'),
        Suite('demo-ipsc', _grid('ipsc', '_tiny'), True,
              'tiny models on the generated IPSC-like demo data (200 iterations), CPU'),
        Suite('demo-aris', _grid('aris', '_tiny'), True,
              'tiny models on the generated ARIS-like demo data, CPU'),
        Suite('nuclei', _grid('nuclei', '_tiny'), True,
              'tiny models on the real fluorescence-nuclei crops (data/nuclei; the demo '
              'suite\'s models), CPU; run with --iters and --seeds'),
        Suite('nuclei-panoptic', _panoptic('nuclei'), True,
              'PQ on the real nuclei crops: instance tokens vs mmdet\'s instance models '
              '(Mask R-CNN, Mask2Former) and the semantic models\' connected components, '
              'CPU; run with --seeds'),
        Suite('hela-panoptic', _panoptic('hela'), True,
              'PQ on the real HeLa frames one by one (data/hela_video, per-frame instance '
              'ids): instance tokens vs mmdet\'s instance models (Mask R-CNN, Mask2Former) '
              'and the semantic models\' connected components, CPU; run with --seeds'),
        Suite('panoptic-ablation', ('p2s_rle_nuclei_panoptic_tiny',) + tuple(
            f'panoptic_ablation/{name}_tiny' for name in (
                'p2s_rle_nuclei_panoptic_flips', 'p2s_rle_nuclei_panoptic_2d',
                'p2s_rle_nuclei_panoptic_order_size', 'p2s_rle_nuclei_panoptic_order_id',
                'unet_nuclei_panoptic_aug')), True,
              'the instance-token levers on the real nuclei crops (configs/panoptic_ablation, '
              'one change each from p2s_rle_nuclei_panoptic_tiny: flips = flips instead '
              'of the strong augmentation, 2d = (row, column) starts, no pointers, '
              'top-left resampling, order_size / order_id = instances largest first / by '
              'id instead of raster order) and UNet components with the same '
              'augmentation as the reference, CPU; run with --seeds'),
        Suite('panoptic-paradigms', (), True,
              'the instance-token model (tokenizer and instance cap derived from the '
              'training masks), mmdet\'s instance models and the semantic models\' '
              'connected components on the instance maps of the dataset config of '
              '--dataset, scored by PQ, CPU'),
        Suite('video-paradigms', (), True,
              'the video token model (window tokenizer derived from the training windows, '
              'N from the config) on the windows of the video dataset config of '
              '--dataset, the image token model and the dense baselines on its frames '
              'one by one, every frame scored once, CPU'),
        Suite('roads', _grid('roads', '_tiny'), True,
              'tiny models on the real satellite roads crops (data/roads: thin roads on one '
              'pixel in 30, most crops without road), CPU'),
        Suite('p2s-ablation', tuple(
            f'p2s_ablation/p2s_rle_nuclei_{lever}_tiny'
            for lever in ('plain', 'reg', 'reg_grid', 'reg_grid_aux', 'reg_grid_aug',
                          'reg_grid_pointer', 'reg_grid_pointer_aux', 'reg_grid_pointer_aug',
                          'reg_grid_pointer_smooth', 'reg_grid_pointer_flat',
                          'reg_grid_pointer_end', 'reg_grid_pointer_end_aug',
                          'reg_grid_pointer_end_aug_s32', 'reg_grid_pointer_end_aug_majority',
                          'reg_grid_pointer_end_aug_majority_bilinear', 'shipped_wide',
                          'shipped_deep', 'shipped_smooth', 'shipped_aux', 'shipped_attn0'))
              + ('mask2former_nuclei_tiny',) + tuple(
            f'p2s_ablation/p2s_rle_nuclei_{lever}_tiny'
            for lever in ('reg_grid_m2f_backbone', 'reg_aux', 'reg_aug', 'reg_coord'))
              + tuple(f'p2s_ablation/{model}_nuclei_flip_tiny'
                      for model in ('unet', 'deeplabv3plus', 'mask2former')),
              True, 'the token model\'s levers on the real nuclei crops (configs/'
              'p2s_ablation: plain = levers off, reg = + dropout / drop-path, grid = + '
              'mask-grid memory, pointer = + coordinates scored against the memory, end = '
              '+ flat starts and run lengths scored at the run\'s end cell, majority / '
              'bilinear = the mask subsampled by block majority / decoded masks upsampled '
              'bilinearly; '
              'shipped_* = the shipped p2s_rle_nuclei_tiny plus one lever: wide = d 128, deep '
              '= 4 + 4 layers, smooth = label smoothing 0.1 and weight decay 0.05, aux = the '
              'FCN auxiliary head, attn0 = no dropout on the attention probabilities; '
              'reg_grid_m2f_backbone starts from the Mask2Former backbone trained just '
              'before it; *_nuclei_flip = the dense baselines with flips only, the pipeline of '
              'the token configs without aug), CPU; run with --iters and --seeds'),
        Suite('p2s-ablation-demo', tuple(
            f'p2s_ablation/p2s_rle_ipsc_{lever}_tiny'
            for lever in ('plain', 'reg_grid', 'reg_grid_pointer', 'reg_grid_pointer_end',
                          'reg_grid_pointer_majority_bilinear', 'aug', 'end_aug',
                          'end_aug_attn0_s32'))
              + _grid('ipsc', '_tiny')[1:] + _grid('ipsc', '_aug_tiny')[1:],
              True, 'the token model\'s levers on the generated IPSC-like demo (configs/'
              'p2s_ablation, names as in p2s-ablation; aug = reg_grid_pointer_majority_'
              'bilinear with the strong augmentation, end_aug = + flat starts and the '
              'run-end pointer, i.e. p2s_rle_ipsc_aug_tiny, attn0 = + no dropout on the '
              'attention probabilities, s32 = + the 32 x 32 mask grid) and the dense '
              'baselines with flips (*_ipsc_tiny) and with the augmentation '
              '(*_ipsc_aug_tiny), CPU; run with --iters and --seeds'),
        Suite('demo-aug', _grid('ipsc', '_aug_tiny'), True,
              'tiny models on the generated IPSC-like demo data, every one with the strong '
              'augmentation (zoom, 8 flips / rotations, intensity), for longer schedules '
              '(README: --iters 4000 --seeds 0 1 2), CPU'),
        Suite('paradigms', (), True,
              'the four paradigms (tiny models) on the dataset config of --dataset, CPU'),
        Suite('ipsc', _grid('ipsc'), False,
              'paper-scale models on IPSC (GPU)'),
        Suite('aris', _grid('aris'), False,
              'paper-scale models on ARIS (GPU)'),
        Suite('paper', _grid('ipsc') + _grid('aris'), False,
              'paper-scale models on IPSC and ARIS (GPU)'),
        Suite('video-demo', ('p2s_rle_ipsc_video_tiny', 'p2s_rle_ipsc_video_late_tiny',
                             'p2s_rle_ipsc_video_middle_tiny', 'p2s_rle_ipsc_video_static_tiny')
              + _grid('ipsc', '_tiny'), True,
              'tiny video models (window 4) vs the image models on the demo test frames, CPU'),
        Suite('video-window-demo', ('p2s_rle_ipsc_video_n1_tiny', 'p2s_rle_ipsc_video_n2_tiny',
                                    'p2s_rle_ipsc_video_tiny'), True,
              'window length N = 1, 2, 4 on the demo data, CPU'),
        Suite('video', ('p2s_rle_ipsc_video', 'p2s_rle_ipsc_video_late',
                        'p2s_rle_ipsc_video_ltac', 'p2s_rle_ipsc_video_static')
              + _grid('ipsc'), False,
              'paper-scale video models (N = 8) vs image models on IPSC test frames (GPU)'),
        Suite('video-window', ('p2s_rle_ipsc_video_n1', 'p2s_rle_ipsc_video_n2',
                               'p2s_rle_ipsc_video_n4', 'p2s_rle_ipsc_video'), False,
              'window length N = 1, 2, 4, 8 on IPSC (GPU)'),
        Suite('hela-video', ('p2s_rle_hela_video_tiny', 'p2s_rle_hela_video_cell_tiny',
                             'p2s_rle_hela_video_middle_tiny', 'p2s_rle_hela_video_ltac_tiny',
                             'p2s_rle_hela_video_late_tiny', 'p2s_rle_hela_video_3d_tiny',
                             'p2s_rle_hela_video_3d_late_tiny',
                             'p2s_rle_hela_video_static_tiny', 'p2s_rle_hela_video_n1_tiny',
                             'p2s_rle_hela_video_n2_tiny', 'p2s_rle_hela_video_n8_tiny')
              + _grid('hela', '_tiny'), True,
              'real HeLa time-lapse (data/hela_video): video token models (ltac / tac / '
              '3d-lac, cell / middle / late fusion, static, N = 1, 2, 4, 8) vs the '
              'per-frame models on the same test frames, CPU; run with --seeds'),
        Suite('video-ablation', ('p2s_rle_hela_video_tiny',
                                 'p2s_rle_hela_video_cell_ltac_tce_tiny',
                                 'p2s_rle_hela_video_middle_tiny') + tuple(
            f'video_ablation/p2s_rle_hela_video_{lever}_tiny'
            for lever in ('nopointer', 'starts2d', '2d', 'nearest', 'flips', 'noframe')),
              True,
              'the window levers on the real HeLa time-lapse (configs/video_ablation, one '
              'off each from p2s_rle_hela_video_tiny: nopointer = no coordinate / run-end '
              'pointer, starts2d = + (row, column) starts, 2d = + top-left / block-repeat '
              'resampling and no coordinate code (p2s_rle_tiny_2d.py), nearest = that '
              'resampling alone, flips = flips instead of the strong augmentation; '
              'cell_ltac_tce = + time-class embeddings; middle = tac with middle fusion, '
              'the first default, and noframe = it without frame embeddings), CPU; run '
              'with --seeds'),
        Suite('panoptic-demo', ('p2s_rle_ipsc_panoptic_tiny', 'maskrcnn_ipsc_panoptic_tiny',
                                'mask2former_instance_ipsc_panoptic_tiny',
                                'mask2former_ipsc_panoptic_tiny', 'unet_ipsc_panoptic_tiny'),
              True,
              'PQ of the instance-token model vs mmdet\'s Mask R-CNN and Mask2Former '
              '(instances) and the semantic models\' connected components, CPU'),
        Suite('panoptic', ('p2s_rle_ipsc_panoptic', 'mask2former_ipsc_panoptic'), False,
              'PQ on IPSC (GPU)'),
    )
}


@dataclass(frozen=True)
class ModelSpec:
    """One model of a benchmark: its name and config file (None when missing)."""
    name: str
    config: Optional[str]


def resolve_config(name_or_path: str) -> ModelSpec:
    """Find a config by path or by name under :data:`CONFIG_ROOT`.

    Args:
        name_or_path: ``configs/unet_ipsc_tiny.py``, ``unet_ipsc_tiny.py``,
            ``unet_ipsc_tiny`` or a name in a folder of ``configs/``
            (``p2s_ablation/p2s_rle_nuclei_reg_tiny``).

    Returns:
        The spec; ``config`` is None when no such file exists (the benchmark reports
        the model as missing instead of failing the whole run).
    """
    name = osp.splitext(osp.basename(name_or_path))[0]
    candidates = [Path(name_or_path), CONFIG_ROOT / name_or_path,
                  CONFIG_ROOT / f'{name_or_path}.py', CONFIG_ROOT / f'{name}.py']
    for candidate in candidates:
        if candidate.suffix == '.py' and candidate.is_file():
            return ModelSpec(name, str(candidate.resolve()))
    return ModelSpec(name, None)


def resolve_models(suite: Optional[str] = None,
                   configs: Sequence[str] = ()) -> Tuple[List[ModelSpec], bool]:
    """The models of a suite and/or an explicit config list, without duplicates.

    Returns:
        ``(models, demo)``: ``demo`` is True when the suite is a demo suite or every
        config is a ``*_tiny`` variant.

    Raises:
        ConfigError: on an unknown suite name or when nothing was selected.
    """
    names: List[str] = []
    demo = False
    if suite is not None:
        if suite not in SUITES:
            raise ConfigError(f'unknown suite {suite!r}; choose from {sorted(SUITES)}')
        if not SUITES[suite].configs:
            raise ConfigError(f'--suite {suite} composes a dataset config with its '
                              'models: give it with --dataset my_dataset.py')
        names.extend(SUITES[suite].configs)
        demo = SUITES[suite].demo
    names.extend(configs)
    if not names:
        raise ConfigError('no models selected: give --suite NAME or config files')
    models: List[ModelSpec] = []
    for name in names:
        spec = resolve_config(name)
        if spec.name not in {m.name for m in models}:
            models.append(spec)
    demo = demo or all(m.name.endswith('_tiny') for m in models)
    return models, demo
