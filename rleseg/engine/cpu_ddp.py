"""Distributed data parallel training on CPU processes (gloo).

mmengine 0.10.7's pytorch launcher assumes CUDA: it calls ``torch.cuda.set_device``
while initialising the process group and wraps the model with
``device_ids=[LOCAL_RANK]``; SyncBN needs GPU tensors. On a machine without CUDA,
:func:`init_cpu_distributed` starts the gloo process group itself (mmengine then skips
its own initialisation) and :class:`CPUDistributedDataParallel` wraps the model without
device ids and with SyncBN reverted to BN. ``tools/train.py`` / ``tools/test.py`` set
both up through :func:`rleseg.engine.load_config`; GPU runs are untouched. The group
is destroyed at interpreter exit (:func:`destroy_cpu_distributed`) once every rank got
there: gloo's worker threads left alive into interpreter finalisation, or a peer tearing
its side down first, can abort a process ("terminate called without an active
exception", SIGABRT) after a successful run.
"""
from __future__ import annotations

import atexit
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """:class:`MMDistributedDataParallel` for models whose parameters live on the CPU."""

    def __init__(self, module: torch.nn.Module, device_ids=None, **kwargs) -> None:
        super().__init__(module=revert_sync_batchnorm(module), device_ids=None, **kwargs)


def init_cpu_distributed(launcher: str) -> bool:
    """Start the gloo process group for ``--launcher pytorch`` on a CPU-only machine.

    Reads ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` set by torchrun.

    Returns:
        True when this call initialised the process group (it is then destroyed at
        exit by :func:`destroy_cpu_distributed`).
    """
    if (launcher != 'pytorch' or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return False
    torch_dist.init_process_group(backend='gloo')
    atexit.register(destroy_cpu_distributed)
    return True


def destroy_cpu_distributed(timeout_s: float = 60.0) -> None:
    """Wait for every rank, then destroy the default process group (no-op without one).

    Args:
        timeout_s: the longest wait (seconds) for the other ranks. A rank that failed or
            hangs never arrives: the group is then destroyed without it, and torchrun
            reports that rank's own error.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    try:
        torch_dist.monitored_barrier(timeout=timedelta(seconds=timeout_s))
    except RuntimeError:
        pass  # a missing rank: its own failure is the error worth reporting
    finally:
        torch_dist.destroy_process_group()
