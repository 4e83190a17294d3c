"""tools/analysis: compare_algorithms, merge_comparisons, plot_run, benchmarks
(and the parts of cmpl_mm.analysis they are built from)."""
import importlib.util
import json
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

import helpers
from cmpl_mm.analysis import plots, run_logs, stats
from cmpl_mm.analysis.comparison import common_options, options_per_config
from helpers import REPO_ROOT, tiny_data_options

ANALYSIS = osp.join(REPO_ROOT, 'tools', 'analysis')
SUPERVISED = 'configs/supervised_r3d18q_synthetic.py'
CMPL = 'configs/cmpl_r3d18q_synthetic.py'
# the shared fast settings, without a checkpoint every 2 iterations (the
# comparison tool's runs keep their config's checkpoint interval)
FAST = {k: v for k, v in helpers.FAST.items()
        if k != 'default_hooks.checkpoint.interval'}
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def load_tool(name):
    """Import tools/analysis/<name>.py (a script; it imports no other
    script, only cmpl_mm)."""
    spec = importlib.util.spec_from_file_location(
        f'analysis_{name}', osp.join(ANALYSIS, f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable] + args, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=env)


def assert_png(path):
    assert osp.isfile(path), path
    with open(path, 'rb') as f:
        head = f.read(8)
    assert head == PNG_MAGIC and osp.getsize(path) > 1000, path


def compare_options(root):
    # the data options of every algorithm, CMPL's included: the tool leaves
    # out of the supervised runs the keys it has no part for
    options = dict(tiny_data_options(root, cmpl=True), **FAST)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


# the comparison fixture (six short trainings) is built once, in one worker
# under `-n auto --dist loadgroup`
pytestmark = pytest.mark.xdist_group('analysis_tools')

@pytest.fixture(scope='module')
def comparison(tiny_dataset, tmp_path_factory):
    """Supervised + CMPL + a config whose runs crash, 2 seeds, 4 iters."""
    tmp = tmp_path_factory.mktemp('compare')
    broken = tmp / 'broken_r3d18q.py'
    broken.write_text(
        f'_base_ = [{osp.join(REPO_ROOT, SUPERVISED)!r}]\n'
        "model = dict(type='NoSuchRecognizer')\n")
    out = tmp / 'results'
    args = [
        'tools/analysis/compare_algorithms.py', '--configs', SUPERVISED, CMPL,
        str(broken), '--seeds', '0', '1', '--max-iters', '4', '--jobs', '2',
        '--work-dir',
        str(out)
    ] + compare_options(tiny_dataset)
    proc = run_tool(args)
    return dict(proc=proc, out=str(out), args=args, broken=str(broken))


def test_compare_algorithms(comparison):
    proc, out = comparison['proc'], comparison['out']
    log = proc.stdout[-3000:] + proc.stderr[-3000:]
    # one config failed: reported, the others still tabulated, status 1
    assert proc.returncode == 1, log
    assert 'FAILED: broken_r3d18q seed 0' in proc.stderr, log
    with open(osp.join(out, 'results.md')) as f:
        md = f.read()
    rows = {}
    for line in md.splitlines():
        match = re.match(r'\| (\w+) \| `([\w-]+)` \| (\d+)/(\d+) \|', line)
        if match:
            rows[match.group(2)] = line
    sup_row = rows['supervised_r3d18q_synthetic']
    cmpl_row = rows['cmpl_r3d18q_synthetic']
    for row, algorithm in ((sup_row, 'Supervised'), (cmpl_row, 'CMPL')):
        assert row.startswith(f'| {algorithm} |') and '| 2/2 |' in row, row
        # top-1 and mean-class as mean ± std, then per-seed values
        assert len(re.findall(r'\d+\.\d\d ± \d+\.\d\d', row)) == 2, row
        assert 's0: ' in row and 's1: ' in row, row
    assert '| 0/2 |' in rows['broken_r3d18q']
    assert '## Failed runs (2 of 6)' in md
    failed = md[md.index('## Failed runs'):md.index('## Plots')]
    assert '### `broken_r3d18q` seed 1: FAILED (exit status 2)' in failed
    assert 'NoSuchRecognizer' in failed  # the tail of its log
    # the exact commands, and the options the supervised runs did without
    assert 'tools/train.py configs/cmpl_r3d18q_synthetic.py --work-dir' in md
    assert re.search(r'- `supervised_r3d18q_synthetic`: .*'
                     r'train_dataloader\.dataset\.unlabeled\.ann_file', md)
    for name in ('val_top1.png', 'pseudo_labels.png'):
        assert_png(osp.join(out, name))
    # the paired gap of CMPL over supervised, both seeds; none for the
    # config whose runs all failed
    gaps = md[md.index('## Gaps between algorithms'):]
    assert re.search(r'\| CMPL − Supervised \| `cmpl_r3d18q_synthetic` − '
                     r'`supervised_r3d18q_synthetic` \| 2 \| [+-]\d+\.\d\d'
                     r' \| s0: [+-]\d+\.\d\d, s1: [+-]', gaps), gaps
    assert re.search(r'`broken_r3d18q` − `cmpl_r3d18q_synthetic` \| 0 \| – '
                     r'.*n/a', gaps), gaps

    with open(osp.join(out, 'results.json')) as f:
        results = json.load(f)
    by_name = {a['name']: a for a in results['algorithms']}
    assert by_name['cmpl_r3d18q_synthetic']['algorithm'] == 'CMPL'
    for name in ('supervised_r3d18q_synthetic', 'cmpl_r3d18q_synthetic'):
        entry = by_name[name]
        assert entry['n'] == 2 and entry['final_iter'] == [4]
        assert set(entry['acc/top1']['per_seed']) == {'0', '1'}
        assert entry['acc/top1']['std'] is not None
    runs = {(r['name'], r['seed']): r for r in results['runs']}
    # a config error: train.py exits with status 2 (user errors)
    assert runs[('broken_r3d18q', 1)]['returncode'] == 2
    assert 'NoSuchRecognizer' in runs[('broken_r3d18q', 1)]['log_tail']
    cmpl0 = runs[('cmpl_r3d18q_synthetic', 0)]
    assert cmpl0['val_iter_source'] == 'step'
    assert [v['iter'] for v in cmpl0['val']] == [2, 4]
    assert [p['iter'] for p in cmpl0['pseudo']] == [1, 2, 3, 4]
    assert set(cmpl0['pseudo'][0]) >= {'primary', 'auxiliary'}
    # chance from the runs' options (4 classes), not the configs' 8
    for record in runs.values():
        if record['ok']:
            assert record['num_classes'] == 4, record['name']
            assert record['chance_top1'] == 0.25
            assert record['learned'] == (
                record['final_val']['acc/top1'] >= 0.5)
        else:
            assert record['learned'] is None
    assert proc.stderr.count(' did not learn: ') == sum(
        r['learned'] is False for r in runs.values())
    sup0 = runs[('supervised_r3d18q_synthetic', 0)]
    assert not any('unlabeled' in o for o in sup0['command'])
    assert '--seed' in sup0['command'] and 'train_cfg.max_iters=4' in \
        sup0['command']


def test_compare_leaves_out_options_for_switched_off_parts():
    """A supervised config alone drops the unlabeled-data options (its
    ``unlabeled`` is None) but keeps a misspelt key, which then fails."""
    compare = load_tool('compare_algorithms')
    args = compare.parse_args([
        '--configs', osp.join(REPO_ROOT, SUPERVISED), '--cfg-options',
        'train_dataloader.dataset.unlabeled.ann_file=u.txt',
        'train_dataloader.dataset.labeled.ann_file=l.txt',
        'model.auxiliary.cls_head.num_classes=4'
    ])
    options = common_options(args.cfg_options, args.max_iters)
    kept, dropped = options_per_config(args.configs, options,
                                       args.filter_options)[args.configs[0]]
    assert dropped == ['train_dataloader.dataset.unlabeled.ann_file=u.txt']
    assert 'train_dataloader.dataset.labeled.ann_file=l.txt' in kept
    assert 'model.auxiliary.cls_head.num_classes=4' in kept


def test_compare_pairwise_gaps():
    """A pair is separated only with 2+ seeds, one sign on every seed and a
    gap larger than both algorithms' spreads."""

    def entry(name, per_seed):
        values = [v for v in per_seed.values() if v is not None]
        mean, std = stats.mean_std(values)
        return dict(name=name, algorithm=name.title(),
                    **{'acc/top1': dict(mean=mean, std=std,
                                        n=len(values), per_seed=per_seed)})

    summary = {
        'a': entry('sup', {'0': 0.60, '1': 0.62, '2': 0.61}),
        'b': entry('fixmatch', {'0': 0.70, '1': 0.71, '2': 0.69}),
        'c': entry('cmpl', {'0': 0.75, '1': 0.68, '2': 0.72}),
        'd': entry('one', {'0': 0.9}),
    }
    gaps = {g['label']: g for g in stats.pairwise_gaps(summary)}
    fix_sup = gaps['Fixmatch − Sup']
    assert fix_sup['verdict'] == 'yes' and fix_sup['separated']
    assert fix_sup['gap'] == pytest.approx(0.09)
    assert fix_sup['per_seed']['1'] == pytest.approx(0.09)
    assert fix_sup['spread'] == pytest.approx(0.01)
    # diffs 0.10, 0.09, 0.08: std 0.01, so (2 * 0.01 / 0.09)^2 < 2
    assert fix_sup['seeds_needed'] == 2
    # cmpl - fixmatch: +0.05, -0.03, +0.03
    assert gaps['Cmpl − Fixmatch']['verdict'].startswith('no (the sign')
    assert gaps['Cmpl − Sup']['verdict'] == 'yes'
    assert gaps['One − Sup']['verdict'].startswith('n/a')
    assert gaps['One − Sup']['seeds'] == [0]
    # same sign everywhere but the gap is inside a spread of 3.5 points
    summary['c'] = entry('cmpl', {'0': 0.74, '1': 0.71, '2': 0.72})
    summary['b'] = entry('fixmatch', {'0': 0.73, '1': 0.66, '2': 0.70})
    gaps = {g['label']: g for g in stats.pairwise_gaps(summary)}
    assert gaps['Cmpl − Fixmatch']['verdict'] == 'no (gap within the spread)'
    # diffs 0.01, 0.05, 0.02: (2 * 0.0208 / 0.0267)^2 = 2.4
    assert gaps['Cmpl − Fixmatch']['seeds_needed'] == 3
    assert not gaps['Cmpl − Fixmatch']['separated']
    # two configs of one algorithm (an ablation) are named by config
    summary['e'] = dict(entry('cmpl-aux-half', {'0': 0.7, '1': 0.7}),
                        algorithm='Cmpl')
    labels = [g['label'] for g in stats.pairwise_gaps(summary)]
    assert 'cmpl-aux-half − cmpl' in labels and 'cmpl − Sup' in labels
    assert 'Fixmatch − Sup' in labels


def fake_comparison(tmp_path, monkeypatch, top1, extra=()):
    """compare_algorithms.main on a 4-class config (chance 25 %) whose
    runs are not trained: each "finishes" with ``top1[seed]``.

    Returns:
        tuple: The exit status, stderr, results.md and results.json.
    """
    from cmpl_mm.analysis import comparison

    tmp_path.mkdir(exist_ok=True)
    config = tmp_path / 'tiny_cfg.py'
    config.write_text("model = dict(type='SupervisedRecognizer', primary="
                      "dict(cls_head=dict(num_classes=8)))\n")

    def fake_run_all(runs, *args, **kwargs):
        for run in runs:
            os.makedirs(osp.join(run.work_dir, '20240101_000000',
                                 'vis_data'))
            with open(osp.join(run.work_dir, '20240101_000000', 'vis_data',
                               'scalars.json'), 'w') as f:
                f.write(json.dumps({'acc/top1': top1[run.seed],
                                    'acc/mean1': top1[run.seed],
                                    'step': 4}) + '\n')
            run.returncode, run.duration = 0, 0.0
            run.collect()

    monkeypatch.setattr(comparison, 'run_all', fake_run_all)
    compare = load_tool('compare_algorithms')
    out = tmp_path / 'out'
    # the class count comes from the run's options (4), not the config (8)
    rc = compare.main([
        '--configs', str(config), '--seeds'] + [str(s) for s in top1] + [
        '--work-dir', str(out), '--cfg-options',
        'model.primary.cls_head.num_classes=4'] + list(extra))
    return (rc, (out / 'results.md').read_text(),
            json.loads((out / 'results.json').read_text()))


def test_compare_flags_a_run_at_chance(tmp_path, monkeypatch, capsys):
    """A run whose final top-1 is below 2 x chance is warned about, listed
    and marked, and makes the exit status 1 unless --allow-chance."""
    rc, md, results = fake_comparison(tmp_path, monkeypatch,
                                      {0: 0.25, 1: 0.75})
    assert rc == 1
    warnings = [line for line in capsys.readouterr().err.splitlines()
                if line.startswith('warning: ')]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(
        'warning: tiny_cfg seed 0 did not learn: final top-1 25.00% < 2 x '
        'chance (25.00%, 4 classes)')
    assert '## Runs that did not learn: final top-1 below 2 × chance ' \
        '(1 of 2)' in md
    assert '| `tiny_cfg` | 0 | 25.00 | 25.00 | 4 |' in md
    assert 's0: 25.00 (did not learn), s1: 75.00 |' in md
    assert results['learned_factor'] == 2.0
    runs = {r['seed']: r for r in results['runs']}
    assert runs[0]['learned'] is False and runs[1]['learned'] is True
    assert runs[0]['chance_top1'] == 0.25 and runs[0]['num_classes'] == 4

    rc, md, results = fake_comparison(tmp_path / 'allow', monkeypatch,
                                      {0: 0.25, 1: 0.75}, ['--allow-chance'])
    assert rc == 0  # still reported
    assert 'warning: tiny_cfg seed 0 did not learn' in capsys.readouterr().err
    assert '| `tiny_cfg` | 0 | 25.00 | 25.00 | 4 |' in md


def test_compare_does_not_flag_runs_above_the_factor(tmp_path, monkeypatch,
                                                     capsys):
    rc, md, results = fake_comparison(tmp_path, monkeypatch,
                                      {0: 0.5, 1: 0.75})
    assert rc == 0
    assert 'did not learn' not in capsys.readouterr().err
    assert '## Runs that did not learn' not in md
    assert 'All 2 finished runs learned' in md
    assert [r['learned'] for r in results['runs']] == [True, True]
    # --learned-factor 2.5: 50 % is below 62.5 %
    rc, md, results = fake_comparison(tmp_path / 'strict', monkeypatch,
                                      {0: 0.5, 1: 0.75},
                                      ['--learned-factor', '2.5'])
    assert rc == 1
    assert [r['learned'] for r in results['runs']] == [False, True]
    assert 'warning: tiny_cfg seed 0 did not learn' in capsys.readouterr().err


def write_results(path, runs, labels):
    """A minimal compare_algorithms results.json: (name, seed, top1, opts)."""
    records = [
        dict(config=f'configs/{name}.py', name=name, seed=seed,
             ok=top1 is not None,
             final_val=None if top1 is None else {
                 'iter': 8, 'acc/top1': top1, 'acc/mean1': top1},
             command=['python', 'tools/train.py', f'configs/{name}.py',
                      '--work-dir', f'w/{name}/seed{seed}', '--seed',
                      str(seed), '--cfg-options'] + opts,
             command_line='...') for name, seed, top1, opts in runs
    ]
    for record in records:  # the curves compare_algorithms records
        if record['ok']:
            top1 = record['final_val']['acc/top1']
            record['val'] = [dict(iter=4, **{'acc/top1': top1 - 0.1}),
                             record['final_val']]
            if record['name'] != 'sup':
                record['pseudo'] = [
                    dict(iter=i, primary=dict(mask_ratio=0.1 * i,
                                              precision=0.5))
                    for i in (2, 4, 6, 8)]
    path.write_text(json.dumps(dict(
        runs=records,
        algorithms=[dict(name=n, algorithm=a) for n, a in labels.items()])))
    return str(path)


def test_merge_comparisons(tmp_path):
    """Seeds from several reports make one table; runs of one config with
    other options are refused unless allowed; a failed run is left out."""
    merge = load_tool('merge_comparisons')
    labels = dict(sup='Supervised', cmpl='CMPL')
    x, y = ['a=1'], ['a=2']
    first = write_results(tmp_path / 'a.json', [
        ('sup', 0, 0.60, x), ('cmpl', 0, 0.70, x), ('sup', 1, 0.62, x),
        ('cmpl', 1, 0.73, x), ('cmpl', 2, None, x)], labels)
    second = write_results(tmp_path / 'b.json', [
        ('sup', 2, 0.61, x), ('cmpl', 2, 0.71, x)], labels)
    out = tmp_path / 'merged'
    assert merge.main([first, second, '--out', str(out)]) == 0
    merged = json.loads((out / 'results.json').read_text())
    by_name = {a['name']: a for a in merged['algorithms']}
    assert by_name['cmpl']['n'] == 3 and by_name['sup']['n'] == 3
    assert by_name['cmpl']['acc/top1']['mean'] == pytest.approx(0.7133, 1e-3)
    (gap, ) = merged['gaps']
    assert gap['label'] == 'CMPL − Supervised' and gap['seeds'] == [0, 1, 2]
    assert gap['gap'] == pytest.approx(0.1033, 1e-3) and gap['separated']
    md = (out / 'results.md').read_text()
    assert '| CMPL | `cmpl` | 3 | 71.33 ± 1.53 |' in md
    assert 's0: 70.00, s1: 73.00, s2: 71.00' in md
    assert '| CMPL − Supervised | `cmpl` − `sup` | 3 | +10.33 |' in md
    assert md.rstrip().count('| yes | 2 |') == 1  # seeds for 2 SE
    # plots over all merged seeds, from the recorded curves
    assert merged['plots'] == {
        'val_top1': str(out / 'val_top1.png'),
        'pseudo_labels': str(out / 'pseudo_labels.png')}
    assert_png(out / 'val_top1.png')
    assert_png(out / 'pseudo_labels.png')
    assert '![val_top1](val_top1.png)' in md

    other = write_results(tmp_path / 'c.json', [('cmpl', 3, 0.5, y)], labels)
    with pytest.raises(SystemExit, match=r'different --cfg-options:\n  cmpl'):
        merge.main([first, other, '--out', str(out)])
    assert merge.main(
        [first, other, '--out', str(out), '--allow-different-options']) == 0
    assert '`cmpl`: `a=2` in seed 3' in (out / 'results.md').read_text()
    clash = write_results(tmp_path / 'd.json', [('sup', 0, 0.5, x)], labels)
    with pytest.raises(SystemExit, match='sup seed 0 has different results'):
        merge.main([first, clash, '--out', str(out)])


def test_compare_skip_existing(comparison, tiny_dataset):
    """Finished runs are reused, not trained again."""
    compare = load_tool('compare_algorithms')
    out = comparison['out']
    rc = compare.main([
        '--configs',
        osp.join(REPO_ROOT, SUPERVISED),
        osp.join(REPO_ROOT, CMPL), '--seeds', '0', '1', '--max-iters',
        '4', '--work-dir', out, '--skip-existing',
        '--allow-chance'  # 4 iterations may end at chance; not tested here
    ] + compare_options(tiny_dataset))
    assert rc == 0
    with open(osp.join(out, 'results.json')) as f:
        results = json.load(f)
    assert all(r['reused'] and r['ok'] for r in results['runs'])
    assert len(results['runs']) == 4


def test_compare_resume(tiny_dataset, tmp_path):
    """--resume continues an interrupted run from its last checkpoint; the
    log keeps both segments and the report marks the run as resumed."""
    compare = load_tool('compare_algorithms')
    options = dict(tiny_data_options(tiny_dataset, cmpl=False), **FAST)
    options['default_hooks.checkpoint.interval'] = 2
    argv = [
        '--configs',
        osp.join(REPO_ROOT, SUPERVISED), '--seeds', '0', '--max-iters', '4',
        '--work-dir',
        str(tmp_path), '--allow-chance', '--cfg-options'
    ] + [f'{k}={v}' for k, v in options.items()]
    assert compare.main(argv) == 0
    run_dir = tmp_path / 'supervised_r3d18q_synthetic' / 'seed0'
    # as if the run had been killed after the checkpoint of iteration 2
    os.remove(run_dir / 'iter_4.pth')
    (run_dir / 'last_checkpoint').write_text(str(run_dir / 'iter_2.pth'))
    info = json.loads((run_dir / 'run_info.json').read_text())
    info['returncode'] = None
    (run_dir / 'run_info.json').write_text(json.dumps(info))

    assert compare.main(['--resume'] + argv) == 0
    log = (run_dir / 'train.log').read_text()
    commands = [line for line in log.splitlines() if line.startswith('$ ')]
    assert len(commands) == 2 and commands[1].endswith(' --resume'), commands
    assert 'resumed' in log.split(commands[1])[1].lower()
    assert (run_dir / 'iter_4.pth').is_file()
    results = json.loads((tmp_path / 'results.json').read_text())
    run = results['runs'][0]
    assert run['ok'] and run['resumed'] and not run['reused']
    assert [v['iter'] for v in run['val']] == [2, 4]
    assert '| 0 | ok (resumed) |' in (tmp_path / 'results.md').read_text()
    # finished now: a third call reuses it
    assert compare.main(['--resume'] + argv) == 0
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['runs'][0]['reused']


@pytest.mark.slow
def test_plot_run(comparison, tmp_path):
    plot_run = load_tool('plot_run')
    cmpl_dir = osp.join(comparison['out'], 'cmpl_r3d18q_synthetic', 'seed0')
    assert plot_run.main([cmpl_dir, '--out', str(tmp_path / 'cmpl')]) == 0
    for name in ('val_accuracy.png', 'train_losses.png', 'pseudo_labels.png'):
        assert_png(str(tmp_path / 'cmpl' / name))
    # a supervised run has no pseudo-labels: no such plot, no error
    sup_dir = osp.join(comparison['out'], 'supervised_r3d18q_synthetic',
                       'seed1')
    assert plot_run.main([sup_dir, '--out', str(tmp_path / 'sup')]) == 0
    assert_png(str(tmp_path / 'sup' / 'val_accuracy.png'))
    assert not osp.exists(tmp_path / 'sup' / 'pseudo_labels.png')
    assert plot_run.main([str(tmp_path / 'nowhere')]) == 2


def write_run(work_dir, segments, max_iters, val_interval, pseudo=None):
    """A fake work dir: one scalars.json per segment, a dumped config."""
    for i, lines in enumerate(segments):
        vis = osp.join(work_dir, f'2024010{i + 1}_000000', 'vis_data')
        os.makedirs(vis)
        with open(osp.join(vis, 'scalars.json'), 'w') as f:
            f.write('\n'.join(json.dumps(x) for x in lines) + '\n')
        with open(osp.join(vis, 'config.py'), 'w') as f:
            f.write(f'train_cfg = dict(type="IterBasedTrainLoop", '
                    f'max_iters={max_iters}, val_interval={val_interval})\n')
    if pseudo:
        with open(osp.join(work_dir, 'pseudo_label_stats.jsonl'), 'w') as f:
            f.write('\n'.join(json.dumps(x) for x in pseudo) + '\n{"cut')


@pytest.mark.slow
def test_run_logs_val_iterations(tmp_path):
    """Validation ``step`` 0 (log_metric_by_epoch): iterations recovered
    from the schedule, across a resume."""

    def train(i):
        return {'iter': i, 'step': i, 'loss': 1. / i}

    def val(acc):
        return {'acc/top1': acc, 'acc/mean1': acc / 2, 'time': .1, 'step': 0}

    # logger every 3 iterations, validation every 2, 8 iterations; killed
    # after iteration 6 and resumed from the checkpoint of iteration 4
    other = {'some_hook/count': 3, 'step': 5}  # not a validation
    first = [val(.1), train(3), val(.2), other, train(6), val(.3)]
    second = [train(6), val(.35), val(.4)]  # iterations 5..8
    work_dir = str(tmp_path / 'run')
    write_run(work_dir, [first, second], max_iters=8, val_interval=2,
              pseudo=[{'iter': 3, 'primary': {'mask_ratio': .5,
                                              'precision': None}}])
    run = run_logs.load_run(work_dir)
    assert run.val_iter_source == 'schedule'
    assert [(v['iter'], v['acc/top1']) for v in run.val] == \
        [(2, .1), (4, .2), (6, .35), (8, .4)]
    assert run.final_val()['acc/mean1'] == .2
    assert [r['iter'] for r in run.train] == [3, 6]
    xs, ys = run.pseudo_series('primary', 'precision')
    assert xs == [3] and ys[0] != ys[0]  # None -> NaN; cut line skipped

    # with log_metric_by_epoch=False the step is the iteration
    work_dir = str(tmp_path / 'run_steps')
    write_run(work_dir, [[train(1), dict(val(.5), step=1)]], max_iters=1,
              val_interval=5)
    run = run_logs.load_run(work_dir)
    assert run.val_iter_source == 'step' and run.val[0]['iter'] == 1

    agg = stats.aggregate([([1, 2], [.2, .4]),
                           ([1, 2], [.4, float('nan')])])
    assert agg['iter'] == [1, 2] and agg['n'] == [2, 1]
    assert agg['mean'] == pytest.approx([.3, .4])
    assert agg['min'] == [.2, .4] and agg['max'] == [.4, .4]


@pytest.mark.slow
def test_benchmark_train_step(tmp_path):
    out_json = str(tmp_path / 'bench.json')
    proc = run_tool([
        'tools/analysis/benchmark_train_step.py', '--iters', '2', '--warmup',
        '1', '--batch', '1', '--complexity', '--out-json', out_json
    ])
    log = proc.stdout[-4000:] + proc.stderr[-4000:]
    # 1 = a target missed (timings on a shared CPU); anything else is a bug
    assert proc.returncode in (0, 1), log
    assert 'Traceback' not in proc.stderr, log
    assert re.search(r'time\(b\)/time\(a\) = \d+\.\d+ +target <= 1\.05 +'
                     r'(PASS|FAIL)', proc.stdout), log
    assert re.search(r'time\(c\)/time\(b\) = \d+\.\d+ +target <= 1\.15 +'
                     r'(PASS|FAIL)', proc.stdout), log
    assert '1 labeled + mu*B=1 unlabeled clips x 2 views = 3 clips' in \
        proc.stdout, log
    with open(out_json) as f:
        result = json.load(f)
    assert result['clips_per_iter'] == 3  # 1 + 2 * mu * 1 with mu = 1
    variants = result['variants']
    assert set(variants) == {'a', 'b', 'c'}
    for key in 'abc':
        assert len(variants[key]['ms_all']) == 2
        assert variants[key]['memory_bytes'] > 0, variants[key]['memory']
        assert variants[key]['clips_per_s'] == pytest.approx(
            3e3 / variants[key]['ms_median'])
    assert result['amp'] is False and result['amp_dtype'] is None
    assert result['gpu'] is None and result['date']
    complexity = result['complexity']
    assert set(complexity) == {'primary', 'auxiliary'}
    assert complexity['primary']['mac_share'] == 1.0
    # the demo auxiliary is the primary's architecture at 1/4 width
    assert complexity['auxiliary']['conv3d'] == \
        complexity['primary']['conv3d'] > 0
    assert 0 < complexity['auxiliary']['mac_share'] < \
        complexity['auxiliary']['activation_share'] < 1
    # same primary; CMPL adds the auxiliary
    assert variants['a']['params'] == variants['b']['params'] < \
        variants['c']['params']
    assert (proc.returncode == 0) == all(result['passed'].values())


def test_synthetic_factor_metric():
    """Shape / motion accuracy split a top-1 error into its two causes."""
    import torch

    from cmpl_mm.evaluation import SyntheticFactorAccMetric

    # 8 classes: label = 4 * shape + motion, shapes (square, cross),
    # motions (right, left, up, down)
    metric = SyntheticFactorAccMetric(num_classes=8)
    cases = [
        (0, 0),  # right
        (0, 4),  # right motion, wrong shape
        (1, 0),  # right shape, left instead of right: same axis
        (2, 7),  # up -> cross down: shape and direction wrong, axis right
        (3, 0),  # down -> right: only the shape right
    ]
    samples = []
    for truth, pred in cases:
        score = torch.zeros(8)
        score[pred] = 1.0
        samples.append(dict(pred_score=score, gt_label=torch.tensor(truth)))
    metric.process(None, samples)
    out = metric.evaluate(len(cases))
    assert out['factor/top1'] == pytest.approx(1 / 5)
    assert out['factor/shape_acc'] == pytest.approx(3 / 5)
    assert out['factor/motion_acc'] == pytest.approx(2 / 5)
    assert out['factor/motion_axis_acc'] == pytest.approx(4 / 5)
    confusion = out['factor/confusion']
    assert confusion[0][4] == 1 and confusion[2][7] == 1
    assert sum(map(sum, confusion)) == 5

    wrong = SyntheticFactorAccMetric(num_classes=4)
    with pytest.raises(ValueError, match='num_classes=4.*8 classes'):
        wrong.process(None, samples[:1])

    # the auxiliary's scores, read from their own field and prefix
    aux = SyntheticFactorAccMetric(
        num_classes=8, score_key='aux_pred_score', prefix='aux_factor')
    with pytest.raises(KeyError, match='aux_pred_score.*evaluate_auxiliary'):
        aux.process(None, samples[:1])
    truth_scores = [torch.eye(8)[truth] for truth, _ in cases]
    aux.process(None, [
        dict(sample, aux_pred_score=score)
        for sample, score in zip(samples, truth_scores)
    ])
    aux_out = aux.evaluate(len(cases))
    assert aux_out['aux_factor/top1'] == 1.0
    assert aux_out['aux_factor/shape_acc'] == 1.0

    # confidence: one-hot scores are sure of everything
    assert out['factor/confident_ratio'] == 1.0
    assert out['factor/confident_top1'] == pytest.approx(1 / 5)
    assert out['factor/motion_mass'] == out['factor/shape_share'] == 1.0
    # a network sure of the motion, split between the two shapes, is
    # confident only where the split leans past the threshold
    split = SyntheticFactorAccMetric(num_classes=8, threshold=0.8)
    leans = [(0, 0.5), (4, 0.6), (1, 0.85)]  # (true label, p(square))
    split_samples = []
    for truth, p_square in leans:
        motion = truth % 4
        score = torch.zeros(8)
        score[motion], score[4 + motion] = p_square, 1 - p_square
        split_samples.append(
            dict(pred_score=score, gt_label=torch.tensor(truth)))
    split.process(None, split_samples)
    out = split.evaluate(len(leans))
    assert out['factor/motion_acc'] == 1.0
    assert out['factor/confident_ratio'] == pytest.approx(1 / 3)
    assert out['factor/confident_top1'] == 1.0  # square, p 0.85
    assert out['factor/motion_mass'] == pytest.approx(1.0)
    assert out['factor/shape_share'] == pytest.approx((0.5 + 0.6 + 0.85) / 3)
    # logits are not probabilities: no confidence metrics
    logits = SyntheticFactorAccMetric(num_classes=8)
    logits.process(None, [dict(pred_score=torch.arange(8.) - 2,
                               gt_label=torch.tensor(7))])
    out = logits.evaluate(1)
    assert out['factor/top1'] == 1.0 and 'factor/confident_ratio' not in out


def test_factor_accuracy_tool(comparison, tmp_path):
    """Evaluates each run's last checkpoint; the primary's top-1 matches the
    run's own last validation; CMPL's auxiliary gets rows of its own; runs
    without a checkpoint are reported."""
    factor = load_tool('factor_accuracy')
    runs = [
        osp.join(comparison['out'], name, f'seed{seed}')
        for name in ('supervised_r3d18q_synthetic', 'cmpl_r3d18q_synthetic')
        for seed in (0, 1)
    ]
    out = tmp_path / 'factor.json'
    missing = str(tmp_path / 'no_run')
    assert factor.main(runs + [missing, '--out', str(out)]) == 0
    with open(out) as f:
        result = json.load(f)
    with open(osp.join(comparison['out'], 'results.json')) as f:
        compared = {(r['name'], r['seed']): r
                    for r in json.load(f)['runs']}
    networks = sorted((osp.basename(osp.dirname(r['work_dir'])),
                       r['network']) for r in result['runs'])
    assert networks == sorted(
        [('supervised_r3d18q_synthetic', 'primary')] * 2 +
        [('cmpl_r3d18q_synthetic', 'primary')] * 2 +
        [('cmpl_r3d18q_synthetic', 'auxiliary')] * 2)
    for row in result['runs']:
        name = osp.basename(osp.dirname(row['work_dir']))
        seed = int(osp.basename(row['work_dir'])[len('seed'):])
        assert row['config'] == f'results/{name}'  # <comparison>/<config>
        if row['network'] == 'primary':
            last_val = compared[(name, seed)]['val'][-1]
            assert row['top1'] == pytest.approx(last_val['acc/top1'])
        assert row['top1'] <= min(row['shape_acc'], row['motion_acc'])
        # the heads give probabilities: how sure each network is
        assert 0 <= row['confident_ratio'] <= 1 and \
            0 < row['motion_mass'] <= 1 + 1e-6
        # top probability >= half of its motion's two shapes
        assert 0.5 - 1e-6 <= row['shape_share'] <= 1 + 1e-6
    assert result['threshold'] == 0.8
    assert set(result['summary']) == {
        'results/supervised_r3d18q_synthetic', 'results/cmpl_r3d18q_synthetic'
    }
    cmpl = result['summary']['results/cmpl_r3d18q_synthetic']
    assert set(cmpl) == {'primary', 'auxiliary'}
    assert cmpl['auxiliary']['top1']['std'] is not None
    assert result['skipped'] == [
        dict(work_dir=missing, reason='no dumped config')
    ]
    # seeds of one config from several comparisons, averaged together
    assert factor.run_name('w/cmp_a/cmpl/seed3', 'config') == 'cmpl'
    assert factor.run_name('w/cmp_a/cmpl/seed3') == 'cmp_a/cmpl'
    assert factor.run_name('w/one_run') == 'one_run'


def test_factor_accuracy_cfg_options(comparison, monkeypatch):
    """--cfg-options reach the config every checkpoint is scored with."""
    factor = load_tool('factor_accuracy')
    seen = []

    def fake_validate(cfg, checkpoint, evaluator):
        seen.append((cfg.val_dataloader.dataset.ann_file, checkpoint))
        return {'factor/' + k: 0.5 for k in factor.FACTORS}

    monkeypatch.setattr(factor, 'validate_checkpoint', fake_validate)
    run = osp.join(comparison['out'], 'supervised_r3d18q_synthetic', 'seed0')
    assert factor.main([
        run, '--cfg-options', 'val_dataloader.dataset.ann_file=big/val.txt'
    ]) == 0
    assert seen == [('big/val.txt', osp.join(run, 'iter_4.pth'))]


def test_recompute_bn_stats(tiny_dataset, tmp_path, capsys):
    """Every training batch-norm layer of both CMPL networks gets fresh
    statistics from the labeled clips; the weights stay as they were."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmaction.registry import MODELS

    tool = load_tool('recompute_bn_stats')
    data = tiny_data_options(tiny_dataset, cmpl=True)
    options = [f'{k}={v}' for k, v in dict(data, **FAST).items()]
    config = osp.join(REPO_ROOT, CMPL)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(data)
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model)
    bn_keys = ('primary.backbone.conv1.bn.running_mean',
               'auxiliary.backbone.conv1.bn.running_mean')
    state = model.state_dict()
    for key in bn_keys:
        state[key].fill_(100.0)  # statistics far from any real clip's
    before = str(tmp_path / 'before.pth')
    torch.save(dict(state_dict=state, meta=dict()), before)
    after = str(tmp_path / 'after.pth')
    assert tool.main([config, before, '--out', after, '--epochs', '1',
                      '--batch-size', '4', '--cfg-options'] + options) == 0
    new = torch.load(after, map_location='cpu')['state_dict']
    for key in bn_keys:
        assert torch.isfinite(new[key]).all()
        assert new[key].abs().max() < 10, key
        assert int(new[key.replace('running_mean',
                                   'num_batches_tracked')]) == 2  # 8 clips
    conv = 'primary.backbone.conv1.conv.weight'
    assert torch.equal(new[conv], state[conv])
    printed = capsys.readouterr().out
    assert 'on 8 clips x 1 pass(es)' in printed
    assert re.search(r'\| acc/top1 \| [\d.]+ \| [\d.]+ \|', printed)


@pytest.mark.slow
def test_threshold_curves_beside_mask_ratio_and_precision(tmp_path,
                                                          monkeypatch):
    """Adaptive rules' thresholds are read from the jsonl (and, without
    it, from the ``pseudo/...`` scalars) and get a panel of their own in
    the pseudo-label plot; runs without them keep the two usual panels."""
    pseudo = [{'iter': i, 'primary': {
        'mask_ratio': .5, 'precision': .8, 'threshold': [.1, .3],
        'threshold_mean': .2 * i, 'threshold_min': .1, 'threshold_max': .3}}
        for i in (1, 2)]
    work_dir = str(tmp_path / 'flex')
    write_run(work_dir, [[{'iter': 1, 'step': 1, 'loss': 1.}]], max_iters=2,
              val_interval=2, pseudo=pseudo)
    run = run_logs.load_run(work_dir)
    assert run.pseudo_series('primary', 'threshold_mean') == ([1, 2],
                                                              [.2, .4])
    scalars = run_logs._pseudo_from_scalars([{
        'step': 5, 'pseudo/auxiliary_threshold_mean': .7,
        'pseudo/auxiliary_mask_ratio': .25}])
    assert scalars[5]['auxiliary'] == {'threshold_mean': .7,
                                       'mask_ratio': .25}
    panels = []
    real = plots._finish
    monkeypatch.setattr(plots, '_finish', lambda fig, axes, *a, **k: (
        panels.append([ax.get_ylabel() for ax in axes]),
        real(fig, axes, *a, **k))[1])
    path = str(tmp_path / 'pseudo.png')
    fixed = run_logs.RunLog.from_curves([], [{'iter': 1, 'primary': {
        'mask_ratio': .5, 'precision': .9}}])
    plots.plot_pseudo_curves({'flexmatch': [run], 'fixmatch': [fixed]},
                             path, keys=plots.PSEUDO_PLOT_KEYS)
    plots.plot_pseudo_curves({'fixmatch': [fixed]}, path,
                             keys=plots.PSEUDO_PLOT_KEYS)
    assert panels == [['mask ratio', 'precision', 'threshold mean'],
                      ['mask ratio', 'precision']]
    assert_png(path)


@pytest.mark.slow
def test_benchmark_pseudo_label_rules_runs(tmp_path):
    """The rules' speed benchmark runs and reports every rule and the
    FlexMatch memory check (its figures are read by people, not here)."""
    proc = run_tool([
        'tools/analysis/benchmark_pseudo_label_rules.py', '--steps', '1',
        '--warmup', '0', '--rule-calls', '3', '--memory-sizes', '64'
    ])
    log = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode in (0, 1), log  # 1 = a target missed
    assert 'Traceback' not in proc.stderr, log
    for name in ('FlexMatchThreshold', 'FreeMatchThreshold',
                 'SoftMatchWeight', 'DistributionAlignment'):
        assert re.search(rf'{name} +\d+\.\d+ us', proc.stdout), log
    assert '64 clips:' in proc.stdout and 'updated in place' in proc.stdout
