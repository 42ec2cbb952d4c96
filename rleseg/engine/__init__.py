"""Runner-level pieces: safe checkpoints, command-line set-up, CPU distributed
training, prediction output."""
from .checkpoint import (SAFE_GLOBALS, SafeCheckpointHook, SafeHistoryBuffer,
                         UnsafeCheckpointError, load_checkpoint_safely,
                         make_checkpoint_safe, trust_checkpoint)
from .cli import apply_test_options, apply_train_options, load_config
from .cpu_ddp import CPUDistributedDataParallel, init_cpu_distributed
from .prediction_writer import PredictionWriterHook

__all__ = [
    'CPUDistributedDataParallel', 'init_cpu_distributed',
    'PredictionWriterHook', 'apply_test_options', 'apply_train_options', 'load_config',
    'SAFE_GLOBALS', 'SafeCheckpointHook', 'SafeHistoryBuffer', 'UnsafeCheckpointError',
    'load_checkpoint_safely', 'make_checkpoint_safe', 'trust_checkpoint'
]
