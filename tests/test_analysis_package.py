"""cmpl_mm.analysis on hand-made numbers, logs and results: statistics,
run-log reading, the comparison's options and summary, merged results and
the reports."""
import json
import math
import os
import os.path as osp
import subprocess
import sys
from types import SimpleNamespace

import pytest

from cmpl_mm.analysis import comparison, recorded, report, run_logs, stats
from helpers import REPO_ROOT


# ------------------------------------------------------------ statistics
def test_mean_std_is_the_sample_std():
    mean, std = stats.mean_std([0.60, 0.62, 0.64])
    assert mean == pytest.approx(0.62)
    assert std == pytest.approx(0.02)  # n - 1; the population std is 0.0163
    assert stats.mean_std([0.5]) == (0.5, None)
    mean, std = stats.mean_std([])
    assert math.isnan(mean) and std is None


def test_aggregate_leaves_out_missing_and_nan_values():
    agg = stats.aggregate([([2, 4, 6], [0.2, 0.4, float('nan')]),
                           ([4, 2], [0.6, 0.4])])
    assert agg['iter'] == [2, 4, 6]
    assert agg['n'] == [2, 2, 0]
    assert agg['mean'][:2] == pytest.approx([0.3, 0.5])
    assert agg['std'][0] == pytest.approx(math.sqrt(0.02))
    assert agg['min'][:2] == [0.2, 0.4] and agg['max'][:2] == [0.4, 0.6]
    assert all(math.isnan(agg[k][2]) for k in ('mean', 'std', 'min', 'max'))
    one = stats.aggregate([([1], [0.7])])
    assert one['std'] == [0.0] and one['n'] == [1]


def test_paired_gap_pairs_by_seed_not_by_position():
    earlier = {'0': 0.50, '2': 0.70, '10': 0.60, '1': 0.55}
    later = {'10': 0.66, '0': 0.52, '2': 0.75, '1': None, '3': 0.9}
    gap = stats.paired_gap(earlier, later, [0.01, 0.02])
    assert gap['seeds'] == [0, 2, 10]  # numeric order; 1 has no value
    assert gap['per_seed'] == pytest.approx({'0': .02, '2': .05, '10': .06})
    assert gap['gap'] == pytest.approx(0.13 / 3)
    assert gap['std'] == pytest.approx(stats.mean_std([.02, .05, .06])[1])
    assert gap['spread'] == 0.02
    assert gap['verdict'] == 'yes' and gap['separated']


@pytest.mark.parametrize('earlier, later, spreads, verdict', [
    ({'0': .5, '1': .5}, {'0': .6, '1': .4}, [.01, .01],
     'no (the sign changes between seeds)'),
    ({'0': .5, '1': .5}, {'0': .5, '1': .5}, [.01, .01],
     'no (the sign changes between seeds)'),  # no gap at all
    ({'0': .5, '1': .5}, {'0': .52, '1': .53}, [.01, .03],
     'no (gap within the spread)'),  # 2.5 points, the larger spread is 3
    ({'0': .5, '1': .5}, {'0': .52, '1': .53}, [.01, None],
     'n/a (fewer than 2 seeds)'),  # one algorithm finished one seed
    ({'0': .5}, {'0': .9}, [.01, .01], 'n/a (fewer than 2 seeds)'),
    ({'0': .5, '1': .6}, {'0': .4, '1': .45}, [.05, .03], 'yes'),  # below
])
def test_paired_gap_verdicts(earlier, later, spreads, verdict):
    gap = stats.paired_gap(earlier, later, spreads)
    assert gap['verdict'] == verdict
    assert gap['separated'] == (verdict == 'yes')


def test_seeds_needed():
    # (2 * 0.375 / 0.25)^2 = 9 paired seeds; the gap's sign is irrelevant
    assert stats.seeds_needed(0.25, 0.375) == 9
    assert stats.seeds_needed(-0.25, 0.375) == 9
    assert stats.seeds_needed(0.03, 0.04) == 8  # 7.1 rounds up
    assert stats.seeds_needed(0.10, 0.01) == 2  # never fewer than 2
    assert stats.seeds_needed(0.10, None) is None  # one seed: no std
    assert stats.seeds_needed(0.0, 0.01) is None


def test_pairwise_gaps_names_and_order():
    def entry(name, algorithm, per_seed):
        mean, std = stats.mean_std(per_seed.values())
        return {'name': name, 'algorithm': algorithm,
                'acc/top1': {'std': std, 'per_seed': per_seed}}

    summary = {
        'a.py': entry('sup_cfg', 'Supervised', {'0': .6, '1': .62}),
        'b.py': entry('cmpl_cfg', 'CMPL', {'0': .7, '1': .71}),
        'c.py': entry('cmpl_half', 'CMPL', {'0': .72, '1': .7}),
    }
    gaps = stats.pairwise_gaps(summary)
    assert [(g['later'], g['earlier']) for g in gaps] == [
        ('cmpl_cfg', 'sup_cfg'), ('cmpl_half', 'sup_cfg'),
        ('cmpl_half', 'cmpl_cfg')]
    # two configs of one algorithm are named by config, the others not
    assert [g['label'] for g in gaps] == [
        'cmpl_cfg − Supervised', 'cmpl_half − Supervised',
        'cmpl_half − cmpl_cfg']
    assert gaps[0]['metric'] == 'acc/top1'
    assert gaps[0]['gap'] == pytest.approx(0.095)
    # the keys results.json has always had, in its order
    assert list(gaps[0]) == [
        'later', 'earlier', 'label', 'metric', 'seeds', 'per_seed', 'gap',
        'std', 'spread', 'separated', 'seeds_needed', 'verdict']


# ------------------------------------------------------------- run logs
def write_lines(path, records, tail=''):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(''.join(json.dumps(r) + '\n' for r in records) + tail)


def test_run_log_of_a_resumed_run(tmp_path):
    """Two segments of scalars.json (the second resumed from iteration 2
    and logging it again), validation steps that are iterations, and a
    pseudo-label file whose last line was cut by a kill."""
    work_dir = str(tmp_path / 'run')
    write_lines(osp.join(work_dir, '20240101_000000', 'vis_data',
                         'scalars.json'), [
        {'iter': 1, 'step': 1, 'loss': 2.0, 'sup_loss_cls': 2.0},
        {'iter': 2, 'step': 2, 'loss': 1.5, 'sup_loss_cls': 1.5},
        {'acc/top1': 0.25, 'acc/mean1': 0.2, 'time': 0.1, 'step': 2},
        {'iter': 3, 'step': 3, 'loss': 9.0},  # lost: the run was killed
    ], tail='{"iter": 4, "lo')
    write_lines(osp.join(work_dir, '20240101_010000', 'vis_data',
                         'scalars.json'), [
        {'iter': 3, 'step': 3, 'loss': 1.0, 'unsup_loss_cls': 0.5},
        {'iter': 4, 'step': 4, 'loss': 0.8, 'unsup_loss_cls': 0.4},
        {'acc/top1': 0.5, 'acc/mean1': 0.45, 'time': 0.1, 'step': 4},
    ])
    write_lines(osp.join(work_dir, run_logs.PSEUDO_FILE), [
        {'iter': 2, 'auxiliary': {'mask_ratio': .3}, 'primary': {
            'mask_ratio': .5, 'precision': None}, 'agreement_rate': .7},
        {'iter': 4, 'primary': {'mask_ratio': .75, 'precision': .9}},
    ], tail='{"iter": 6, "primary": {"mask')
    run = run_logs.load_run(work_dir)
    assert run.val_iter_source == 'step'
    assert [(v['iter'], v['acc/top1']) for v in run.val] == [(2, .25),
                                                             (4, .5)]
    assert 'step' not in run.val[0]
    assert run.final_val()['acc/mean1'] == 0.45
    assert [r['iter'] for r in run.train] == [1, 2, 3, 4]
    assert run.train_series('loss') == ([1, 2, 3, 4], [2.0, 1.5, 1.0, 0.8])
    assert run.train_keys('loss') == ['loss', 'sup_loss_cls',
                                      'unsup_loss_cls']
    assert run.last_iter() == 4
    assert run.networks() == ['primary', 'auxiliary']
    xs, ys = run.pseudo_series('primary', 'precision')
    assert xs == [2, 4] and math.isnan(ys[0]) and ys[1] == .9
    assert run.pseudo_series(None, 'agreement_rate') == ([2], [.7])


def test_last_pseudo_stats(tmp_path):
    assert run_logs.last_pseudo_stats(str(tmp_path)) is None
    write_lines(str(tmp_path / run_logs.PSEUDO_FILE),
                [{'iter': 1}, {'iter': 2, 'primary': {'mask_ratio': .5}}],
                tail='\n')
    assert run_logs.last_pseudo_stats(str(tmp_path)) == {
        'iter': 2, 'primary': {'mask_ratio': .5}}


def test_pseudo_scalars_stand_in_for_a_missing_jsonl(tmp_path):
    work_dir = str(tmp_path / 'run')
    write_lines(osp.join(work_dir, '20240101_000000', 'vis_data',
                         'scalars.json'), [
        {'iter': 1, 'step': 1, 'loss': 1.0},
        {'pseudo/primary_mask_ratio': .4, 'pseudo/primary_precision': .8,
         'pseudo/agreement_rate': .6, 'step': 1},
    ])
    run = run_logs.load_run(work_dir)
    assert run.pseudo == [{'iter': 1, 'agreement_rate': .6,
                           'primary': {'mask_ratio': .4, 'precision': .8}}]
    assert run.val == [] and run.val_iter_source == 'none'
    with pytest.raises(FileNotFoundError, match='no such work dir'):
        run_logs.load_run(str(tmp_path / 'absent'))


def test_scheduled_val_iters():
    sched = dict(max_iters=10, val_interval=4, val_begin=1)
    assert run_logs.scheduled_val_iters(sched) == [4, 8, 10]
    sched = dict(max_iters=8, val_interval=4, val_begin=5)
    assert run_logs.scheduled_val_iters(sched) == [8]
    assert run_logs.scheduled_val_iters(None) is None


# ----------------------------------------------------------- comparison
def test_key_status():
    cfg = {'model': {'type': 'X', 'auxiliary': None},
           'param_scheduler': [{'T_max': 1}, {'T_max': 2}]}
    assert comparison.key_status(cfg, 'model.type') == 'ok'
    assert comparison.key_status(cfg, 'model.new_key') == 'ok'
    assert comparison.key_status(cfg, 'model.auxiliary.cls_head.x') == 'none'
    assert comparison.key_status(cfg, 'model.primary.cls_head.x') == \
        'missing'
    assert comparison.key_status(cfg, 'param_scheduler.1.T_max') == 'ok'
    assert comparison.key_status(cfg, 'param_scheduler.2.T_max') == \
        'missing'
    assert comparison.key_status(cfg, 'model.type.x') == 'missing'


def test_common_options_order():
    assert comparison.common_options(['a=1'], 8) == [
        'default_hooks.logger.log_metric_by_epoch=False', 'a=1',
        'train_cfg.max_iters=8']
    assert comparison.common_options([]) == comparison.AUTO_OPTIONS


def test_summarize_over_seeds(tmp_path):
    config = tmp_path / 'flex_cfg.py'
    config.write_text("model = dict(type='FlexMatchRecognizer')\n")
    config = str(config)

    def run(seed, top1, ok=True):
        final = {'iter': 8, 'acc/top1': top1, 'acc/mean1': top1 / 2}
        return SimpleNamespace(config=config, seed=seed, ok=ok,
                               final=lambda: final if ok else None)

    summary = comparison.summarize(
        [config], [run(0, .6), run(1, .7), run(2, .9, ok=False)])
    entry = summary[config]
    assert entry['name'] == 'flex_cfg' and entry['algorithm'] == 'FlexMatch'
    assert entry['seeds'] == [0, 1, 2] and entry['seeds_ok'] == [0, 1]
    assert entry['n'] == 2 and entry['final_iter'] == [8]
    top1 = entry['acc/top1']
    assert top1['mean'] == pytest.approx(.65)
    assert top1['std'] == pytest.approx(stats.mean_std([.6, .7])[1])
    assert top1['per_seed'] == {'0': .6, '1': .7}
    assert entry['acc/mean1']['mean'] == pytest.approx(.325)
    # a config that cannot be read has no label (its run says why)
    assert comparison.algorithm_label(str(tmp_path / 'absent.py')) == '?'


def test_num_classes_from_the_config_and_its_options(tmp_path):
    config = tmp_path / 'sup_cfg.py'
    config.write_text("model = dict(type='SupervisedRecognizer', primary="
                      "dict(cls_head=dict(num_classes=8)))\n")
    config = str(config)
    assert comparison.num_classes(config) == 8
    # the run's --cfg-options win, as in tools/train.py
    assert comparison.num_classes(
        config, ('a=1', 'model.primary.cls_head.num_classes=4')) == 4
    plain = tmp_path / 'plain_cfg.py'
    plain.write_text("model = dict(type='X', cls_head=dict(num_classes=3))\n")
    assert comparison.num_classes(str(plain)) is None  # no primary: unknown
    assert comparison.num_classes(str(tmp_path / 'absent.py')) is None


# ------------------------------------------------------ recorded results
def results_file(path, runs):
    records = [dict(config=f'configs/{n}.py', name=n, seed=s, ok=True,
                    final_val={'iter': 4, 'acc/top1': t, 'acc/mean1': t},
                    command=['python', 'tools/train.py', f'configs/{n}.py',
                             '--cfg-options'] + opts,
                    command_line=f'train {n} {s}')
               for n, s, t, opts in runs]
    path.write_text(json.dumps(dict(
        runs=records, algorithms=[dict(name='cmpl', algorithm='CMPL')])))
    return str(path)


def test_load_recorded_runs(tmp_path):
    first = results_file(tmp_path / 'a.json', [('cmpl', 0, .7, ['x=1'])])
    same = results_file(tmp_path / 'b.json', [('cmpl', 0, .7, ['x=1']),
                                              ('cmpl', 1, .8, ['x=2'])])
    runs, labels = recorded.load_runs([first, same])
    assert list(runs) == [('cmpl', 0), ('cmpl', 1)]
    assert runs[('cmpl', 0)].source == first  # the first file wins
    assert labels == {'cmpl': 'CMPL'}
    conflicts = recorded.option_conflicts(runs)
    assert list(conflicts['cmpl'].items()) == [
        (('x=1', ), [f'seed 0 ({first})']), (('x=2', ), [f'seed 1 ({same})'])]
    other = results_file(tmp_path / 'c.json', [('cmpl', 0, .5, ['x=1'])])
    with pytest.raises(recorded.ResultsError,
                       match=r'cmpl seed 0 has different results .* '
                       r'\(with the same options\)'):
        recorded.load_runs([first, other])
    (tmp_path / 'd.json').write_text('{"algorithms": []}')
    with pytest.raises(recorded.ResultsError, match='no "runs" key'):
        recorded.load_runs([str(tmp_path / 'd.json')])
    assert recorded.training_options(['train.py', 'c.py']) == []


# --------------------------------------------------------------- reports
def test_number_formats():
    assert report.pct(None) == '–' and report.pct(0.12346) == '12.35'
    assert report.mean_pm_std(dict(n=0, mean=None, std=None)) == '–'
    assert report.mean_pm_std(dict(n=1, mean=.5, std=None)) == \
        '50.00 ± n/a (1 seed)'
    assert report.mean_pm_std(dict(n=2, mean=.5, std=.0123)) == \
        '50.00 ± 1.23'


def test_gap_table_rows():
    gap = dict(later='b', earlier='a', label='B − A',
               **stats.paired_gap({'0': .5, '1': .6}, {'0': .55, '1': .68},
                                  [.05, .07]))
    lines = report.gap_table([gap])
    assert lines[0] == '## Gaps between algorithms (top-1)'
    assert lines[-2] == ('| B − A | `b` − `a` | 2 | +6.50 | s0: +5.00, '
                         's1: +8.00 | 2.12 | 7.00 | no (gap within the '
                         'spread) | 2 |')
    assert lines[-1] == ''
    assert report.gap_table([]) == []
    none = dict(gap, seeds=[], per_seed={}, gap=None, std=None,
                seeds_needed=None)
    assert '| 0 | – | – | – |' in report.gap_table([none])[-2]


def test_merged_markdown(tmp_path):
    runs, _ = recorded.load_runs([results_file(
        tmp_path / 'a.json', [('cmpl', 1, .8, []), ('cmpl', 0, .7, [])])])
    summary = {'configs/cmpl.py': {
        'name': 'cmpl', 'algorithm': 'CMPL', 'n': 2,
        'acc/top1': dict(n=2, mean=.75, std=.0707,
                         per_seed={'1': .8, '0': .7}),
        'acc/mean1': dict(n=2, mean=.75, std=None, per_seed={})}}
    md = report.merged_markdown(['a.json'], runs, summary, [], {},
                                {'val_top1': '/x/val_top1.png'})
    lines = md.splitlines()
    assert lines[0] == '# Merged algorithm comparison'
    # seeds in numeric order, whatever order the file had
    assert ('| CMPL | `cmpl` | 2 | 75.00 ± 7.07 | 75.00 ± n/a (1 seed) | '
            's0: 70.00, s1: 80.00 |') in lines
    assert '![val_top1](val_top1.png)' in lines
    assert '## Gaps between algorithms (top-1)' not in md
    assert f'| `cmpl` | 0 | `{tmp_path / "a.json"}` | `train cmpl 0` |' \
        in lines


def finished_run(root, config, seed, top1):
    """A :class:`comparison.Run` that finished with a final ``top1`` (its
    work dir holds a scalars.json, nothing is trained)."""
    run = comparison.Run(config, seed, [], str(root), 'tools/train.py')
    write_lines(osp.join(run.work_dir, '20240101_000000', 'vis_data',
                         'scalars.json'), [
        {'iter': 8, 'step': 8, 'loss': 1.0},
        {'acc/top1': top1, 'acc/mean1': top1, 'step': 8}])
    run.returncode, run.duration = 0, 1.0
    run.collect()
    return run


@pytest.fixture
def four_class_runs(tmp_path):
    """A 4-class config (chance 25 %): seed 0 at chance, seed 1 at exactly
    2 x chance, seed 2 above; and a run that failed."""
    config = tmp_path / 'sup_cfg.py'
    config.write_text("model = dict(type='SupervisedRecognizer', primary="
                      "dict(cls_head=dict(num_classes=4)))\n")
    config = str(config)
    runs = [finished_run(tmp_path / 'out', config, s, t)
            for s, t in ((0, .25), (1, .5), (2, .75))]
    failed = comparison.Run(config, 3, [], str(tmp_path / 'out'), 'x.py')
    failed.returncode = 1
    return config, runs + [failed]


def comparison_report(config, runs, factor=comparison.LEARNED_FACTOR):
    summary = comparison.summarize([config], runs)
    md = report.comparison_markdown(runs, summary, [], {}, 'cmd',
                                    {config: ([], [])}, factor)
    results = report.comparison_json('cmd', [config], [0], [],
                                     {config: ([], [])}, summary, [], runs,
                                     {}, factor)
    return md, json.loads(json.dumps(results))


def not_learned_section(md):
    """The ``## Runs that did not learn`` section of a report."""
    start = md.index('## Runs that did not learn')
    return md[start:md.index('\n## ', start)]


def test_a_run_at_chance_is_flagged(four_class_runs):
    config, runs = four_class_runs
    assert [r.learned() for r in runs] == [False, True, True, None]
    assert comparison.not_learned(runs) == runs[:1]
    md, results = comparison_report(config, runs)
    lines = md.splitlines()
    assert ('## Runs that did not learn: final top-1 below 2 × chance '
            '(1 of 3)') in lines
    section = not_learned_section(md)
    assert '| `sup_cfg` | 0 | 25.00 | 25.00 | 4 |' in section
    assert '| 1 |' not in section and '| 2 |' not in section
    # the per-algorithm table marks seed 0's top-1, not the others
    (row, ) = [line for line in lines if line.startswith('| Supervised |')]
    assert 's0: 25.00 (did not learn), s1: 50.00, s2: 75.00 |' in row
    assert row.count('(did not learn)') == 1  # not in the mean-class column
    assert results['learned_factor'] == 2.0
    records = {r['seed']: r for r in results['runs']}
    assert [records[s]['learned'] for s in range(4)] == [False, True, True,
                                                         None]
    assert records[0]['chance_top1'] == 0.25
    assert records[0]['num_classes'] == 4


def test_runs_above_the_factor_are_not_flagged(four_class_runs):
    config, runs = four_class_runs
    md, results = comparison_report(config, runs[1:])
    assert '## Runs that did not learn' not in md
    (row, ) = [line for line in md.splitlines()
               if line.startswith('| Supervised |')]
    assert 's1: 50.00, s2: 75.00 |' in row and '(did not learn)' not in row
    assert 'All 2 finished runs learned (final top-1 ≥ 2 × chance).' in md
    assert [r['learned'] for r in results['runs']] == [True, True, None]
    # a larger factor: 50 % is below 2.5 x 25 %, 75 % is not
    md, results = comparison_report(config, runs[1:], factor=2.5)
    section = not_learned_section(md)
    assert '| `sup_cfg` | 1 | 50.00 | 25.00 | 4 |' in section
    assert '| `sup_cfg` | 2 |' not in section
    assert [r['learned'] for r in results['runs']] == [False, True, None]
    assert results['learned_factor'] == 2.5


def test_a_run_of_unknown_chance_is_not_judged(tmp_path):
    config = tmp_path / 'plain_cfg.py'
    config.write_text("model = dict(type='X', cls_head=dict(num_classes=4))"
                      "\n")
    run = finished_run(tmp_path / 'out', str(config), 0, .01)
    assert run.chance() is None and run.learned() is None
    md, results = comparison_report(str(config), [run])
    assert '## Runs that did not learn' not in md
    assert ('Chance level unknown (no `model.primary.cls_head.num_classes` '
            'in the config), not judged: `plain_cfg` seed 0.') in md
    assert results['runs'][0]['learned'] is None
    assert results['runs'][0]['chance_top1'] is None


@pytest.mark.slow
def test_reading_and_reporting_do_not_import_matplotlib():
    """matplotlib is imported when a plot is drawn, not with the modules."""
    code = ('import sys\n'
            'from cmpl_mm.analysis import (comparison, plots, recorded, '
            'report, run_logs, stats)\n'
            'print("matplotlib" in sys.modules)\n')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == 'False'
