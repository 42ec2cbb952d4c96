"""Fault injection: damage inputs on purpose and check that nothing is silent.

Every case damages one thing (a data file, a checkpoint, token ids, a label, the
loss) in a scratch copy of the demo data, runs the code path a user runs, and
classifies what happened:

* ``clear error``  a one-line error of the expected type that names the file /
                   option (the case's ``names``), or, for tools, exit status 1 with
                   one ``error:`` line and no traceback;
* ``exact``        the result equals the reference bit for bit;
* anything else    ``SILENT`` (a wrong result without an error), ``multi-line error``,
                   ``unclear error`` (does not name the file) or ``wrong error``.

Usage::

    python benchmarks/fault_injection.py [--only SUBSTRING] [--cost]
        [--out benchmarks/results/fault_injection.md]

``--cost`` also measures what the new checks cost on the demo data (dataset
construction plus loading every demo item, with the byte-integrity checks on vs
patched out, interleaved rounds; checkpoint CRC verification vs ``torch.load``).

Adding a case: write a function that damages something under ``ctx.scratch`` and
returns what the user-facing call returned, decorate it with
``@fault_case(name, expected, names=...)``; raise nothing yourself: exceptions are
what the table classifies. Cases run in definition order.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import rleseg  # noqa: E402,F401
from mmengine.registry import init_default_scope  # noqa: E402

from rleseg.datasets import ARISDataset, IPSCDataset  # noqa: E402
from rleseg.datasets.prepare import prepare_demo  # noqa: E402
from rleseg.engine import USER_ERRORS  # noqa: E402

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadSegAnnotations')]


@dataclass
class Context:
    """What a case may use: a scratch folder and a fresh copy of the demo data."""

    scratch: Path
    pristine: Path

    def demo(self, name: str) -> Path:
        """A fresh copy of ``data/<name>`` (``ipsc_demo`` / ``aris_demo``) to damage."""
        target = Path(tempfile.mkdtemp(dir=self.scratch)) / name
        shutil.copytree(self.pristine / name, target)
        return target


@dataclass
class FaultCase:
    name: str
    expected: str                          # 'clear error' | 'exact'
    run: Callable[[Context], Any]
    names: tuple[str, ...] = ()            # what a clear error must mention
    errors: tuple[type, ...] = USER_ERRORS


CASES: list[FaultCase] = []


def fault_case(name: str, expected: str = 'clear error', names: tuple[str, ...] = (),
               errors: tuple[type, ...] = USER_ERRORS) -> Callable:
    """Register the decorated ``run(ctx)`` as a table row."""
    def register(run: Callable[[Context], Any]) -> Callable:
        CASES.append(FaultCase(name, expected, run, names, errors))
        return run
    return register


@dataclass
class ToolResult:
    """Outcome of a command-line tool run by a case."""

    returncode: int
    stderr: str
    error_lines: list[str] = field(default_factory=list)


def run_tool(args: list[str], cwd: Path = REPO, env: Optional[dict] = None) -> ToolResult:
    result = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True,
                            text=True, timeout=900,
                            env={**os.environ, 'OMP_NUM_THREADS': '1', **(env or {})})
    lines = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    return ToolResult(result.returncode, result.stderr, lines)


def run_main(args: list[str]) -> ToolResult:
    """Run a tool (``args[0]``, e.g. ``tools/train.py``) in this process, as
    :func:`run_tool` does in a new one, without the interpreter start-up: its exit
    status, its stderr, and any traceback of an exception it let through."""
    import contextlib
    import io
    import runpy
    import traceback
    stderr, argv = io.StringIO(), sys.argv
    sys.argv = list(args)
    try:
        with contextlib.redirect_stderr(stderr):
            runpy.run_path(str(REPO / args[0]), run_name='__main__')
        status = 0
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    except Exception:  # what a user would see as a traceback
        stderr.write(traceback.format_exc())
        status = 1
    finally:
        sys.argv = argv
    lines = [line for line in stderr.getvalue().splitlines() if line.startswith('error: ')]
    return ToolResult(status, stderr.getvalue(), lines)


def _overwrite(path: Path, fraction: tuple[float, float] = (1 / 3, 2 / 3),
               seed: int = 0) -> None:
    data = bytearray(path.read_bytes())
    lo, hi = int(len(data) * fraction[0]), int(len(data) * fraction[1])
    data[lo:hi] = np.random.default_rng(seed).bytes(hi - lo)
    path.write_bytes(bytes(data))


def _overwrite_png_pixels(path: Path, seed: int = 0) -> None:
    """Overwrite the middle third of the first IDAT chunk (compressed pixels only)."""
    data = bytearray(path.read_bytes())
    at = data.index(b'IDAT')
    length = int.from_bytes(data[at - 4:at], 'big')
    lo, hi = at + 4 + length // 3, at + 4 + 2 * length // 3
    data[lo:hi] = np.random.default_rng(seed).bytes(hi - lo)
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _first_frame(root: Path, index: int = 1) -> tuple[Path, str]:
    seq = sorted(p for p in root.iterdir() if p.name.startswith('roi_'))[0]
    stems = sorted(p.stem for p in seq.glob('*.jpg'))
    return seq, stems[index]


def _load_all(ds) -> list:
    return [ds[i] for i in range(len(ds))]


# ---------------------------------------------------------------------- data files
def _load_damaged_frame(ctx, damage: Callable[[Path], None], file: str) -> list:
    """Damage one file of the first demo IPSC frame (``file``: ``'{stem}.jpg'`` or
    ``'masks/{stem}.png'``) and load the test split through the dataset."""
    root = ctx.demo('ipsc_demo')
    seq, stem = _first_frame(root)
    damage(seq / file.format(stem=stem))
    return _load_all(IPSCDataset(data_root=str(root), ann_file='splits/test.txt',
                                 pipeline=LOAD))


@fault_case('JPEG image truncated (header intact)', names=('.jpg', 'damaged'))
def _jpeg_truncated(ctx):
    return _load_damaged_frame(ctx, _truncate, '{stem}.jpg')


@fault_case('JPEG image: middle third (scan data) overwritten with random bytes',
            names=('.jpg', 'damaged'))
def _jpeg_overwritten(ctx):
    return _load_damaged_frame(ctx, _overwrite, '{stem}.jpg')


@fault_case('PNG mask: compressed pixel data (IDAT) partly overwritten',
            names=('.png', 'damaged', 'IDAT'))
def _png_overwritten(ctx):
    return _load_damaged_frame(ctx, _overwrite_png_pixels, 'masks/{stem}.png')


@fault_case('PNG mask pixels damaged, item checks off (decode-time check)',
            names=('.png', 'damaged', 'IDAT'))
def _png_decode_time(ctx):
    root = ctx.demo('ipsc_demo')
    seq, stem = _first_frame(root)
    _overwrite_png_pixels(seq / 'masks' / f'{stem}.png', seed=1)
    return _load_all(IPSCDataset(data_root=str(root), ann_file='splits/test.txt',
                                 check_items='none', pipeline=LOAD))


@fault_case('TIFF image truncated (ARIS)', names=('img_', '.tif', 'damaged'))
def _tiff_truncated(ctx):
    root = ctx.demo('aris_demo')
    _truncate(root / 'images' / 'img_34.tif')
    return _load_all(ARISDataset(data_root=str(root), ann_file='splits/test.txt',
                                 pipeline=LOAD))


@fault_case('ARIS 16-bit grey label holding 1000', names=('img_34.tif', '1000'))
def _grey_label_range(ctx):
    from PIL import Image
    root = ctx.demo('aris_demo')
    label = root / 'labels' / 'img_34.tif'
    arr = np.array(Image.open(label))[..., 0].astype(np.uint16)
    arr[:8, :8] = 1000
    Image.fromarray(arr).save(label)
    return _load_all(ARISDataset(data_root=str(root), ann_file='splits/test.txt',
                                 pipeline=LOAD))


@fault_case('split file lists a missing item', names=('image999', 'splits/test.txt'))
def _split_missing_item(ctx):
    root = ctx.demo('ipsc_demo')
    seq, _ = _first_frame(root)
    with open(root / 'splits' / 'test.txt', 'a') as f:
        f.write(f'{seq.name}/image999\n')
    return IPSCDataset(data_root=str(root), ann_file='splits/test.txt')


@fault_case('a directory where a label file should be', names=('is a directory', '.png'))
def _directory_for_file(ctx):
    root = ctx.demo('ipsc_demo')
    seq, stem = _first_frame(root)
    mask = seq / 'masks' / f'{stem}.png'
    mask.unlink()
    mask.mkdir()
    return IPSCDataset(data_root=str(root), ann_file='splits/test.txt')


@fault_case('intact demo data: loaded items equal the unchecked decode', expected='exact')
def _intact_data(ctx):
    from rleseg.datasets import imageio
    kw = dict(data_root=str(ctx.pristine / 'ipsc_demo'), ann_file='splits/test.txt',
              pipeline=LOAD)
    checked = _load_all(IPSCDataset(**kw))
    original = imageio.check_intact
    imageio.check_intact = lambda *args, **kwargs: None
    try:
        unchecked = _load_all(IPSCDataset(check_items='none', **kw))
    finally:
        imageio.check_intact = original
    return all(np.array_equal(a['img'], b['img'])
               and np.array_equal(a['gt_seg_map'], b['gt_seg_map'])
               for a, b in zip(checked, unchecked)) and len(checked) == len(unchecked)


# ---------------------------------------------------------------------- tokenizer
def _tokenizer():
    from rleseg.tokenizers import build_tokenizer
    return build_tokenizer(dict(scheme='lac', mask_size=16, num_classes=3,
                                subsample=dict(factor=4, mode='any'), max_seq_len=128))


def _tokens():
    tok = _tokenizer()
    mask = np.zeros((64, 64), np.uint8)
    mask[8:30, 10:40], mask[40:60, 5:20] = 1, 2
    return tok, tok.encode(mask).tokens


@fault_case('token ids given as floats (tokens - 0.1)', names=('integers',),
            errors=(ValueError, ))
def _float_tokens(ctx):
    tok, tokens = _tokens()
    return tok.decode(tokens - 0.1)


@fault_case('token ids with NaN / inf', names=('integers',), errors=(ValueError, ))
def _nan_tokens(ctx):
    tok, tokens = _tokens()
    return tok.decode(np.where(tokens == tokens[-1], np.nan, tokens))


@fault_case('token ids as complex numbers', names=('integers',), errors=(ValueError, ))
def _complex_tokens(ctx):
    tok, tokens = _tokens()
    return tok.decode(tokens + 0j)


@fault_case("negative label with subsample mode 'any'", names=('-1', 'negative'),
            errors=(ValueError, ))
def _negative_label_any(ctx):
    mask = np.zeros((64, 64), np.int16)
    mask[5, 5] = -1
    return _tokenizer().encode(mask)


@fault_case('float label 1.5 with a label_map', names=('non-integer', ),
            errors=(ValueError, ))
def _float_label_map(ctx):
    from rleseg.tokenizers import build_tokenizer
    tok = build_tokenizer(dict(scheme='mc', mask_size=8, num_classes=3, label_map={2: 1}))
    mask = np.zeros((8, 8))
    mask[2, 2] = 1.5
    return tok.encode(mask)


@fault_case('token round trip of a demo-like mask', expected='exact')
def _token_round_trip(ctx):
    tok, tokens = _tokens()
    mask = np.zeros((64, 64), np.uint8)
    mask[8:30, 10:40], mask[40:60, 5:20] = 1, 2
    decoded, _ = tok.decode(tokens)
    return np.array_equal(decoded, tok.subsample(mask))


# ---------------------------------------------------------------------- checkpoints
def _checkpoint(ctx) -> Path:
    import torch
    path = Path(tempfile.mkdtemp(dir=ctx.scratch)) / 'iter_1.pth'
    torch.manual_seed(0)
    torch.save({'state_dict': {'w': torch.randn(256, 256)},
                'optimizer': {'state': {0: {'exp_avg': torch.randn(256, 256)}}}}, path)
    return path


def _load(path: Path):
    from mmengine.runner import CheckpointLoader
    return CheckpointLoader.load_checkpoint(str(path))


def _overwrite_checkpoint(ctx, where: float):
    path = _checkpoint(ctx)
    data = bytearray(path.read_bytes())
    start = int(len(data) * where)
    data[start:start + 4096] = np.random.default_rng(0).bytes(4096)
    path.write_bytes(bytes(data))
    return _load(path)


@fault_case('checkpoint: 4 KB of weights overwritten in place (CRCs differ)',
            names=('iter_1.pth', 'damaged', 'CRC'))
def _ckpt_overwritten(ctx):
    return _overwrite_checkpoint(ctx, 0.25)             # inside the first tensor


@fault_case('checkpoint: 4 KB overwritten over a record header',
            names=('iter_1.pth', 'damaged'))
def _ckpt_header_overwritten(ctx):
    return _overwrite_checkpoint(ctx, 0.5)              # between the two tensors


@fault_case('checkpoint truncated', names=('iter_1.pth', ))
def _ckpt_truncated(ctx):
    path = _checkpoint(ctx)
    _truncate(path)
    return _load(path)


@fault_case('checkpoint empty', names=('iter_1.pth', 'empty'))
def _ckpt_empty(ctx):
    path = _checkpoint(ctx)
    path.write_bytes(b'')
    return _load(path)


@fault_case('checkpoint is a text file', names=('iter_1.pth', 'not a PyTorch'))
def _ckpt_text(ctx):
    path = _checkpoint(ctx)
    path.write_text('loss: 0.12\n')
    return _load(path)


@fault_case('checkpoint path is a directory', names=('iter_1.pth', 'directory'))
def _ckpt_directory(ctx):
    path = _checkpoint(ctx)
    path.unlink()
    path.mkdir()
    return _load(path)


@fault_case('checkpoint runs code when unpickled (refused, not run)',
            names=('iter_1.pth', 'system'))
def _ckpt_malicious(ctx):
    import torch
    path = _checkpoint(ctx)
    marker = path.with_name('pwned')
    torch.save({'meta': _Exploit(str(marker))}, path)
    try:
        return _load(path)
    finally:
        if marker.exists():
            raise AssertionError('the pickle ran code')


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@fault_case('pretrained backbone checkpoint whose keys do not match',
            names=('init_cfg', 'iter_1.pth'))
def _pretrained_mismatch(ctx):
    import torch
    from mmengine.model import BaseModule

    class Backbone(BaseModule):
        def __init__(self, init_cfg):
            super().__init__(init_cfg)
            self.conv = torch.nn.Conv2d(3, 8, 3)

    path = _checkpoint(ctx)
    Backbone(dict(type='Pretrained', checkpoint=str(path))).init_weights()


@fault_case('intact checkpoint loads bit for bit', expected='exact')
def _ckpt_intact(ctx):
    import torch
    path = _checkpoint(ctx)
    return torch.equal(_load(path)['state_dict']['w'],
                       torch.load(path, weights_only=True)['state_dict']['w'])


# ---------------------------------------------------------------------- training / tools
def _tiny_cfg(data_root: Path, iters: int) -> dict:
    """``--cfg-options`` of a short demo training (checkpoint every iteration)."""
    return {'train_cfg.max_iters': iters, 'train_cfg.val_interval': iters,
            'default_hooks.checkpoint.interval': 1, 'train_dataloader.batch_size': 2,
            'train_dataloader.dataset.data_root': str(data_root),
            'val_dataloader.dataset.data_root': str(data_root),
            'test_dataloader.dataset.data_root': str(data_root)}


def _tiny_options(data_root: Path, iters: int, **extra) -> list[str]:
    return ['--cfg-options', *(f'{key}={value}' for key, value in
                               {**_tiny_cfg(data_root, iters), **extra}.items())]


@fault_case('training loss becomes NaN (normalisation std 0): tools/train.py',
            names=('is nan at iteration 1', ))
def _nan_loss(ctx):
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    options = _tiny_options(ctx.pristine / 'ipsc_demo', 4) + [
        'model.data_preprocessor.std=[0,0,0]']
    result = run_tool(['tools/train.py', 'configs/unet_ipsc_tiny.py', '--work-dir',
                       str(work), *options])
    if list(work.glob('iter_*.pth')):
        raise AssertionError('a checkpoint of the NaN iteration was written')
    return result


@fault_case('training resumed from an optimizer state holding NaN',
            names=('is nan at iteration', ))
def _nan_resume(ctx):
    import torch

    from rleseg.engine import load_checkpoint_safely
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    options = _tiny_options(ctx.pristine / 'ipsc_demo', 2)
    first = run_tool(['tools/train.py', 'configs/unet_ipsc_tiny.py', '--work-dir',
                      str(work), *options])
    if first.returncode:
        raise AssertionError(first.stderr[-500:])
    path = work / 'iter_2.pth'
    checkpoint = load_checkpoint_safely(str(path))      # a valid file whose numbers
    for state in checkpoint['optimizer']['state'].values():  # are NaN: CRCs match
        state['exp_avg'].fill_(float('nan'))
    torch.save(checkpoint, path)
    return run_tool(['tools/train.py', 'configs/unet_ipsc_tiny.py', '--work-dir', str(work),
                     '--resume', *_tiny_options(ctx.pristine / 'ipsc_demo', 4)])


@fault_case('tools/train.py configs/p2s_rle_ipsc.py without the IPSC release',
            names=('abhineet123/ipsc_prediction', 'roi_images_and_labels.zip',
                   'p2s_rle_ipsc_tiny.py'))
def _missing_release(ctx):
    cwd = Path(tempfile.mkdtemp(dir=ctx.scratch))
    return run_tool([str(REPO / 'tools/train.py'), str(REPO / 'configs/p2s_rle_ipsc.py'),
                     '--work-dir', str(cwd / 'work')], cwd=cwd)


@fault_case('tools/test.py with a damaged checkpoint', names=('iter_1.pth', 'damaged'))
def _test_tool_damaged(ctx):
    path = _checkpoint(ctx)
    _truncate(path)
    return run_tool(['tools/test.py', 'configs/unet_ipsc_tiny.py', str(path), '--work-dir',
                     str(path.parent / 'test'), *_tiny_options(ctx.pristine / 'ipsc_demo', 1)])


# ---------------------------------------------------------------------- benchmark
def _default_sigint() -> None:
    """``preexec_fn`` of a child a case interrupts with SIGINT: the default disposition,
    as in a terminal, also when this script inherited SIGINT ignored (a background job
    of a non-interactive shell), in which case Python installs no KeyboardInterrupt
    handler and the child would run on."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _worker_pid(model_dir: Path, timeout: float = 120.0) -> int:
    """The pid written into a model folder's lock by its benchmark worker."""
    lock = model_dir / '.worker.lock'
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = lock.read_text().strip() if lock.is_file() else ''
        if text.startswith('pid '):
            return int(text.split()[1])
        time.sleep(0.2)
    raise AssertionError(f'no worker started in {model_dir}')


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii') as file:
            return file.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


@fault_case('tools/benchmark.py killed with SIGKILL: no worker outlives it',
            expected='exact')
def _benchmark_killed(ctx):
    import signal
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    bench = subprocess.Popen(
        [sys.executable, 'tools/benchmark.py', 'unet_ipsc_tiny', '--iters', '500',
         '--work-dir', str(work)], cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    worker = _worker_pid(work / 'unet_ipsc_tiny')
    bench.send_signal(signal.SIGKILL)
    bench.wait()
    deadline = time.time() + 20
    while _alive(worker) and time.time() < deadline:
        time.sleep(0.2)
    return not _alive(worker)


@fault_case('a second benchmark worker on a model folder in use',
            names=('in use by pid',), errors=(RuntimeError, ))
def _benchmark_busy(ctx):
    from rleseg.benchmark.lock import ModelDirLock
    folder = Path(tempfile.mkdtemp(dir=ctx.scratch))
    holder = subprocess.Popen([sys.executable, '-c', (
        'import time, sys\nfrom rleseg.benchmark.lock import ModelDirLock\n'
        f'with ModelDirLock({str(folder)!r}):\n    print(1, flush=True)\n'
        '    time.sleep(60)\n')], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        holder.stdout.readline()
        with ModelDirLock(str(folder)):
            return 'second lock taken'
    finally:
        holder.kill()
        holder.wait()


@fault_case('benchmark run interrupted after a checkpoint, then resumed: same weights '
            'as uninterrupted (UNet, dropout)', expected='exact')
def _benchmark_resume(ctx):
    import signal

    import torch

    from rleseg.benchmark.launchers import worker_command
    from rleseg.benchmark.settings import RunSpec
    from rleseg.engine import load_checkpoint_safely
    options = {'default_hooks.checkpoint.interval': 4,
               'default_hooks.checkpoint.max_keep_ckpts': 3,
               'train_dataloader.dataset.data_root': str(ctx.pristine / 'ipsc_demo'),
               'test_dataloader.dataset.data_root': str(ctx.pristine / 'ipsc_demo')}
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))

    def worker(name):  # the run's folder: work/<name>/unet_ipsc_tiny
        return worker_command(RunSpec(
            name='unet_ipsc_tiny', config='configs/unet_ipsc_tiny.py',
            work_dir=str(work / name), iters=8, latency_repeats=1, num_vis=1,
            cfg_options=options))

    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    subprocess.run(worker('straight'), cwd=REPO, env=env, capture_output=True, check=True)
    first = subprocess.Popen(worker('resumed'), cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=_default_sigint)
    while not (work / 'resumed' / 'unet_ipsc_tiny' / 'iter_4.pth').is_file():
        time.sleep(0.1)
    time.sleep(0.5)
    first.send_signal(signal.SIGINT)
    first.wait()
    if (work / 'resumed' / 'unet_ipsc_tiny' / 'iter_8.pth').is_file():
        raise AssertionError('SIGINT did not interrupt the first run: nothing to resume')
    subprocess.run(worker('resumed'), cwd=REPO, env=env, capture_output=True, check=True)
    a, b = (load_checkpoint_safely(str(work / name / 'unet_ipsc_tiny' / 'iter_8.pth'))
            ['state_dict'] for name in ('straight', 'resumed'))
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------- issue 25: checkpoints
UNET = 'configs/unet_ipsc_tiny.py'
P2S = 'configs/p2s_rle_ipsc_tiny.py'


def _trained(ctx) -> Path:
    """A fresh copy of a work dir in which ``UNET`` trained 2 iterations (one
    checkpoint kept: ``max_keep_ckpts=1``)."""
    cached = ctx.scratch / 'trained_unet'
    if not cached.is_dir():
        result = run_tool(['tools/train.py', UNET, '--work-dir', str(cached),
                           *_tiny_options(ctx.pristine / 'ipsc_demo', 2)])
        if result.returncode:
            raise AssertionError(result.stderr[-500:])
    work = Path(tempfile.mkdtemp(dir=ctx.scratch)) / 'work'
    shutil.copytree(cached, work)
    (work / 'last_checkpoint').write_text(str(work / 'iter_2.pth'))
    return work


def _last_checkpoint_loads(work: Path) -> bool:
    """``last_checkpoint`` names a checkpoint that exists and loads (what --resume needs)."""
    from rleseg.engine import load_checkpoint_safely
    path = Path((work / 'last_checkpoint').read_text().strip())
    return path.is_file() and 'state_dict' in load_checkpoint_safely(str(path))


@fault_case('resumed run with a misspelt checkpoint option (max_keep_ckpt): fails before '
            'training, checkpoint kept', names=('max_keep_ckpt', 'did you mean max_keep_ckpts'))
def _ckpt_option_typo(ctx):
    work = _trained(ctx)
    result = run_main(['tools/train.py', UNET, '--work-dir', str(work), '--resume',
                       *_tiny_options(ctx.pristine / 'ipsc_demo', 4,
                                      **{'default_hooks.checkpoint.max_keep_ckpt': 2})])
    if 'Iter(train)' in result.stderr or not _last_checkpoint_loads(work):
        raise AssertionError('trained before the option error, or lost the checkpoint')
    return result


@fault_case('file-size limit hit while saving (ulimit -f): previous checkpoint kept, '
            'last_checkpoint valid', names=('iter_3.pth', 'iter_2.pth is kept'))
def _ckpt_file_size_limit(ctx):
    import resource
    work = _trained(ctx)
    limit = (work / 'iter_2.pth').stat().st_size // 2

    def limit_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    result = subprocess.run(
        [sys.executable, 'tools/train.py', UNET, '--work-dir', str(work), '--resume',
         *_tiny_options(ctx.pristine / 'ipsc_demo', 4)], cwd=REPO, capture_output=True,
        text=True, timeout=900, preexec_fn=limit_files,
        env={**os.environ, 'OMP_NUM_THREADS': '1'})
    if not _last_checkpoint_loads(work) or list(work.glob('.*.tmp')):
        raise AssertionError('the last checkpoint was lost or a temporary file left')
    lines = [line for line in result.stderr.splitlines() if line.startswith('error: ')]
    return ToolResult(result.returncode, result.stderr, lines)


@fault_case('SIGTERM while a checkpoint is being written: the previous one stays loadable',
            expected='exact')
def _ckpt_sigterm(ctx):
    import signal
    work = _trained(ctx)
    options = _tiny_options(ctx.pristine / 'ipsc_demo', 4)
    script = (
        'import runpy, sys, time\n'
        'import mmengine.runner.runner as runner\n'
        'save = runner.save_checkpoint\n'
        'def stalled(checkpoint, filename, **kwargs):\n'
        '    if checkpoint["meta"]["iter"] == 3:\n'
        '        open(filename, "wb").write(b"PK half a checkpoint")\n'
        '        time.sleep(120)\n'
        '    save(checkpoint, filename, **kwargs)\n'
        'runner.save_checkpoint = stalled\n'
        f'sys.argv = ["tools/train.py", {UNET!r}, "--work-dir", {str(work)!r}, "--resume", '
        f'*{options!r}]\n'
        'runpy.run_path("tools/train.py", run_name="__main__")\n')
    process = subprocess.Popen([sys.executable, '-c', script], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, 'OMP_NUM_THREADS': '1'})
    deadline = time.time() + 300
    while not (work / '.iter_3.pth.tmp').is_file() and time.time() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.wait()
    return (work / 'iter_2.pth').is_file() and _last_checkpoint_loads(work)


@fault_case('two tools/train.py runs on one work dir: the second refused',
            names=('--work-dir', 'in use by pid'))
def _train_same_work_dir(ctx):
    from rleseg.benchmark.lock import ModelDirLock
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    with ModelDirLock(str(work)):          # held as the first run (or a worker) holds it
        return run_main(['tools/train.py', UNET, '--work-dir', str(work),
                         *_tiny_options(ctx.pristine / 'ipsc_demo', 1)])


# ---------------------------------------------------------------------- issue 25: loading
def _saved_model(ctx, config: str, **cfg_options) -> Path:
    """A checkpoint holding the untrained weights of ``config``'s model."""
    import torch
    from mmseg.registry import MODELS

    from rleseg.engine import load_config
    cfg = load_config(config, cfg_options, work_dir=str(ctx.scratch / 'unused'))
    path = Path(tempfile.mkdtemp(dir=ctx.scratch)) / f'{Path(config).stem}.pth'
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict(), 'meta': {}}, path)
    return path


def _test_in_process(ctx, config: str, checkpoint: Path, **cfg_options):
    """``tools/test.py config checkpoint`` in this process (the runner's test loop)."""
    from rleseg.engine import apply_test_options, build_runner, load_config
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    cfg = load_config(config, {**_tiny_cfg(ctx.pristine / 'ipsc_demo', 1), **cfg_options},
                      work_dir=str(work))
    apply_test_options(cfg, str(checkpoint))
    return build_runner(cfg).test()


@fault_case('tools/test.py: a UNet config with a Pix2Seq checkpoint', names=(
    'p2s_rle_ipsc_tiny.pth', 'does not fit', 'missing'))
def _test_foreign_checkpoint(ctx):
    path = _saved_model(ctx, P2S)
    return run_main(['tools/test.py', UNET, str(path), '--work-dir', str(path.parent / 't'),
                     *_tiny_options(ctx.pristine / 'ipsc_demo', 1)])


@fault_case('a 4-class UNet checkpoint tested with the 3-class config',
            names=('unet_ipsc_tiny.pth', 'conv_seg.weight', 'another shape'))
def _test_class_count_checkpoint(ctx):
    path = _saved_model(ctx, UNET, **{'model.decode_head.num_classes': 4,
                                      'model.auxiliary_head.num_classes': 4})
    return _test_in_process(ctx, UNET, path)


@fault_case('token model checkpoint tested with another tokenizer (max_length 8)',
            names=('vocabulary layout', 'tokenizer settings'))
def _test_tokenizer_mismatch(ctx):
    import torch
    from mmseg.registry import MODELS

    from rleseg.engine import load_config
    from rleseg.models.hooks import META_KEY
    path = _saved_model(ctx, P2S)
    model = MODELS.build(load_config(P2S, work_dir=str(ctx.scratch / 'unused')).model)
    checkpoint = torch.load(path, weights_only=True)
    checkpoint['meta'][META_KEY] = model.vocab_layout.to_dict()   # as training writes it
    torch.save(checkpoint, path)
    return _test_in_process(ctx, P2S, path, **{'model.tokenizer.max_length': 8})


@fault_case('deliberate partial load (--partial-load) of a 4-class UNet checkpoint: '
            'the fitting weights are loaded', expected='exact')
def _test_partial_load(ctx):
    import torch

    from rleseg.engine import apply_test_options, build_runner, load_config
    path = _saved_model(ctx, UNET, **{'model.decode_head.num_classes': 4,
                                      'model.auxiliary_head.num_classes': 4})
    cfg = load_config(UNET, _tiny_cfg(ctx.pristine / 'ipsc_demo', 1),
                      work_dir=str(Path(tempfile.mkdtemp(dir=ctx.scratch))))
    apply_test_options(cfg, str(path), partial_load=True)
    runner = build_runner(cfg)
    runner.test()
    saved = torch.load(path, weights_only=True)['state_dict']
    model = runner.model.state_dict()
    return torch.equal(model['backbone.encoder.0.0.convs.0.conv.weight'],
                       saved['backbone.encoder.0.0.convs.0.conv.weight'])


# ---------------------------------------------------------------------- issue 25: inputs
def _folder(ctx, labels: dict, image=None, img_suffix='.png') -> Path:
    """A plain-layout folder (``img``, ``ann``) holding one 16 x 16 item per label."""
    import cv2
    root = Path(tempfile.mkdtemp(dir=ctx.scratch))
    for sub in ('img', 'ann'):
        (root / sub).mkdir()
    for stem, label in labels.items():
        pixels = image if image is not None else np.full((16, 16, 3), 90, np.uint8)
        cv2.imwrite(str(root / 'img' / f'{stem}{img_suffix}'), pixels)
        cv2.imwrite(str(root / 'ann' / f'{stem}.png'), label)
    return root


def _folder_dataset(root: Path, **kwargs):
    from rleseg.datasets import FolderSegDataset
    return FolderSegDataset(data_root=str(root), metainfo=dict(classes=('bg', 'fg')),
                            data_prefix=dict(img_path='img', seg_map_path='ann'),
                            pipeline=LOAD, **kwargs)


def _square(value: int, background: int = 0) -> np.ndarray:
    label = np.full((16, 16), background, np.uint8)
    label[4:12, 4:12] = value
    return label


@fault_case('binary masks saved as 0 / 255 (255 = ignore: no foreground pixel)',
            names=('a.png', 'only 0 and 255', 'binary_255=True'))
def _binary_255(ctx):
    return _load_all(_folder_dataset(_folder(ctx, {'a': _square(255)})))


@fault_case('0 / 255 masks with binary_255=True: 255 read as class 1', expected='exact')
def _binary_255_option(ctx):
    items = _load_all(_folder_dataset(_folder(ctx, {'a': _square(255)}), binary_255=True))
    return np.array_equal(items[0]['gt_seg_map'], _square(1))


@fault_case('JPEG image with an EXIF orientation tag: image and label stay aligned',
            expected='exact')
def _exif_orientation(ctx):
    from PIL import Image
    label = np.zeros((16, 32), np.uint8)
    label[:, :8] = 1
    root = _folder(ctx, {'a': label})
    exif = Image.Exif()
    exif[0x0112] = 6                                   # viewers rotate it 90 degrees
    Image.fromarray(np.repeat(label[..., None] * 200, 3, axis=2)).save(
        root / 'img' / 'a.jpg', quality=100, exif=exif)
    (root / 'img' / 'a.png').unlink()
    item = _load_all(_folder_dataset(root, img_suffix='.jpg'))[0]
    img, gt = item['img'][..., 0], item['gt_seg_map']
    return img.shape == gt.shape and bool(np.corrcoef(img.ravel(), gt.ravel())[0, 1] > 0.9)


@fault_case('16-bit grey image (12-bit range): stretched to 0..255, not all black',
            expected='exact')
def _grey_16bit(ctx):
    grey = np.linspace(0, 4095, 256, dtype=np.uint16).reshape(16, 16)
    root = _folder(ctx, {'a': _square(1)}, image=grey)
    img = _load_all(_folder_dataset(root))[0]['img']
    return bool(img.min() == 0 and img.max() == 255)


@fault_case('float image with NaN pixels', names=('a.tiff', 'NaN'))
def _float_nan(ctx):
    values = np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16)
    values[0, 0] = np.nan
    root = _folder(ctx, {'a': _square(1)}, image=values, img_suffix='.tiff')
    return _load_all(_folder_dataset(root, img_suffix='.tiff'))


@fault_case('JPEG label (saved as .png) whose artefacts stay inside the class set',
            names=('a.png', 'is a JPEG'))
def _jpeg_label(ctx):
    import cv2
    root = _folder(ctx, {'a': _square(1)})
    ok, data = cv2.imencode('.jpg', _square(1), [cv2.IMWRITE_JPEG_QUALITY, 90])
    (root / 'ann' / 'a.png').write_bytes(data.tobytes())
    return _load_all(_folder_dataset(root))


@fault_case("labels configured as JPEG (seg_map_suffix='.jpg')",
            names=("seg_map_suffix '.jpg'", 'lossy'))
def _jpeg_label_suffix(ctx):
    return _folder_dataset(_folder(ctx, {'a': _square(1)}), seg_map_suffix='.jpg')


def _split_case(ctx, lines: bytes) -> list:
    """The demo IPSC test split file replaced by ``lines``, loaded through the dataset."""
    root = ctx.demo('ipsc_demo')
    (root / 'splits' / 'test.txt').write_bytes(lines)
    return _load_all(IPSCDataset(data_root=str(root), ann_file='splits/test.txt',
                                 pipeline=LOAD))


def _test_item(ctx) -> str:
    return (ctx.pristine / 'ipsc_demo' / 'splits' / 'test.txt').read_text().split()[0]


@fault_case('split file item ../../x (outside data_root)', names=('test.txt', 'line 2',
                                                                   'outside data_root'))
def _split_dotdot(ctx):
    item = _test_item(ctx)
    return _split_case(ctx, f'{item}\n../ipsc_demo/{item}\n'.encode())


@fault_case('split file item with an absolute path', names=('test.txt', 'outside data_root'))
def _split_absolute(ctx):
    return _split_case(ctx, f'{ctx.pristine / "ipsc_demo" / _test_item(ctx)}\n'.encode())


@fault_case('split file lists an item twice (scored twice)', names=('test.txt', 'twice'))
def _split_duplicate(ctx):
    item = _test_item(ctx)
    return _split_case(ctx, f'{item}\n{item}\n'.encode())


@fault_case('split file is not UTF-8 (Latin-1 byte)', names=('test.txt', 'not UTF-8',
                                                           'line 2'))
def _split_latin1(ctx):
    return _split_case(ctx, f'{_test_item(ctx)}\nimage\xe9\n'.encode('latin-1'))


@fault_case('split file with a 4 MB line: the message stays short',
            names=('test.txt', '4194304 characters'))
def _split_huge_line(ctx):
    try:
        return _split_case(ctx, b'x' * 4194304 + b'\n')
    except USER_ERRORS as error:
        if len(str(error)) > 500:
            raise AssertionError(f'a {len(str(error))}-character message') from None
        raise


@fault_case('--out prediction name with .. (written outside the folder)',
            names=('--out', 'outside the folder'))
def _out_escapes(ctx):
    from rleseg.engine import PredictionWriterHook
    return PredictionWriterHook(str(ctx.scratch / 'out'))._path('../../escaped')


@fault_case('bad label in a DataLoader worker: the one-line message names the file',
            names=('image', '.png', 'outside the class set'))
def _worker_label(ctx):
    import torch
    from mmengine.dataset import pseudo_collate

    from rleseg.engine import one_line_message
    import cv2
    root = ctx.demo('ipsc_demo')
    seq, stem = _first_frame(root, 0)
    mask = seq / 'masks' / f'{stem}.png'
    cv2.imwrite(str(mask), np.full(cv2.imread(str(mask), cv2.IMREAD_UNCHANGED).shape[:2], 7,
                                   np.uint8))
    ds = IPSCDataset(data_root=str(root), ann_file='splits/test.txt', pipeline=LOAD)
    loader = torch.utils.data.DataLoader(ds, batch_size=1, num_workers=1,
                                         collate_fn=pseudo_collate)
    try:
        return list(loader)
    except USER_ERRORS as error:               # "Caught DataError in DataLoader worker..."
        raise type(error)(one_line_message(error)) from None


# ---------------------------------------------------------------------- issue 25: config
@fault_case('num_classes = 4 with three class names (UNet): refused before training',
            names=('model.decode_head.num_classes = 4', '3 class names'))
def _class_count_unet(ctx):
    return _train_in_process(ctx, UNET, **{'model.decode_head.num_classes': 4,
                                           'model.auxiliary_head.num_classes': 4})


@fault_case('num_classes = 4 with three class names (DeepLabV3+)',
            names=('model.decode_head.num_classes = 4', '3 class names'))
def _class_count_deeplab(ctx):
    return _train_in_process(ctx, 'configs/deeplabv3plus_ipsc_tiny.py', **{
        'model.decode_head.num_classes': 4, 'model.auxiliary_head.num_classes': 4})


@fault_case('num_classes = 4 with three class names (Mask2Former)',
            names=('model.decode_head.num_classes = 4', '3 class names'))
def _class_count_m2f(ctx):
    return _train_in_process(ctx, 'configs/mask2former_ipsc_tiny.py', **{
        'model.decode_head.num_classes': 4,
        'model.decode_head.loss_cls.class_weight': [1.0] * 4 + [0.1]})


@fault_case('num_classes = 4 with three class names (Pix2Seq tokenizer)',
            names=('num_classes = 4', '3 class names'))
def _class_count_p2s(ctx):
    return _train_in_process(ctx, P2S, **{'model.tokenizer.num_classes': 4})


def _train_in_process(ctx, config: str, **cfg_options):
    from rleseg.engine import build_runner, load_config
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    cfg = load_config(config, {**_tiny_cfg(ctx.pristine / 'ipsc_demo', 1), **cfg_options},
                      work_dir=str(work))
    runner = build_runner(cfg)
    runner.train()
    return runner


@fault_case('model.test_cfg.modee=slide (a misspelt key)', names=('model.test_cfg.modee',
                                                                  'did you mean mode'))
def _test_cfg_typo(ctx):
    from rleseg.engine import load_config
    return load_config(UNET, {'model.test_cfg.modee': 'slide'},
                       work_dir=str(ctx.scratch / 'unused'))


@fault_case('config file with a syntax error', names=('broken.py', 'line 3'))
def _config_syntax(ctx):
    config = Path(tempfile.mkdtemp(dir=ctx.scratch)) / 'broken.py'
    config.write_text(f"_base_ = [{str(REPO / UNET)!r}]\nmodel = dict()\nmodel = = 1\n")
    return run_main(['tools/train.py', str(config), '--work-dir', str(config.parent / 'w')])


@fault_case('misspelt key inside the dataset dict (--cfg-options ...data_roo=)',
            names=('data_roo', 'misspelt'))
def _dataset_key_typo(ctx):
    return run_main(['tools/train.py', UNET, '--work-dir', str(ctx.scratch / 'typo'),
                     *_tiny_options(ctx.pristine / 'ipsc_demo', 1, **{
                         'train_dataloader.dataset.data_roo': 'x'})])


@fault_case('misspelt model key in --cfg-options (num_clases)',
            names=('num_clases', 'misspelt'))
def _model_key_typo(ctx):
    return run_main(['tools/train.py', UNET, '--work-dir', str(ctx.scratch / 'typo2'),
                     *_tiny_options(ctx.pristine / 'ipsc_demo', 1, **{
                         'model.decode_head.num_clases': 3})])


@fault_case('work dir is a file', names=('work dir', 'is a file'))
def _work_dir_file(ctx):
    path = ctx.scratch / 'a_file'
    path.write_text('x')
    return run_main(['tools/train.py', UNET, '--work-dir', str(path)])


@fault_case('work dir on a read-only file system (/sys)', names=('work dir', 'not writable'))
def _work_dir_read_only(ctx):
    from rleseg.engine import load_config
    return load_config(UNET, work_dir='/sys/rleseg_work')


@fault_case('Ctrl-C (SIGINT) during training: one line, exit 130',
            names=('interrupted', 'SIGINT'))
def _sigint(ctx):
    import signal
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    process = subprocess.Popen(
        [sys.executable, 'tools/train.py', UNET, '--work-dir', str(work),
         *_tiny_options(ctx.pristine / 'ipsc_demo', 400)], cwd=REPO, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, 'OMP_NUM_THREADS': '1'},
        preexec_fn=_default_sigint)
    deadline = time.time() + 300
    while not list(work.glob('iter_*.pth')) and time.time() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:        # Ctrl-C ignored, or a very busy machine
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError('still running 300 s after SIGINT: '
                             f'{stderr.strip().splitlines()[-1][:300]}') from None
    if process.returncode != 130:
        raise AssertionError(f'exit status {process.returncode}: '
                             f'{stderr.strip().splitlines()[-1][:300]}')
    return ToolResult(process.returncode, stderr,
                      [line for line in stderr.splitlines() if line.startswith('error: ')])


# ---------------------------------------------------------------------- issue 25: the grid
def _cells(root: Path, counts: Optional[dict] = None) -> Path:
    """A plain-layout folder dataset (``img_dir`` / ``ann_dir`` per split) of 64 x 64
    items, a bright disc on a dark background, label 1 inside."""
    import cv2
    yy, xx = np.mgrid[:64, :64]
    for split, count in (counts or dict(train=4, val=2, test=2)).items():
        for sub in ('img_dir', 'ann_dir'):
            (root / sub / split).mkdir(parents=True)
        for index in range(count):
            label = ((yy - 20 - 6 * index) ** 2 + (xx - 32) ** 2 <= 100).astype(np.uint8)
            cv2.imwrite(str(root / 'img_dir' / split / f'{split}_{index}.png'),
                        (40 + 150 * label).astype(np.uint8))
            cv2.imwrite(str(root / 'ann_dir' / split / f'{split}_{index}.png'), label)
    return root


def _cells_config(path: Path, root: Path) -> Path:
    """A user's dataset config (the template configs/_base_/datasets/folder.py, its
    dataloaders as they are: two DataLoader workers) reading ``root``."""
    path.write_text(f"_base_ = [{str(REPO / 'configs/_base_/datasets/folder.py')!r}]\n"
                    f"classes = ('background', 'cell')\n"
                    + ''.join(f'{split}_dataloader = dict(dataset=dict(data_root='
                              f'{str(root)!r}))\n' for split in ('train', 'val', 'test')))
    return path


def _own_benchmark(config: Path, work: Path) -> str:
    """``tools/benchmark.py --dataset <config> --iters 1`` for the UNet paradigm, in
    this process: the configs composed into ``<work>/configs``, then the grid, each run
    by the worker's own function (a failure is written into the run's record), and the
    report. Returns what it printed."""
    import io

    from rleseg.benchmark import BenchmarkSettings, run_benchmark
    from rleseg.benchmark.compose import Budget, compose_paradigms
    from rleseg.benchmark.records import read_json, record_path
    from rleseg.benchmark.worker import record_run
    stream = io.StringIO()
    models = compose_paradigms(str(config), str(work / 'configs'), paradigms=('unet', ),
                               budget=Budget(steps=0), stream=stream)

    def runner(run):
        record_run(run)
        return read_json(record_path(run.model_dir))
    run_benchmark(models, BenchmarkSettings(work_dir=str(work), iters=1, latency_repeats=1,
                                            num_vis=1, demo=True, title='paradigms_cells'),
                  stream=stream, runner=runner)
    return stream.getvalue()


def _own_run(ctx) -> tuple[Path, Path, str]:
    """One :func:`_own_benchmark` run started from a folder outside the repository with
    umask 022, made once: ``(work dir, the folder it ran in, what it printed)``."""
    cwd = ctx.scratch / 'own_run'
    if not cwd.is_dir():
        cwd.mkdir()
        config = _cells_config(cwd / 'cells.py', _cells(cwd / 'cells'))
        previous, umask = os.getcwd(), os.umask(0o022)
        os.chdir(cwd)
        try:
            (cwd / 'printed.txt').write_text(_own_benchmark(config, cwd / 'bench'))
        finally:
            os.chdir(previous)
            os.umask(umask)
    return cwd / 'bench', cwd, (cwd / 'printed.txt').read_text()


def _record(work: Path, name: str = 'unet_cells') -> dict:
    from rleseg.benchmark.records import read_json, record_path
    return read_json(record_path(str(work / name))) or {}


@fault_case('benchmark records and reports are written with the umask\'s mode (0644 under '
            'umask 022), not 0600', expected='exact')
def _report_modes(ctx):
    import stat
    work, _, _ = _own_run(ctx)
    files = [work / 'unet_cells' / 'benchmark_record.json', *work.glob('benchmark_*')]
    modes = {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in files}
    if _record(work).get('status') != 'done' or len(files) < 5:
        raise AssertionError(f'the run did not finish: {_record(work).get("error")}')
    return set(modes.values()) == {'0o644'} or modes


@fault_case('--dataset benchmark run from a folder outside the repository: no ./data '
            'written (demo data only for the repository\'s configs)', expected='exact')
def _no_demo_data_outside(ctx):
    work, cwd, _ = _own_run(ctx)
    return _record(work).get('status') == 'done' and not (cwd / 'data').exists()


@fault_case('--dataset: the dataset config gets a new data_root: the finished run runs '
            'again (earlier folder kept), a deleted model folder retrains on the new data',
            expected='exact')
def _dataset_root_changed(ctx):
    base = Path(tempfile.mkdtemp(dir=ctx.scratch))
    config = _cells_config(base / 'cells.py', _cells(base / 'cells_a'))
    work = base / 'bench'
    _own_benchmark(config, work)
    first = _record(work)
    shutil.copytree(base / 'cells_a', base / 'cells_b')
    _cells_config(config, base / 'cells_b')
    printed = _own_benchmark(config, work)
    again = _record(work)
    shutil.rmtree(work / 'unet_cells')
    _own_benchmark(config, work)
    retrained = _record(work)
    labels = [r.get('eval', {}).get('dataset', {}).get('label') for r in
              (first, again, retrained, _record(work, 'unet_cells.replaced_1'))]
    return ('resolves differently' in printed and 'already done' not in printed
            and labels == ['cells_a', 'cells_b', 'cells_b', 'cells_a']
            and 'train' in retrained) or (labels, printed[-400:])


@fault_case('bad test label read in a DataLoader worker (--dataset, 2 workers): the '
            'benchmark record and table name the file in one line',
            names=('test_0.png', 'outside the class set'))
def _worker_label_in_table(ctx):
    import cv2

    from rleseg.datasets import DataError
    base = Path(tempfile.mkdtemp(dir=ctx.scratch))
    root = _cells(base / 'cells')
    cv2.imwrite(str(root / 'ann_dir' / 'test' / 'test_0.png'), np.full((64, 64), 7, np.uint8))
    work = base / 'bench'
    _own_benchmark(_cells_config(base / 'cells.py', root), work)
    table = next(p for p in work.glob('benchmark_*.md')
                 if not p.name.endswith('_per_class.md')).read_text()
    notes = [line for line in table.splitlines() if line.startswith('- not evaluated')]
    if _record(work).get('error', '') not in (notes or [''])[0]:
        raise AssertionError(f'the table does not carry the record\'s error: {notes}')
    raise DataError(notes[0] if notes else 'no note in the table')


def _bench_tool(work: Path, model: str, root: Path) -> subprocess.Popen:
    """``tools/benchmark.py <model> --iters 1`` on the demo IPSC copy ``root``."""
    options = [f'{split}_dataloader.dataset.data_root={root}'
               for split in ('train', 'val', 'test')]
    return subprocess.Popen(
        [sys.executable, 'tools/benchmark.py', model, '--iters', '1', '--latency-repeats',
         '1', '--num-vis', '1', '--work-dir', str(work), '--cfg-options', *options],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, 'OMP_NUM_THREADS': '1'})


def _two_benchmarks(ctx, at_once: bool):
    """Two tools/benchmark.py runs with different models on one work dir; True when
    both exit 0 and the report the last one wrote holds both models."""
    import json
    work = Path(tempfile.mkdtemp(dir=ctx.scratch))
    processes = []
    for model in ('unet_ipsc_tiny', 'deeplabv3plus_ipsc_tiny'):
        processes.append(_bench_tool(work, model, ctx.pristine / 'ipsc_demo'))
        if not at_once:
            processes[-1].wait()
    errors = [p.communicate()[1] for p in processes]
    if any(p.returncode for p in processes):
        raise AssertionError(f'exit {[p.returncode for p in processes]}: '
                             f'{[e.strip().splitlines()[-1:] for e in errors]}')
    report = json.loads(next(work.glob('benchmark_*.json')).read_text())
    names = sorted(m['name'] for m in report['models'])
    return names == ['deeplabv3plus_ipsc_tiny', 'unet_ipsc_tiny'] or names


@fault_case('two tools/benchmark.py runs with different models on one --work-dir, one '
            'after the other: the report holds both models', expected='exact')
def _two_benchmarks_in_turn(ctx):
    return _two_benchmarks(ctx, at_once=False)


@fault_case('the same two runs at once: the report holds both models', expected='exact')
def _two_benchmarks_at_once(ctx):
    return _two_benchmarks(ctx, at_once=True)


@fault_case('empty test split (folder dataset): refused before any model trains, no '
            'model folder', names=('unet_cells.py', 'test_dataloader', 'img_dir/test'))
def _empty_test_split(ctx):
    base = Path(tempfile.mkdtemp(dir=ctx.scratch))
    root = _cells(base / 'cells', dict(train=2, val=1, test=0))
    config = base / 'unet_cells.py'
    config.write_text(f"_base_ = [{str(REPO / 'configs/unet_nuclei_tiny.py')!r}]\n"
                      f"data_root = {str(root)!r}\n" + ''.join(
                          f'{split}_dataloader = dict(dataset=dict(data_root=data_root, '
                          f'data_prefix=dict(_delete_=True, img_path="img_dir/{split}", '
                          f'seg_map_path="ann_dir/{split}")))\n'
                          for split in ('train', 'val', 'test')))
    result = run_main(['tools/benchmark.py', str(config), '--iters', '1', '--work-dir',
                       str(base / 'bench')])
    if (base / 'bench' / 'unet_cells').exists():
        raise AssertionError('a model folder was created: a run started')
    return result


@fault_case('validation split equal to the test split: refused by the grid\'s data check '
            'before any model trains',
            names=('val_dataloader and test_dataloader share', 'allow_split_overlap'))
def _val_is_test(ctx):
    from rleseg.benchmark.preflight import check_grid_data
    from rleseg.benchmark.settings import RunSpec
    root = ctx.pristine / 'nuclei'
    return check_grid_data([RunSpec(
        name='unet_nuclei_tiny', config=str(REPO / 'configs/unet_nuclei_tiny.py'),
        work_dir=str(ctx.scratch / 'unused'), cfg_options={
            'train_dataloader.dataset.data_root': str(root),
            'test_dataloader.dataset.data_root': str(root),
            'val_dataloader.dataset.data_root': str(root),
            'val_dataloader.dataset.data_prefix.img_path': 'img_dir/test',
            'val_dataloader.dataset.data_prefix.seg_map_path': 'ann_dir/test',
            'val_dataloader.dataset.data_prefix.inst_map_path': 'inst_dir/test'})])


# ---------------------------------------------------------------------- runner
def classify(case: FaultCase, ctx: Context) -> tuple[str, str]:
    """Run one case; return (observed, detail)."""
    try:
        result = case.run(ctx)
    except case.errors as error:
        message = str(error)
        if '\n' in message.strip():
            return 'multi-line error', message.strip().splitlines()[0]
        missing = [n for n in case.names if n not in message]
        if missing:
            return 'unclear error', f'{message} (does not mention {missing})'
        return 'clear error', message
    except Exception as error:  # anything else is a finding, shown in the table
        return 'wrong error', f'{type(error).__name__}: {str(error).strip()[:300]}'
    if isinstance(result, ToolResult):
        line = result.error_lines[0][len('error: '):] if result.error_lines else ''
        if result.returncode == 0:
            return 'SILENT', 'the tool exited 0'
        if 'Traceback' in result.stderr or len(result.error_lines) != 1:
            return 'traceback', result.stderr.strip().splitlines()[-1][:300]
        missing = [n for n in case.names if n not in line]
        if missing:
            return 'unclear error', f'{line} (does not mention {missing})'
        return 'clear error', f'exit {result.returncode}: {line}'
    if case.expected == 'exact':
        return ('exact', 'equal') if result is True else ('SILENT', 'results differ')
    return 'SILENT', 'no error was raised'


def measure_cost(pristine: Path, rounds: int = 5) -> list[tuple[str, float, float]]:
    """(what, seconds without the new checks, seconds with them), median of rounds."""
    import torch

    from rleseg.datasets import base, imageio, integrity
    from rleseg.engine import checkpoint as ckpt
    from rleseg.engine.checkpoint_hook import replace_atomically

    def demo_pass() -> int:
        items = 0
        for cls, name, split in ((IPSCDataset, 'ipsc_demo', 'train_late'),
                                 (IPSCDataset, 'ipsc_demo', 'test'),
                                 (ARISDataset, 'aris_demo', 'train_32'),
                                 (ARISDataset, 'aris_demo', 'test')):
            ds = cls(data_root=str(pristine / name), ann_file=f'splits/{split}.txt',
                     pipeline=LOAD)
            items += len(_load_all(ds))
        return items

    def checks(on: bool) -> None:
        noop = (lambda *args, **kwargs: None)
        imageio.check_intact = integrity.check_intact if on else noop
        base.check_image_file = imageio.check_image_file if on else imageio.image_size

    rows = []
    times = {True: [], False: []}
    for _ in range(rounds):
        for on in (False, True):
            checks(on)
            start = time.perf_counter()
            items = demo_pass()
            times[on].append(time.perf_counter() - start)
    checks(True)
    rows.append((f'demo data: build the IPSC / ARIS train + test datasets and load all '
                 f'{items} items (image + label)',
                 float(np.median(times[False])), float(np.median(times[True]))))

    from mmcv.transforms import LoadImageFromFile as MMCVLoad

    from rleseg.datasets import splits
    from rleseg.datasets.transforms.loading import LoadImage
    item_problem, refuse_binary = splits._item_problem, imageio._refuse_binary_255
    rleseg_load = LoadImage.transform

    def input_checks(on: bool) -> None:             # issue 25, the integrity checks on
        splits._item_problem = item_problem if on else (lambda item: None)
        imageio._refuse_binary_255 = refuse_binary if on else (lambda *args: None)
        LoadImage.transform = rleseg_load if on else MMCVLoad.transform

    times = {True: [], False: []}
    for _ in range(rounds):
        for on in (False, True):
            input_checks(on)
            start = time.perf_counter()
            demo_pass()
            times[on].append(time.perf_counter() - start)
    input_checks(True)
    rows.append(('the same, issue-25 input rules (split items, 0 / 255 labels, image '
                 'decoding: EXIF ignored, 16-bit rule) vs mmcv\'s decoding',
                 float(np.median(times[False])), float(np.median(times[True]))))

    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / 'resnet50_size.pth'
        torch.manual_seed(0)
        torch.save({'state_dict': {f'w{i}': torch.randn(1024, 1024) for i in range(24)}},
                   path)                                       # 24 M floats, 96 MB
        plain, checked = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            torch.load(path, weights_only=True)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            ckpt.load_checkpoint_safely(str(path))
            checked.append(time.perf_counter() - start)
        rows.append(('96 MB checkpoint: torch.load vs verified load (CRC + load)',
                     float(np.median(plain)), float(np.median(checked))))
        state = {f'w{i}': torch.randn(1024, 1024) for i in range(6)}   # 24 MB, UNet tiny
        plain, atomic = [], []                                      # + AdamW state
        for _ in range(rounds):
            start = time.perf_counter()
            torch.save(state, folder / 'plain.pth')
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            torch.save(state, folder / '.atomic.pth.tmp')
            replace_atomically(str(folder / '.atomic.pth.tmp'), str(folder / 'atomic.pth'))
            atomic.append(time.perf_counter() - start)
        rows.append(('24 MB checkpoint save: in place vs atomic (temp file, fsync, rename)',
                     float(np.median(plain)), float(np.median(atomic))))
    finally:
        shutil.rmtree(folder)
    return rows


class CheckTimer:
    """Wraps functions in place so that the seconds spent inside them add up, per
    check; a wrapped call inside another one counts once (for the outer one)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._inside = False
        self._patches: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, check: str) -> None:
        """Time ``owner.name`` (a module function or a class's method) as ``check``."""
        import functools
        original = getattr(owner, name)
        timer = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            if timer._inside:
                return original(*args, **kwargs)
            timer._inside = True
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timer._inside = False
                timer.seconds[check] = timer.seconds.get(check, 0.0) + (
                    time.perf_counter() - start)
                timer.calls[check] = timer.calls.get(check, 0) + 1
        setattr(owner, name, timed)
        self._patches.append((owner, name, original))
        self.seconds.setdefault(check, 0.0)
        self.calls.setdefault(check, 0)

    def restore(self) -> None:
        for owner, name, original in reversed(self._patches):
            setattr(owner, name, original)
        self._patches.clear()


def timed_checks() -> list[tuple[Any, str, str]]:
    """What :func:`measure_run_share` times: ``(owner, attribute, check)``, each
    function patched where the code that calls it looks it up (DataLoader worker
    processes would not be timed: the nuclei configs load in the main process)."""
    from rleseg.benchmark import grid
    from rleseg.datasets import base, folder, imageio, splits
    from rleseg.engine import checkpoint, checkpoint_hook, cli
    from rleseg.engine.config_checks import ClassCountHook
    labels = 'label rules (0 / 255, grey levels)'
    headers = 'item header checks (files exist, sizes)'
    config = 'config checks (test_cfg keys, work dir, class counts)'
    return [(grid, 'check_grid_data', 'grid data check (splits built once, empty splits, '
             'split overlap)'),
            (splits, '_item_problem', 'split-item rules'),
            (base, 'check_image_file', headers), (folder, 'check_image_file', headers),
            (imageio, 'check_intact', 'byte integrity (PNG CRC, JPEG markers)'),
            (imageio, '_refuse_binary_255', labels), (imageio, '_check_grey_levels', labels),
            (imageio, 'to_uint8', 'image decoding rule (16-bit / float)'),
            (cli, 'check_test_cfg', config), (cli, 'check_work_dir', config),
            (ClassCountHook, '_check', config),
            (checkpoint_hook, 'replace_atomically', 'atomic checkpoint save (fsync, rename)'),
            (checkpoint, 'verify_checkpoint_file', 'verified checkpoint load (CRC)')]


def measure_run_share(pristine: Path, iters: int = 150
                      ) -> tuple[str, float, dict[str, float], dict[str, int]]:
    """One demo benchmark run in this process (``configs/unet_nuclei_tiny.py`` on the
    nuclei crops, ``iters`` iterations, then test, latency, figures and the report,
    as ``tools/benchmark.py`` runs it, with the worker's function in this process)
    with every check of :func:`timed_checks` timed: both numbers from the same run.

    Returns:
        ``(what, wall seconds of the run, {check: seconds inside it}, {check: calls})``.
    """
    import io

    from rleseg.benchmark import BenchmarkSettings, resolve_models, run_benchmark
    from rleseg.benchmark.worker import run_model
    timer = CheckTimer()
    for owner, name, check in timed_checks():
        timer.wrap(owner, name, check)
    work = Path(tempfile.mkdtemp())
    root = str(pristine / 'nuclei')
    models, _ = resolve_models(None, ['unet_nuclei_tiny'])
    settings = BenchmarkSettings(work_dir=str(work), iters=iters, demo=True, cfg_options={
        f'{split}_dataloader.dataset.data_root': root for split in ('train', 'val', 'test')})
    try:
        start = time.perf_counter()
        result = run_benchmark(models, settings, stream=io.StringIO(), runner=run_model)
        wall = time.perf_counter() - start
    finally:
        timer.restore()
        shutil.rmtree(work, ignore_errors=True)
    if not result.ok:
        raise AssertionError(f'the demo run failed: {result.records[0].get("error")}')
    what = (f'demo benchmark run: UNet (configs/unet_nuclei_tiny.py) on the nuclei crops, '
            f'{iters} iterations, test, latency, figures, report; one run in this process')
    return what, wall, dict(timer.seconds), dict(timer.calls)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', help='run the cases whose name contains this')
    parser.add_argument('--cost', action='store_true', help='also measure check costs')
    parser.add_argument('--out', help='write the Markdown report here')
    args = parser.parse_args(argv)
    init_default_scope('mmseg')
    scratch = Path(tempfile.mkdtemp(prefix='rleseg_faults_'))
    try:
        pristine = scratch / 'pristine'
        prepare_demo(str(pristine))
        ctx = Context(scratch, pristine)
        rows = []
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            start = time.perf_counter()
            observed, detail = classify(case, ctx)
            rows.append((case.name, case.expected, observed, detail,
                         time.perf_counter() - start))
            print(f'{observed:>16} | {case.name} ({rows[-1][-1]:.1f} s)', flush=True)
        cost = measure_cost(pristine) if args.cost else []
        share = measure_run_share(pristine) if args.cost else None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = render(rows, cost, share)
    print(report)
    if args.out:
        Path(args.out).write_text(report)
    return 0 if all(r[1] == r[2] for r in rows) else 1


def render(rows: list, cost: list, share: Optional[tuple] = None) -> str:
    ok = sum(r[1] == r[2] for r in rows)
    lines = [
        '# Fault injection', '',
        f'`python benchmarks/fault_injection.py{" --cost" if cost else ""}` on '
        f'{platform.node() or "this machine"} ({platform.processor() or platform.machine()}, '
        f'{os.cpu_count()} CPUs), {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. '
        f'**{ok} of {len(rows)} cases as expected; '
        f'{sum(r[2] == "SILENT" for r in rows)} silent wrong results.**', '',
        '| case | expected | observed | message / detail |', '|---|---|---|---|']
    for name, expected, observed, detail, _ in rows:
        detail = detail.replace('|', '\\|')
        lines.append(f'| {name} | {expected} | {observed} | {detail} |')
    if cost:
        lines += ['', '## Cost of the checks (median of 5 interleaved rounds)', '',
                  '| what | without (s) | with (s) | overhead |', '|---|---|---|---|']
        for what, without, with_ in cost:
            lines.append(f'| {what} | {without:.3f} | {with_:.3f} | '
                         f'{100 * (with_ / without - 1):+.1f} % |')
    if share:
        what, wall, seconds, calls = share
        inside = sum(seconds.values())
        lines += ['', '## Share of the checks in a demo benchmark run (target: at most 5 %)',
                  '', f'{what}: **{inside:.2f} s of {wall:.1f} s wall inside the checks, '
                  f'{100 * inside / wall:.1f} %** (one run; every check function wrapped '
                  'with a timer, a check called inside another counted once).', '',
                  '| check | calls | seconds | share of the run |', '|---|---|---|---|']
        for check, spent in sorted(seconds.items(), key=lambda item: -item[1]):
            lines.append(f'| {check} | {calls[check]} | {spent:.3f} | '
                         f'{100 * spent / wall:.2f} % |')
        lines += ['', '0 calls: not reached in this run (a folder dataset has no split '
                  'file; nothing was resumed or loaded from a checkpoint).']
    if cost or share:
        lines += ['', f'Timings on a shared machine ({os.cpu_count()} CPUs): other jobs ran '
                  'at the same time, so absolute seconds vary between runs.']
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    sys.exit(main())
