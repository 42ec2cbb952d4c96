"""Run Mask2Former's deformable attention on a GPU with a CPU-only mmcv build.

mmcv's ``MultiScaleDeformableAttention.forward`` calls the compiled CUDA kernel
whenever CUDA is available and the input is on the GPU. With an mmcv built without
CUDA ops (the only build this project compiles) that kernel does not exist and the
call fails, although mmcv ships an equivalent pure-PyTorch implementation
(``multi_scale_deformable_attn_pytorch``) that it uses on CPU. The hook below makes
mmcv take that path on the GPU too, only when the CUDA op is absent.
"""
from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS


def mmcv_has_cuda_ops() -> bool:
    """True when mmcv's compiled ops include CUDA kernels."""
    from mmcv.ops import get_compiling_cuda_version
    return get_compiling_cuda_version() != 'not available'


def force_pytorch_deform_attn() -> bool:
    """Route mmcv's multi-scale deformable attention to its PyTorch implementation
    when CUDA is available but mmcv has no CUDA ops.

    Returns:
        True when the fallback was switched on.
    """
    if not torch.cuda.is_available() or mmcv_has_cuda_ops():
        return False
    from mmcv.ops import multi_scale_deform_attn
    multi_scale_deform_attn.IS_CUDA_AVAILABLE = False
    return True


@HOOKS.register_module()
class PyTorchDeformAttnHook(Hook):
    """Before the run, apply :func:`force_pytorch_deform_attn` (a no-op on CPU and
    with a CUDA build of mmcv). Mask2Former configs list it in ``custom_hooks``."""

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        if force_pytorch_deform_attn():
            print_log('mmcv has no CUDA ops: multi-scale deformable attention runs '
                      'its PyTorch implementation on the GPU', logger='current')
