# Runtime shared by every rleseg config: mmseg's own default runtime, plus the rleseg
# registrations (and mmdet's, for Mask2Former), the hook that keeps checkpoints loadable
# with weights_only=True, the one that stores / checks a token model's vocabulary layout
# and the one that selects PyTorch deformable attention on a GPU with a CPU-only mmcv
# (both no-ops for the models they do not concern).
_base_ = ['mmseg::_base_/default_runtime.py']

custom_imports = dict(imports=['rleseg', 'mmdet.models'], allow_failed_imports=False)
custom_hooks = [dict(type='SafeCheckpointHook'), dict(type='VocabLayoutHook'),
                dict(type='PyTorchDeformAttnHook')]
# tools/test.py --tta (and tools/benchmark.py --tta): class probabilities averaged over
# the 8 flips / rotations of the input, the same views for every paradigm.
tta_model = dict(type='SegDihedralTTAModel', views='dihedral')
# tools/train.py switches the backend to gloo when CUDA is unavailable.
env_cfg = dict(dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
