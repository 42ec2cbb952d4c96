# Runtime shared by every rleseg config: mmseg's own default runtime, plus the rleseg
# registrations and the hook that keeps checkpoints loadable with weights_only=True.
_base_ = ['mmseg::_base_/default_runtime.py']

custom_imports = dict(imports=['rleseg'], allow_failed_imports=False)
custom_hooks = [dict(type='SafeCheckpointHook')]
# tools/train.py switches the backend to gloo when CUDA is unavailable.
env_cfg = dict(dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
