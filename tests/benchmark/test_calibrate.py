"""--calibrate: the decision rule is chosen on the validation split only (a per-class
logit bias for dense models, the EOS bias for token models), the test split is scored
once afterwards with it, and the benchmark records and reports both columns."""
import copy
import json
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from rleseg.benchmark.calibrate import (EOS_BIAS_GRID, KIND_EOS, KIND_LOGIT,
                                        calibrate_run, search_bias)
from rleseg.benchmark.records import is_finished
from rleseg.benchmark.report import collapse_line, flatten
from rleseg.benchmark.validation import BuiltSplit
from rleseg.evaluation import PerClassSegMetric

CLASSES = ('background', 'road')
SIDE = 8


def evaluator() -> Evaluator:
    built = Evaluator(PerClassSegMetric(ignore_index=255))
    built.dataset_meta = dict(classes=CLASSES)
    return built


class LoggedLoader:
    """A dataloader of fixed batches that logs each pass under its split's name."""

    def __init__(self, name, batches, log):
        self.name, self.batches, self.log = name, batches, log
        self.dataset = [None] * sum(len(b['data_samples']) for b in batches)

    def __iter__(self):
        self.log.append(self.name)
        return iter(copy.deepcopy(self.batches))

    def __len__(self):
        return len(self.batches)


class FixedSplit:
    """A validation split already built (what ValidationSplit.build returns)."""

    def __init__(self, built):
        self.built = built

    def build(self, runner):
        return self.built


def road_batch(road_cols, score_road=-1.0, score_bg=-3.0):
    """One 8 x 8 image whose road is the columns ``road_cols``; the input's channel 0
    holds the road logit the stub head returns: ``score_road`` on road, ``score_bg``
    elsewhere (background logit 0): plain argmax predicts no road."""
    gt = torch.zeros(1, SIDE, SIDE, dtype=torch.long)
    gt[:, :, road_cols] = 1
    image = torch.full((3, SIDE, SIDE), score_bg)
    image[0][gt[0] == 1] = score_road
    meta = dict(ori_shape=(SIDE, SIDE), img_shape=(SIDE, SIDE), pad_shape=(SIDE, SIDE),
                padding_size=[0, 0, 0, 0])
    sample = SegDataSample(metainfo=meta, gt_sem_seg=PixelData(data=gt))
    return dict(inputs=[image], data_samples=[sample])


def dense_model():
    """A LogitBiasEncoderDecoder whose head is replaced by the input's channel 0 (the
    road logit), so that the val-optimal bias is known: any offset in (1, 3)."""
    torch.manual_seed(0)
    init_default_scope('mmseg')
    model = MODELS.build(dict(
        type='LogitBiasEncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor'),
        backbone=dict(type='ResNetV1c', depth=18, num_stages=1, out_indices=(0, ),
                      strides=(1, ), dilations=(1, ), stem_channels=8, base_channels=8),
        decode_head=dict(type='FCNHead', in_channels=8, channels=8, num_convs=1,
                         num_classes=2, in_index=0,
                         loss_decode=dict(type='CrossEntropyLoss')),
        test_cfg=ConfigDict(mode='whole'))).eval()
    model.inference = lambda inputs, metas: torch.cat(
        [torch.zeros_like(inputs[:, :1]), inputs[:, :1]], dim=1)
    return model


def test_search_starts_at_zero_and_finds_the_best_bias():
    target = [0.0, 2.0, 0.5]

    def score(bias):
        return -sum((b - t) ** 2 for b, t in zip(bias, target))

    best, trials = search_bias(score, 3)
    assert best == target
    assert trials[0]['bias'] == [0.0, 0.0, 0.0]
    assert all(t['bias'][0] == 0.0 for t in trials)    # background stays at 0
    flat, trials = search_bias(lambda bias: 1.0, 2)      # a tie keeps the plain rule
    assert flat == [0.0, 0.0] and len(trials) == len({tuple(t['bias']) for t in trials})


def test_dense_bias_is_chosen_on_val_and_test_is_read_once_afterwards():
    log = []
    val = LoggedLoader('val', [road_batch([2, 3]), road_batch([5])], log)
    # on test the road logit is -2.5: the val-chosen offset (1.5) still misses it
    test = LoggedLoader('test', [road_batch([1], score_road=-2.5)], log)
    model = dense_model()
    runner = SimpleNamespace(model=model,
                             test_loop=SimpleNamespace(dataloader=test, evaluator=evaluator()))
    result = calibrate_run(runner, FixedSplit(BuiltSplit(val, evaluator())))
    assert result['kind'] == KIND_LOGIT
    assert result['bias'] == [0.0, 1.5]   # the first grid value in (1, 3): strictly best
    assert result['val']['mDice'] == pytest.approx(100.0)
    scores = {tuple(t['bias']): t['score'] for t in result['trials']}
    assert scores[(0.0, 0.0)] == 0.0 and scores[(0.0, 1.0)] == 0.0   # ties at argmax
    assert scores[(0.0, 5.0)] < 100.0                     # too far: background flips
    assert log == ['val', 'test']        # val scored once, test once, after the choice
    assert result['metrics']['mDice'] == 0.0   # test: -2.5 + 1.5 < 0, honestly reported
    assert model.test_cfg.get('logit_bias') is None   # restored


class StubTokenModel(torch.nn.Module):
    """Predicts road where the ground truth has it once ``eos_bias`` <= -2 and also
    the column next to it at -8 (too many runs); nothing with a higher EOS bias."""

    def __init__(self):
        super().__init__()
        self.test_cfg = dict(eos_bias=0.0)
        self.passes = []

    def test_step(self, data):
        bias = self.test_cfg['eos_bias']
        self.passes.append(bias)
        out = []
        for sample in data['data_samples']:
            gt = sample.gt_sem_seg.data
            pred = gt.clone() if bias <= -2 else torch.zeros_like(gt)
            if bias <= -8:
                pred = (pred + pred.roll(1, -1)).clamp(max=1)
            sample.pred_sem_seg = PixelData(data=pred)
            out.append(sample)
        return out


def test_eos_bias_is_chosen_on_val_one_pass_per_value():
    log = []
    val = LoggedLoader('val', [road_batch([2])], log)
    test = LoggedLoader('test', [road_batch([4])], log)
    model = StubTokenModel()
    runner = SimpleNamespace(model=model,
                             test_loop=SimpleNamespace(dataloader=test, evaluator=evaluator()))
    result = calibrate_run(runner, FixedSplit(BuiltSplit(val, evaluator())))
    assert result['kind'] == KIND_EOS and result['bias'] == -2.0
    assert [t['bias'] for t in result['trials']] == list(EOS_BIAS_GRID)
    assert log == ['val'] * len(EOS_BIAS_GRID) + ['test']
    assert model.passes[-1] == -2.0 and result['metrics']['mDice'] == pytest.approx(100.0)
    assert model.test_cfg['eos_bias'] == 0.0


def test_a_model_without_a_decision_bias_is_said_not_run():
    runner = SimpleNamespace(model=torch.nn.Linear(1, 1), test_loop=None)
    result = calibrate_run(runner, FixedSplit(None))
    assert result['kind'] is None and 'no decision-rule bias' in result['error']


def test_a_finished_run_without_calibration_is_evaluated_again():
    done = dict(status='done', eval=dict(metrics={}))
    assert is_finished(done) and not is_finished(done, calibrate=True)
    done['eval']['calibration'] = dict(kind=KIND_LOGIT, bias=[0.0, 0.0])
    assert is_finished(done, calibrate=True)


def test_benchmark_flag_records_and_reports_the_calibrated_columns(tmp_path,
                                                                     benchmark_tool):
    work = tmp_path / 'cal'
    assert benchmark_tool.main(['unet_ipsc_tiny', '--iters', '2', '--latency-repeats',
                                '1', '--num-vis', '1', '--work-dir', str(work),
                                '--calibrate']) == 0
    record = json.loads((work / 'unet_ipsc_tiny' / 'benchmark_record.json').read_text())
    assert record['settings']['calibrate'] is True
    calibration = record['eval']['calibration']
    assert calibration['kind'] == KIND_LOGIT and len(calibration['bias']) == 3
    assert calibration['trials'][0]['bias'] == [0.0] * 3
    best = max(t['score'] for t in calibration['trials'])
    assert calibration['val']['mDice'] == pytest.approx(best)
    # the all-zero bias is the plain argmax: its val score is the plain evaluation's
    assert calibration['trials'][0]['score'] == pytest.approx(
        record['eval']['val']['metrics']['mDice'])
    markdown = (work / 'benchmark_ipsc_demo.md').read_text()
    header = markdown.split('\n| model')[1].split('\n')[0]
    assert 'val mDice cal.' in header and 'test mDice cal.' in header
    assert f"logit_bias {json.dumps(calibration['bias'])}" in markdown


def test_a_collapse_line_gives_the_calibrated_scores():
    metrics = dict(mDice=0.0, dataset_Recall_road=0.0)
    record = dict(name='unet', seed=0, status='done', eval=dict(
        metrics=metrics, val=dict(metrics=dict(mDice=0.0)), model_type='EncoderDecoder',
        dataset=dict(label='roads', classes=list(CLASSES), frames_per_item=1),
        calibration=dict(kind=KIND_LOGIT, bias=[0.0, 1.5], trials=[],
                         val=dict(mDice=27.3), metrics=dict(mDice=25.2))))
    line = collapse_line('[roads]', flatten(record))
    assert 'predicts (almost) only background' in line
    assert 'decision rule chosen on validation (logit_bias, --calibrate) val mDice 27.3, ' \
           'test mDice 25.2' in line


def test_the_models_own_rule_is_the_first_candidate():
    best, trials = search_bias(lambda bias: 1.0, 2, start=[0.0, 0.7])
    assert best == [0.0, 0.7] and trials[0]['bias'] == [0.0, 0.7]
    log = []
    model = StubTokenModel()
    model.test_cfg['eos_bias'] = -3.0     # a configured value outside the grid
    runner = SimpleNamespace(model=model, test_loop=SimpleNamespace(
        dataloader=LoggedLoader('test', [road_batch([4])], log), evaluator=evaluator()))
    result = calibrate_run(runner, FixedSplit(BuiltSplit(
        LoggedLoader('val', [road_batch([2])], log), evaluator())))
    assert [t['bias'] for t in result['trials']] == [-3.0, *EOS_BIAS_GRID]
    assert result['bias'] == -3.0    # -2 scores the same: a tie keeps the plain rule
    assert model.test_cfg['eos_bias'] == -3.0
