"""Runner-level pieces: safe, verified and atomic checkpoints, strict loading, run
guards and config checks, command-line set-up and one-line errors, CPU distributed
training, prediction output."""
from .amp import CPUAmpOptimWrapper
from .checkpoint import (SAFE_GLOBALS, CheckpointError, CheckpointMismatchError,
                         SafeCheckpointHook, SafeHistoryBuffer, UnsafeCheckpointError,
                         load_checkpoint_safely, make_checkpoint_safe, trust_checkpoint,
                         verify_checkpoint_file)
from .checkpoint_hook import AtomicCheckpointHook, StrictLoadHook, check_checkpoint_fits
from .cli import (add_config_arguments, add_custom_hook, add_guard_hooks,
                  add_launcher_arguments, add_partial_load_argument, apply_test_options,
                  apply_train_options, build_runner, load_config, parse_tool_args)
from .config_checks import (ClassCountHook, check_test_cfg, check_work_dir,
                            read_config)
from .guards import (CheckedPretrainedInit, NonFiniteLossError, NonFiniteLossHook,
                     check_state_fits)
from .tool_errors import (USER_ERRORS, ConfigError, add_debug_argument,
                          one_line_message, user_errors)
from .cpu_ddp import CPUDistributedDataParallel, init_cpu_distributed
from .prediction_writer import PredictionWriterHook
from .resume_rng import ResumeRandomStateHook

__all__ = [
    'CPUAmpOptimWrapper', 'CPUDistributedDataParallel', 'init_cpu_distributed',
    'PredictionWriterHook', 'ResumeRandomStateHook', 'add_config_arguments',
    'add_custom_hook', 'add_guard_hooks', 'add_launcher_arguments',
    'add_partial_load_argument', 'apply_test_options', 'apply_train_options',
    'build_runner', 'load_config', 'parse_tool_args',
    'AtomicCheckpointHook', 'StrictLoadHook', 'check_checkpoint_fits',
    'ClassCountHook', 'check_test_cfg', 'check_work_dir', 'read_config',
    'SAFE_GLOBALS', 'CheckpointError', 'CheckpointMismatchError', 'SafeCheckpointHook',
    'SafeHistoryBuffer',
    'UnsafeCheckpointError', 'load_checkpoint_safely', 'make_checkpoint_safe',
    'trust_checkpoint', 'verify_checkpoint_file',
    'CheckedPretrainedInit', 'NonFiniteLossError', 'NonFiniteLossHook',
    'check_state_fits',
    'USER_ERRORS', 'ConfigError', 'add_debug_argument', 'one_line_message',
    'user_errors'
]
