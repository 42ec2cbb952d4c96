"""Mixed-precision training on a CPU.

mmengine 0.10's ``AmpOptimWrapper`` refuses to be built without a GPU, so ``--amp``
could not run on a CPU. :class:`CPUAmpOptimWrapper` is the same wrapper with bfloat16
autocast on the CPU (the only dtype CPU autocast offers) and no loss scaling: bf16 has
fp32's exponent range, so gradients do not underflow the way fp16 ones do. Weights,
optimizer state and the losses' reductions stay fp32 (autocast runs
``cross_entropy`` and the other losses in fp32).
"""
from __future__ import annotations

from typing import Union

import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(AmpOptimWrapper):
    """:class:`~mmengine.optim.AmpOptimWrapper` for CPU training: bf16 autocast, no
    loss scaling.

    Args:
        loss_scale: accepted for config compatibility with ``AmpOptimWrapper`` and
            ignored (no scaling is needed with bf16).
        dtype: 'bfloat16' (or None, meaning the same); anything else is refused.
        **kwargs: :class:`~mmengine.optim.OptimWrapper` arguments (optimizer,
            clip_grad, accumulative_counts).
    """

    def __init__(self, loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[str, torch.dtype, None] = 'bfloat16', **kwargs) -> None:
        if dtype not in (None, 'bfloat16', torch.bfloat16):
            raise ValueError(f'CPUAmpOptimWrapper: CPU autocast supports bfloat16 only, '
                             f'got optim_wrapper.dtype={dtype!r}')
        OptimWrapper.__init__(self, **kwargs)  # skips AmpOptimWrapper's GPU check
        self._scale_update_param = None
        # disabled scaler: scale / unscale_ / update are no-ops, step is optimizer.step
        self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        self.cast_dtype = torch.bfloat16
