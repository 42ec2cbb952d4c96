"""A model that learnt only the majority class: the summary explains it from the run's
records (training class shares, test recall per class, the last training accuracy, the
token model's generations that end before their first run) and names the levers; a
real tiny run records those numbers."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from rleseg.benchmark.measure import BenchmarkHook

from rleseg.benchmark.records import STATUS_DONE, record_path
from rleseg.benchmark.report import DatasetTable, summary_lines
from rleseg.benchmark.settings import RunSpec
from rleseg.benchmark.worker import run_model
from rleseg.evaluation import summarize_sequences

REPO = Path(__file__).resolve().parents[2]
SHARES = {'background': 96.6, 'road': 3.4}


def _record(name, recall, acc=None, model_type='EncoderDecoder', seq=None, base=98.9):
    metrics = dict(mDice=0.2, mIoU=0.1, mRecall=recall, dataset_mRecall=recall,
                   dataset_Recall_background=99.9, dataset_Recall_road=recall, **(seq or {}))
    return dict(name=name, seed=0, status=STATUS_DONE,
                train=dict(iters=1500.0, accuracy=acc or {},
                           accuracy_baseline=dict(class_index=0, pct=base),
                           class_balance=dict(pixel_pct=SHARES, items=200,
                                              items_holding=dict(background=200, road=38))),
                eval=dict(metrics=metrics, model_type=model_type, val=None,
                          dataset=dict(label='roads', items_sha1='x', frames_per_item=1)))


def test_a_collapsed_dense_model_is_explained_not_called_undertrained():
    table = DatasetTable('roads', [
        _record('unet_roads_tiny', 0.3, acc={'decode.acc_seg': 99.1, 'aux.acc_seg': 98.0}),
        _record('mask2former_roads_tiny', 0.0)])
    lines = [line for line in summary_lines([table], demo=False) if 'only' in line]
    unet, m2f = lines
    assert 'undertrained' not in ' '.join(lines)
    assert unet.startswith('[roads] unet_roads_tiny predicts (almost) only background '
                           '(test recall road 0.3%, pixels of the split) after 1500 '
                           'iterations;')
    assert 'its training labels are background 96.6%, road 3.4% of the pixels' in unet
    assert ('training accuracy 99.1% (decode.acc_seg, last iterations) vs 98.9% for '
            'predicting background everywhere on the same batches: it learnt the majority '
            'class only') in unet
    assert "type='ForegroundBalancedSampler'" in unet and 'class_weight' in unet
    assert 'a longer budget chosen on validation' in unet
    assert 'DiceLoss' in unet and 'eos_bias' not in unet
    assert 'no training accuracy logged' in m2f


def test_a_collapsed_token_model_gives_its_generations_that_end_at_once():
    seq = dict(seq_tokens_per_image=2.0, seq_no_run_pct=95.0)
    table = DatasetTable('roads', [_record('p2s_rle_roads_tiny', 0.0, {'acc_tok': 97.0},
                                           'Pix2SeqSegmentor', seq)])
    line = next(line for line in summary_lines([table], demo=False) if 'only' in line)
    assert '95% of its generations end before their first run' in line
    assert 'training accuracy 97.0% (acc_tok, last iterations)' in line
    assert 'everywhere' not in line                     # token accuracy is not pixels
    for switch in ('loss.class_weight', 'loss.premature_eos_weight',
                   'data_preprocessor.empty_keep_prob', 'test_cfg.eos_bias',
                   'ForegroundBalancedSampler'):
        assert switch in line
    assert 'undertrained' not in line


def test_the_share_of_images_with_foreground_found_is_a_column_and_in_the_line():
    """fg_found_pct (the rare-foreground criterion): a column once some model misses
    the foreground of a test image, and part of a collapsed model's line."""
    found = dict(fg_found_pct=25.0)
    table = DatasetTable('roads', [_record('unet_roads_tiny', 0.3, seq=found)])
    assert ('test fg found %', 'fg_found_pct', '.0f') in table.columns()
    line = next(line for line in summary_lines([table], demo=False) if 'only' in line)
    assert 'it finds foreground on 25% of the test images holding some' in line
    every = DatasetTable('roads', [_record('unet_roads_tiny', 0.3,
                                           seq=dict(fg_found_pct=100.0))])
    assert all(column[1] != 'fg_found_pct' for column in every.columns())


def test_an_underfit_model_is_told_so_and_a_learning_one_gets_no_line():
    low = _record('unet_roads_tiny', 0.0, acc={'decode.acc_seg': 80.0}, base=95.0)
    fits = _record('unet_roads_cw_tiny', 0.0, acc={'decode.acc_seg': 99.0}, base=95.0)
    learnt = _record('deeplabv3plus_roads_tiny', 35.0, acc={'decode.acc_seg': 98.0})
    lines = summary_lines([DatasetTable('roads', [low, fits, learnt])], demo=False)
    assert any('80.0% (decode.acc_seg, last iterations) vs 95.0% for predicting background '
               'everywhere on the same batches: it has not fit its training data either'
               in line for line in lines)
    assert any('unet_roads_cw_tiny' in line and 'finds some foreground in training, not on '
               'test' in line for line in lines)
    assert not any('deeplabv3plus_roads_tiny' in line and 'levers' in line for line in lines)


def test_the_hook_keeps_the_majority_class_accuracy_of_the_same_batches():
    def batch(label):
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.tensor(label)[None])
        return dict(data_samples=[sample])
    hook = BenchmarkHook(acc_window=2)
    hook.keep_accuracies({'decode.acc_seg': torch.tensor(50.0)}, batch([[1, 1], [1, 1]]))
    hook.keep_accuracies({'decode.acc_seg': torch.tensor(90.0)}, batch([[0, 0], [1, 255]]))
    hook.keep_accuracies({'decode.acc_seg': torch.tensor(80.0)}, batch([[0, 0], [0, 0]]))
    assert hook.train_accuracy() == {'decode.acc_seg': 85.0}          # last 2 iterations
    assert hook.majority_baseline() == dict(class_index=0, pct=pytest.approx(600 / 7))


def test_generations_without_a_run_are_counted_among_ground_truths_with_runs():
    record = lambda runs, gt_runs: np.array([2.0, runs, 0, 0, 5.0, 0.0, gt_runs])
    stats = summarize_sequences([record(0, 3), record(2, 1), record(0, 0), record(0, 2)])
    assert stats['seq_no_run_pct'] == pytest.approx(100 * 2 / 3)
    assert 'seq_no_run_pct' not in summarize_sequences([record(0, np.nan)])


def _roads_folder(root: Path) -> None:
    """64 x 64 crops: train 4 (2 with a road band), val 2, test 2."""
    for split, count in (('train', 4), ('val', 2), ('test', 2)):
        for index in range(count):
            label = np.zeros((64, 64), np.uint8)
            if index % 2 == 0:
                label[20:32, :] = 1
            image = (60 + 120 * label).astype(np.uint8)
            for folder, array in (('img_dir', image), ('ann_dir', label)):
                path = root / folder / split / f'crop_{index}.png'
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), array)


@pytest.mark.parametrize('base, acc_key', [
    ('rare_fg/unet_roads_balanced_tiny.py', 'decode.acc_seg'),
    ('p2s_rle_roads_tiny.py', 'acc_tok')])
def test_a_real_tiny_run_records_what_the_summary_reads(tmp_path, base, acc_key,
                                                         monkeypatch):
    monkeypatch.chdir(REPO)
    root = tmp_path / 'roads'
    _roads_folder(root)
    config = tmp_path / 'model.py'
    config.write_text(
        f"_base_ = [{str(REPO / 'configs' / base)!r}]\n" + ''.join(
            f'{loader} = dict(dataset=dict(data_root={str(root)!r}))\n'
            for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')))
    run = RunSpec(name='model', config=str(config), work_dir=str(tmp_path / 'bench'),
                  seed=0, iters=2, latency_repeats=1, num_vis=1)
    run_model(run)
    record = json.loads(Path(record_path(run.model_dir)).read_text())
    train = record['train']
    road_pct = 100 * 2 * 12 * 64 / (4 * 64 * 64)
    assert train['class_balance']['pixel_pct'] == pytest.approx(
        dict(background=100 - road_pct, road=road_pct))
    assert train['class_balance']['items_holding'] == dict(background=4, road=2)
    assert 0.0 <= train['accuracy'][acc_key] <= 100.0
    assert train['accuracy_baseline']['class_index'] in (0, 1)
    assert 50.0 <= train['accuracy_baseline']['pct'] <= 100.0
    metrics = record['eval']['metrics']
    assert 'dataset_Recall_road' in metrics and 'dataset_Recall_background' in metrics
    if acc_key == 'acc_tok':
        assert 0.0 <= metrics['seq_no_run_pct'] <= 100.0
