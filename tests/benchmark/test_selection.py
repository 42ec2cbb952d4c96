"""--select: chosen on the validation split only, the choice's test score reported once
(hand-made records; one end-to-end run of two tiny UNets)."""
import json

import pytest

from rleseg.benchmark.selection import (TIE_RULE, candidates, choose, select,
                                        selection_line, selection_metric,
                                        write_selection)


def run(name, val, test, seed=0, fold=None, iters=4, curve=(), status='done'):
    """One run's record: final val / test mDice and its validation curve points
    ``(iter, val mDice)`` with kept checkpoints."""
    points = [dict(iter=i, split='val', mDice=v, checkpoint=f'/ckpt/{name}/{seed}/{i}')
              for i, v in curve]
    points.append(dict(iter=iters, split='val', mDice=val))
    return dict(name=name, seed=seed, fold=fold, status=status,
                train=dict(iters=iters, checkpoint=f'/ckpt/{name}/{seed}/final',
                           curve=points),
                eval=dict(metrics=dict(mDice=test),
                          val=None if val is None else dict(metrics=dict(mDice=val))))


def test_the_choice_is_made_on_validation_and_ignores_test():
    """val prefers b, test prefers a: b is chosen, whatever the test scores are."""
    records = [run('a', 60.0, 90.0, seed=0), run('a', 62.0, 92.0, seed=1),
               run('b', 70.0, 50.0, seed=0), run('b', 72.0, 54.0, seed=1)]
    result = select(records)
    assert result['chosen'] == 'b' and result['final']
    assert result['val'] == dict(mean=71.0, std=pytest.approx(2 ** 0.5), n=2)
    assert result['test'] == dict(mean=52.0, std=pytest.approx(2 * 2 ** 0.5), n=2)
    assert [c['label'] for c in result['candidates']] == ['b', 'a']
    assert all(set(c) == {'label', 'model', 'iters', 'final', 'val'}
               for c in result['candidates'])  # no candidate carries a test score
    for record in records:  # test scores swapped or removed: the same choice
        record['eval']['metrics'] = dict(mDice=100.0 - record['eval']['metrics']['mDice'])
    assert select(records)['chosen'] == 'b'
    for record in records:
        del record['eval']['metrics']
    assert choose(candidates(records)[0]).model == 'b'
    assert selection_line(result) == ('chosen on val: b (val mDice 71.0 ± 1.4); '
                                      'test mDice 52.0 ± 2.8 (n = 2 runs)')


def with_pq(record, val_pq, test_pq):
    """``record`` scored for panoptic quality too (val and test PQ)."""
    record['eval']['metrics']['PQ'] = test_pq
    record['eval']['val']['metrics']['PQ'] = val_pq
    for point in record['train']['curve']:
        point['PQ'] = val_pq
    return record


def test_panoptic_tables_are_chosen_on_val_pq(tmp_path):
    """Every run scored for PQ: the choice follows val PQ, not val mDice (a prefers
    mDice, b PQ); one run without PQ makes the table a semantic one again."""
    records = [with_pq(run('a', 90.0, 90.0, seed=s), 40.0, 80.0) for s in (0, 1)]
    records += [with_pq(run('b', 80.0, 85.0, seed=s), 50.0 + s, 45.0) for s in (0, 1)]
    assert selection_metric(records) == 'PQ'
    result, _ = write_selection('nuclei', records, str(tmp_path), scorer=None)
    assert (result['metric'], result['chosen']) == ('PQ', 'b')
    assert result['val']['mean'] == 50.5 and result['test']['mean'] == 45.0
    assert 'chosen on val: b (val PQ 50.5 ± 0.7); test PQ 45.0' in (
        tmp_path / 'benchmark_nuclei_selection.md').read_text()
    records.append(run('c', 70.0, 70.0))
    assert selection_metric(records) == 'mDice'
    assert selection_metric([run('not_validated', None, 1.0)]) == 'mDice'


def test_folds_and_seeds_are_averaged_on_validation():
    """a wins one fold, b both folds on average: the mean over folds x seeds decides."""
    records = [run('a', v, 80.0, seed=s, fold=f)
               for (f, s), v in zip(((0, 0), (0, 1), (1, 0), (1, 1)), (90, 88, 40, 42))]
    records += [run('b', v, 70.0, seed=s, fold=f)
                for (f, s), v in zip(((0, 0), (0, 1), (1, 0), (1, 1)), (70, 70, 70, 70))]
    result = select(records)
    assert result['chosen'] == 'b' and result['val']['n'] == 4
    assert result['val']['mean'] == 70.0 and result['test']['n'] == 4


def test_ties_follow_the_stated_rule():
    """Equal means: fewer iterations first, then the smaller spread, then table order."""
    budgets = [run('long', 70.0, 10.0, iters=8), run('short', 70.0, 20.0, iters=4)]
    assert select(budgets)['chosen'] == 'short'
    spread = [run('wide', 60.0, 1.0, seed=0), run('wide', 80.0, 1.0, seed=1),
              run('narrow', 69.0, 2.0, seed=0), run('narrow', 71.0, 2.0, seed=1)]
    assert select(spread)['chosen'] == 'narrow'
    order = [run('first', 70.0, 1.0), run('second', 70.0, 2.0)]
    assert select(order)['chosen'] == 'first'
    assert select(order)['rule'] == TIE_RULE


def test_a_curve_checkpoint_is_chosen_and_only_it_is_scored_on_test():
    """The best validation point is iteration 2 of b: its kept checkpoints (one per
    seed) are scored on test, nothing else is."""
    records = [run('a', 50.0, 99.0, seed=s, curve=[(2, 40.0)]) for s in (0, 1)]
    records += [run('b', 60.0, 10.0, seed=s, curve=[(2, 75.0 + s)]) for s in (0, 1)]
    scored = []

    def scorer(record, checkpoint):
        scored.append(checkpoint)
        return dict(mDice=30.0 + record['seed'])

    result = select(records, scorer)
    assert (result['chosen'], result['iters'], result['final']) == ('b', 2, False)
    assert result['label'] == 'b @ 2 iters' and result['val']['mean'] == 75.5
    assert scored == ['/ckpt/b/0/2', '/ckpt/b/1/2']
    assert result['test']['mean'] == 30.5
    with pytest.raises(ValueError, match='needs its checkpoints scored on the test'):
        select(records)


def test_models_without_a_validation_score_are_no_candidates(tmp_path):
    records = [run('no_val', None, 99.0), run('ok', 10.0, 5.0),
               run('half', 90.0, 90.0, seed=0), run('half', 90.0, 90.0, seed=1,
                                                   status='failed')]
    options, excluded = candidates(records)
    assert [o.model for o in options] == ['ok']
    assert excluded == ['no_val: not every run was scored on a validation split',
                        'half: not every run was scored on a validation split']
    with pytest.raises(ValueError, match='no model was scored on a validation split'):
        choose([])
    result, paths = write_selection('ipsc demo', records, str(tmp_path), scorer=None)
    markdown = (tmp_path / 'benchmark_ipsc_demo_selection.md').read_text()
    assert 'chosen on val: ok (val mDice 10.0); test mDice 5.0 (n = 1 runs)' in markdown
    assert '- not a candidate: no_val' in markdown and '99' not in markdown
    assert json.loads((tmp_path / 'benchmark_ipsc_demo_selection.json').read_text()) \
        == result and len(paths) == 2


def test_select_end_to_end_scores_a_kept_checkpoint_like_the_worker(tmp_path,
                                                                   benchmark_tool,
                                                                   capsys):
    """A real run with --curve-points --select: every curve point keeps its weights,
    the selection file names the choice and its test score, and a checkpoint scored
    on test by the selection reproduces the worker's own test score of it."""
    from rleseg.benchmark.selection import score_checkpoint_on_test
    from rleseg.engine.checkpoint import load_checkpoint_safely
    assert benchmark_tool.main(['unet_ipsc_tiny', '--iters', '4', '--curve-points', '2',
                                '--latency-repeats', '1', '--num-vis', '1', '--select',
                                '--work-dir', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    record = json.loads((tmp_path / 'unet_ipsc_tiny' /
                         'benchmark_record.json').read_text())
    middle, final = record['train']['curve']
    assert load_checkpoint_safely(middle['checkpoint'], map_location='cpu')['meta'][
        'iter'] == 2
    result = json.loads((tmp_path / 'benchmark_ipsc_demo_selection.json').read_text())
    best = max((middle, final), key=lambda p: p['mDice'])
    assert result['val']['mean'] == best['mDice'] and result['iters'] in (2, 4)
    assert f"[ipsc_demo] {selection_line(result)}" in out
    rescored = score_checkpoint_on_test(record, record['train']['checkpoint'])
    assert rescored['mDice'] == pytest.approx(record['eval']['metrics']['mDice'])
