"""Choose on validation, report on test: ``tools/benchmark.py --select``.

Candidates are the models of a benchmark table (levers, configs) as trained and,
where learning curves were scored on the validation split with their checkpoints
kept (``--curve-points``), every (model, iteration) checkpoint of the curves. A
candidate's score is its validation mDice (panoptic quality, PQ, when every run of
the table was scored for it: instance models are chosen on instances), mean over its
runs (seeds and folds); a model with a run that was not validated (no validation
split, not finished) is no candidate. The best mean is chosen; :data:`TIE_RULE` breaks ties.

The choice sees validation scores only: :class:`Candidate` carries no test score and
:func:`choose` gets nothing else. Only the chosen candidate's test split is then
read (its runs' recorded test scores, or for a curve checkpoint its test score,
scored once from the kept checkpoint) and reported once, mean ± std over the same
runs.
"""
from __future__ import annotations

import os.path as osp
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from rleseg.engine.tool_errors import ConfigError

from .curves import point_split
from .records import STATUS_DONE, atomic_write_json, atomic_write_text, read_json
from .validation import SPLIT_TEST, SPLIT_VAL

#: How ties of the mean validation score (equal to 1e-9 points) are broken.
TIE_RULE = ('equal mean val scores: the fewer training iterations, then the smaller '
            'spread over runs, then the model listed first')
#: Two mean scores closer than this (points) are a tie.
TIE_TOLERANCE = 1e-9

Record = Dict[str, Any]
#: ``scorer(record, checkpoint) -> metrics``: the test split scored from a checkpoint.
Scorer = Callable[[Record, str], Dict[str, float]]


@dataclass(frozen=True)
class Candidate:
    """A setting that can be chosen, with its validation scores only.

    Attributes:
        model: model name (table row).
        iters: training iterations of its runs' checkpoints (None: the runs' final
            checkpoints, whatever their budgets).
        final: True for the runs' final checkpoints (their recorded evaluation).
        val: the validation score of each run.
        order: position of the model in the table (tie rule).
    """
    model: str
    iters: Optional[int]
    final: bool
    val: Tuple[float, ...]
    order: int

    @property
    def mean(self) -> float:
        """Mean validation score over the runs."""
        return statistics.fmean(self.val)

    @property
    def std(self) -> Optional[float]:
        """Sample standard deviation over the runs (None for one run)."""
        return statistics.stdev(self.val) if len(self.val) > 1 else None

    @property
    def label(self) -> str:
        """``model`` (final checkpoints) or ``model @ <iters> iters``."""
        return self.model if self.final else f'{self.model} @ {self.iters} iters'


def _runs_by_model(records: Sequence[Record]) -> Dict[str, List[Record]]:
    by_model: Dict[str, List[Record]] = {}
    for record in records:
        by_model.setdefault(record['name'], []).append(record)
    return by_model


def _val_metrics(record: Record) -> Optional[Dict[str, float]]:
    """The validation metrics of a finished run (None: not validated)."""
    if record.get('status') != STATUS_DONE:
        return None
    return ((record.get('eval') or {}).get('val') or {}).get('metrics')


def selection_metric(records: Sequence[Record]) -> str:
    """The validation score a table is chosen on: ``'PQ'`` when every finished run
    was scored for panoptic quality on validation (a panoptic table), else
    ``'mDice'``."""
    vals = [_val_metrics(record) for record in records]
    vals = [val for val in vals if val is not None]
    return 'PQ' if vals and all(val.get('PQ') is not None for val in vals) else 'mDice'


def _final_iters(runs: Sequence[Record]) -> Optional[int]:
    iters = {(run.get('train') or {}).get('iters') for run in runs}
    return iters.pop() if len(iters) == 1 else None


def _curve_points(record: Record, metric: str) -> Dict[int, Dict[str, Any]]:
    """``{iteration: point}`` of a run's validation curve points that kept their
    checkpoint (the final point's checkpoint is the run's own)."""
    train = record.get('train') or {}
    points = {}
    for point in train.get('curve') or []:
        if point_split(point) != SPLIT_VAL or point.get(metric) is None:
            continue
        final = point['iter'] == train.get('iters')
        checkpoint = train.get('checkpoint') if final else point.get('checkpoint')
        if checkpoint:
            points[point['iter']] = dict(point, checkpoint=checkpoint, final=final)
    return points


def candidates(records: Sequence[Record],
               metric: str = 'mDice') -> Tuple[List[Candidate], List[str]]:
    """The candidates of a table's records and why some models are none.

    Args:
        records: the runs of every model (seeds, folds), as recorded.
        metric: the validation score compared.

    Returns:
        ``(candidates, excluded)``: one candidate per model (its final checkpoints)
        and one per curve checkpoint every run of the model kept; ``excluded`` says
        which models are no candidate and why.
    """
    found: List[Candidate] = []
    excluded: List[str] = []
    for order, (model, runs) in enumerate(_runs_by_model(records).items()):
        vals = [_val_metrics(run) for run in runs]
        if any(val is None or val.get(metric) is None for val in vals):
            excluded.append(f'{model}: not every run was scored on a validation split')
            continue
        iters = _final_iters(runs)
        found.append(Candidate(model, iters, True,
                               tuple(float(val[metric]) for val in vals), order))
        curves = [_curve_points(run, metric) for run in runs]
        shared = set.intersection(*(set(curve) for curve in curves))
        for step in sorted(shared):
            if all(curve[step]['final'] for curve in curves):
                continue  # the final checkpoints: the candidate above
            found.append(Candidate(model, step, False,
                                   tuple(float(curve[step][metric]) for curve in curves),
                                   order))
    return found, excluded


def choose(options: Sequence[Candidate]) -> Candidate:
    """The candidate with the best mean validation score (:data:`TIE_RULE` on ties).

    Raises:
        ConfigError: no candidate.
    """
    if not options:
        raise ConfigError('--select: no model was scored on a validation split')
    best = max(option.mean for option in options)
    tied = [option for option in options if best - option.mean <= TIE_TOLERANCE]
    return min(tied, key=lambda option: (
        option.iters if option.iters is not None else float('inf'),
        option.std if option.std is not None else 0.0, option.order, not option.final))


def chosen_test_scores(records: Sequence[Record], chosen: Candidate,
                       scorer: Optional[Scorer] = None,
                       metric: str = 'mDice') -> List[float]:
    """The test score of each run of the chosen candidate: the recorded test
    evaluation for final checkpoints, ``scorer`` on the kept checkpoint otherwise.

    Raises:
        ConfigError: a curve checkpoint was chosen and no ``scorer`` given.
    """
    runs = _runs_by_model(records)[chosen.model]
    if chosen.final:
        return [float(run['eval']['metrics'][metric]) for run in runs]
    if scorer is None:
        raise ConfigError(f'--select: {chosen.label} needs its checkpoints scored on '
                         'the test split')
    return [float(scorer(run, _curve_points(run, metric)[chosen.iters]['checkpoint'])
                  [metric]) for run in runs]


def _spread(values: Sequence[float]) -> Dict[str, Any]:
    return dict(mean=statistics.fmean(values),
                std=statistics.stdev(values) if len(values) > 1 else None,
                n=len(values))


def select(records: Sequence[Record], scorer: Optional[Scorer] = None,
           metric: str = 'mDice') -> Dict[str, Any]:
    """Choose on validation (:func:`candidates`, :func:`choose`), then read the
    chosen candidate's test score (:func:`chosen_test_scores`).

    Returns:
        ``dict(metric, rule, chosen, iters, final, val, test, candidates,
        excluded)``: ``val`` / ``test`` are ``dict(mean, std, n)`` over the chosen
        candidate's runs; ``candidates`` lists every candidate's validation score
        (best first), never a test score.
    """
    options, excluded = candidates(records, metric)
    chosen = choose(options)
    test = chosen_test_scores(records, chosen, scorer, metric)
    ranked = sorted(options, key=lambda option: -option.mean)
    return dict(
        metric=metric, rule=TIE_RULE, chosen=chosen.model, iters=chosen.iters,
        final=chosen.final, label=chosen.label, val=_spread(chosen.val),
        test=_spread(test), excluded=excluded,
        candidates=[dict(label=option.label, model=option.model, iters=option.iters,
                         final=option.final, **{SPLIT_VAL: _spread(option.val)})
                    for option in ranked])


def _score(spread: Dict[str, Any]) -> str:
    """``mean ± std`` (``mean`` for one run), one decimal."""
    return f"{spread['mean']:.1f}" + (f" ± {spread['std']:.1f}"
                                      if spread.get('std') is not None else '')


def selection_line(result: Dict[str, Any]) -> str:
    """``chosen on val: X (val a ± b); test c ± d (n runs)``."""
    metric = result['metric']
    return (f"chosen on val: {result['label']} (val {metric} {_score(result['val'])}); "
            f"{SPLIT_TEST} {metric} {_score(result['test'])} "
            f"(n = {result['test']['n']} runs)")


def selection_markdown(result: Dict[str, Any]) -> str:
    """The selection as markdown: the line, the candidates' validation scores (the
    chosen one's test score is its only test number) and the tie rule."""
    from tabulate import tabulate
    metric = result['metric']
    rows = [[option['label'], _score(option[SPLIT_VAL]), option[SPLIT_VAL]['n'],
             _score(result['test']) if option['label'] == result['label'] else '—']
            for option in result['candidates']]
    table = tabulate(rows, headers=['candidate', f'val {metric}', 'n',
                                    f'{SPLIT_TEST} {metric}'],
                     tablefmt='github', disable_numparse=True,
                     colalign=['left', 'right', 'right', 'right'])
    notes = ''.join(f'\n- not a candidate: {line}' for line in result['excluded'])
    return (f"{selection_line(result)}.\n\nChosen by the mean validation {metric} over "
            f"the runs (seeds and folds); ties: {result['rule']}. The test split is "
            f"read for the chosen candidate only.\n\n{table}\n{notes}\n")


def score_checkpoint_on_test(record: Record, checkpoint: str) -> Dict[str, float]:
    """The test split scored from ``checkpoint`` of ``record``'s run (its config,
    overrides, seed and fold) by the benchmark's evaluator; kept next to the
    checkpoint (``<checkpoint>.test.json``) so that it is scored once."""
    from mmengine.runner import Runner

    from .run_config import build_benchmark_config
    from .settings import RunSpec
    cache = f'{checkpoint}.{SPLIT_TEST}.json'
    done = read_json(cache)
    if done and done.get('checkpoint') == checkpoint:
        return done['metrics']
    settings = record.get('settings') or {}
    # the benchmark's work dir: model_dir is <work_dir>/<name>[/fold_<i>][/seed_<s>], so
    # that benchmark://<model> references resolve to the runs they named in training
    work_dir = record['model_dir']
    for key in ('name', 'fold', 'seed'):
        if key == 'name' or record.get(key) is not None:
            work_dir = osp.dirname(work_dir)
    run = RunSpec(name=record['name'], config=record['config'], work_dir=work_dir,
                  seed=record.get('seed'), fold=record.get('fold'),
                  num_folds=settings.get('num_folds'),
                  cfg_options=settings.get('cfg_options') or {})
    cfg = build_benchmark_config(run, None)
    cfg.work_dir = osp.join(osp.dirname(checkpoint), 'select_test')
    cfg.load_from, cfg.resume = checkpoint, False
    cfg.experiment_name = f'select_test_{time.time_ns()}'
    metrics = {key: float(value) for key, value in Runner.from_cfg(cfg).test().items()}
    atomic_write_json(cache, dict(checkpoint=checkpoint, split=SPLIT_TEST,
                                  metrics=metrics))
    return metrics


def write_selection(label: str, records: Sequence[Record], work_dir: str,
                    scorer: Optional[Scorer] = score_checkpoint_on_test
                    ) -> Tuple[Dict[str, Any], List[str]]:
    """Select on one table's records (:func:`select`, on
    :func:`selection_metric`) and write ``benchmark_<label>_selection.{md,json}``
    into ``work_dir``.

    Returns:
        ``(result, written paths)``.
    """
    result = dict(dataset=label, **select(records, scorer, selection_metric(records)))
    base = osp.join(work_dir, f'benchmark_{label.replace(" ", "_")}_selection')
    atomic_write_text(f'{base}.md', f'# Selection on validation: {label}\n\n'
                      + selection_markdown(result))
    atomic_write_json(f'{base}.json', result)
    return result, [f'{base}.md', f'{base}.json']


def report_selection(tables: Sequence[Any], work_dir: str,
                     stream: TextIO) -> List[str]:
    """``--select`` over every table of a benchmark report
    (:class:`~rleseg.benchmark.report.DatasetTable`: every run recorded in the work
    directory): write each table's selection files and print its line, or why it has
    none.

    Returns:
        The written paths.
    """
    written: List[str] = []
    for table in tables:
        try:
            result, paths = write_selection(table.label, table.records, work_dir)
        except ConfigError as error:
            stream.write(f'[{table.label}] no selection: {error}\n')
            continue
        stream.write(f'[{table.label}] {selection_line(result)} '
                     f'({paths[0]})\n')
        written += paths
    return written
