"""Tests for the labeled/unlabeled split builder (and the CLI script)."""
import importlib.util
import json
import os.path as osp
import random
import subprocess
import sys

import pytest

from cmpl_mm.datasets import semi_split as ss

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CLI = osp.join(REPO, 'tools', 'data', 'build_semi_split.py')

# class label -> number of videos
SIZES = {0: 10, 1: 25, 2: 3, 3: 1, 4: 40}


def _lines(sizes=SIZES, rawframes=False):
    lines = []
    for label, n in sizes.items():
        for i in range(n):
            if rawframes:
                lines.append(f'cls{label}/vid_{i:03d} {100 + i} {label}')
            else:
                lines.append(f'cls{label}/vid_{i:03d}.mp4 {label}')
    return lines


def _write(path, lines):
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write('\n'.join(lines) + '\n')
    return str(path)


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def _read_list(path):
    with open(path, encoding='utf-8') as f:
        return [line.rstrip('\n') for line in f]


def _counts(lines):
    counts = {}
    for line in lines:
        label = int(line.split()[-1])
        counts[label] = counts.get(label, 0) + 1
    return counts


def _build(tmp_path, lines, out='out', name='train.txt', **kwargs):
    ann = _write(tmp_path / name, lines)
    out_dir = str(tmp_path / out)
    kwargs.setdefault('seed', 0)
    summary = ss.build_semi_split(ann, out_dir, **kwargs)
    return (ann, out_dir, summary,
            _read_list(osp.join(out_dir, 'labeled.txt')),
            _read_list(osp.join(out_dir, 'unlabeled.txt')))


# ---------------------------------------------------------------- rules


def test_num_labeled_ratio_round_half_up_and_min_one():
    f = ss.num_labeled_for_class
    assert f(10, ratio=0.1) == 1
    assert f(25, ratio=0.1) == 3  # 2.5 -> 3 (banker's rounding gives 2)
    assert f(45, ratio=0.1) == 5  # 4.5 -> 5 (banker's rounding gives 4)
    assert f(24, ratio=0.1) == 2  # 2.4 -> 2
    assert f(100, ratio=0.145) == 15  # float 0.145*100 = 14.4999...
    assert f(100, ratio='0.015') == 2  # 1.5 -> 2
    assert f(149, ratio=0.01) == 1  # 1.49 -> 1
    assert f(150, ratio=0.01) == 2  # 1.5 -> 2
    assert f(3, ratio=0.01) == 1  # min 1
    assert f(1, ratio=0.01) == 1
    assert f(7, ratio=1) == 7
    assert f(0, ratio=0.5) == 0


def test_num_labeled_per_class():
    f = ss.num_labeled_for_class
    assert f(10, per_class=5) == 5
    assert f(3, per_class=5) == 3
    assert f(5, per_class=5) == 5
    assert f(1, per_class=1) == 1


# ---------------------------------------------------------------- balance


def test_ratio_counts_per_class(tmp_path):
    _, _, summary, lab, unl = _build(tmp_path, _lines(), ratio=0.1)
    # 10*0.1=1, 25*0.1=2.5->3, 3*0.1=0.3->min 1, 1->1, 40*0.1=4
    expected = {0: 1, 1: 3, 2: 1, 3: 1, 4: 4}
    assert _counts(lab) == expected
    assert _counts(unl) == {c: SIZES[c] - k for c, k in expected.items()
                            if SIZES[c] - k}
    assert summary['per_class_counts']['1'] == {
        'labeled': 3, 'unlabeled': 22, 'total': 25}
    assert summary['per_class_counts']['3'] == {
        'labeled': 1, 'unlabeled': 0, 'total': 1}


def test_per_class_counts(tmp_path):
    _, _, summary, lab, unl = _build(tmp_path, _lines(), per_class=5)
    assert _counts(lab) == {0: 5, 1: 5, 2: 3, 3: 1, 4: 5}
    assert _counts(unl) == {0: 5, 1: 20, 4: 35}
    assert summary['totals'] == {'videos': 79, 'labeled': 19,
                                 'unlabeled': 60}


def test_disjoint_and_union_is_input(tmp_path):
    lines = _lines()
    _, _, summary, lab, unl = _build(tmp_path, lines, ratio=0.2, seed=3)
    assert not set(lab) & set(unl)
    assert sorted(lab + unl) == sorted(lines)
    assert len(lab) + len(unl) == len(lines)
    assert summary['unlabeled_includes_labeled'] is False


def test_unlabeled_includes_labeled(tmp_path):
    lines = _lines()
    _, _, summary, lab, unl = _build(
        tmp_path, lines, ratio=0.2, seed=3, unlabeled_includes_labeled=True)
    assert sorted(unl) == sorted(lines)
    assert set(lab) <= set(unl)
    assert _counts(lab) == {0: 2, 1: 5, 2: 1, 3: 1, 4: 8}
    assert summary['unlabeled_includes_labeled'] is True
    assert summary['totals']['unlabeled'] == len(lines)
    assert 'all videos' in summary['description']
    # same labeled set as the disjoint split with the same seed
    *_, lab2, _ = _build(tmp_path, lines, out='o2', ratio=0.2, seed=3)
    assert lab2 == lab


def test_rawframe_list_keeps_total_frames(tmp_path):
    lines = _lines(rawframes=True)
    _, _, summary, lab, unl = _build(tmp_path, lines, per_class=2)
    assert sorted(lab + unl) == sorted(lines)
    assert all(len(line.split()) == 3 for line in lab)
    assert summary['source_format'] == 'mmaction2_rawframes'


def test_follows_documented_algorithm(tmp_path):
    """Pins the rule: sort by path, Random(f'{seed}-{label}'), first k."""
    lines = _lines()
    random.Random(5).shuffle(lines)
    *_, lab, _ = _build(tmp_path, lines, per_class=4, seed=7)
    expected = []
    for label in sorted(SIZES):
        items = sorted(x for x in lines if int(x.split()[-1]) == label)
        random.Random(f'7-{label}').shuffle(items)
        expected.extend(sorted(items[:4]))
    assert lab == expected


# ---------------------------------------------------------- determinism


def test_same_seed_byte_identical(tmp_path):
    ann = _write(tmp_path / 'train.txt', _lines())
    for out in ('a', 'b'):
        ss.build_semi_split(ann, str(tmp_path / out), seed=11, ratio=0.3)
    for name in ('labeled.txt', 'unlabeled.txt', 'split_summary.json'):
        assert _read(tmp_path / 'a' / name) == _read(tmp_path / 'b' / name)


def test_input_order_does_not_matter(tmp_path):
    lines = _lines()
    shuffled = list(lines)
    random.Random(123).shuffle(shuffled)
    assert shuffled != lines
    _, out_a, sum_a, *_ = _build(tmp_path, lines, out='a', name='a.txt',
                                 seed=2, ratio=0.3)
    _, out_b, sum_b, *_ = _build(tmp_path, shuffled, out='b', name='b.txt',
                                 seed=2, ratio=0.3)
    for name in ('labeled.txt', 'unlabeled.txt'):
        assert _read(osp.join(out_a, name)) == _read(osp.join(out_b, name))
    for key in ('source', 'source_sha256'):
        sum_a.pop(key), sum_b.pop(key)
    assert sum_a == sum_b


def test_different_seed_different_labeled(tmp_path):
    lines = _lines()
    *_, lab0, _ = _build(tmp_path, lines, out='s0', seed=0, per_class=3)
    *_, lab1, _ = _build(tmp_path, lines, out='s1', seed=1, per_class=3)
    assert lab0 != lab1
    assert _counts(lab0) == _counts(lab1)


# ---------------------------------------------------------------- UCF101

CLASSIND = ['1 ApplyEyeMakeup', '2 ApplyLipstick', '3 Archery']


def _ucf_names():
    return {'ApplyEyeMakeup': 6, 'ApplyLipstick': 4, 'Archery': 2}


def test_ucf101_trainlist_one_based_to_zero_based(tmp_path):
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    lines = []
    for idx, (name, n) in enumerate(_ucf_names().items(), start=1):
        for g in range(n):
            lines.append(f'{name}/v_{name}_g{g + 8:02d}_c01.avi {idx}')
    lines.insert(3, '')  # blank lines are ignored
    _, _, summary, lab, unl = _build(
        tmp_path, lines, name='trainlist01.txt', per_class=2,
        classind_file=classind)
    all_out = lab + unl
    assert len(all_out) == 12
    for line in all_out:
        path, label = line.split()
        folder = path.split('/')[0]
        assert int(label) == ['ApplyEyeMakeup', 'ApplyLipstick',
                              'Archery'].index(folder)
    assert _counts(lab) == {0: 2, 1: 2, 2: 2}
    assert _counts(unl) == {0: 4, 1: 2}
    assert summary['num_classes'] == 3
    assert summary['per_class_counts']['2']['name'] == 'Archery'
    assert summary['source_format'] == 'ucf101'
    assert summary['description'].startswith('UCF101-style')


def test_ucf101_testlist_label_from_folder(tmp_path):
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    lines = [f'{name}/v_{name}_g{g + 1:02d}_c01.avi'
             for name, n in _ucf_names().items() for g in range(n)]
    _, _, summary, lab, unl = _build(
        tmp_path, lines, name='testlist01.txt', ratio=0.5,
        classind_file=classind)
    assert sorted(line.split()[0] for line in lab + unl) == sorted(lines)
    assert all(len(line.split()) == 2 for line in lab + unl)
    assert _counts(lab + unl) == {0: 6, 1: 4, 2: 2}
    assert _counts(lab) == {0: 3, 1: 2, 2: 1}


def test_ucf101_description_percent(tmp_path):
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    lines = [f'{name}/v_{name}_g{g + 1:02d}_c01.avi'
             for name, n in _ucf_names().items() for g in range(n)]
    _, _, summary, lab, _ = _build(tmp_path, lines, ratio=0.01,
                                   classind_file=classind)
    assert summary['description'].startswith(
        'UCF101-style: 1% of each class, rounded half up, min 1')
    assert _counts(lab) == {0: 1, 1: 1, 2: 1}


# ---------------------------------------------------------------- errors


def _expect_error(tmp_path, lines, match_line, name='bad_list.txt',
                  extra=(), **kwargs):
    ann = _write(tmp_path / name, lines)
    kwargs.setdefault('seed', 0)
    kwargs.setdefault('per_class', 1)
    # callers that guard against bad input with ``except ValueError`` catch it
    with pytest.raises(ValueError) as info:
        ss.build_semi_split(ann, str(tmp_path / 'out'), **kwargs)
    assert type(info.value) is ss.SplitError
    msg = str(info.value)
    assert name in msg
    assert f'line {match_line}' in msg
    for text in extra:
        assert text in msg
    assert not osp.exists(tmp_path / 'out')  # nothing written
    return msg


def test_error_missing_file(tmp_path):
    missing = str(tmp_path / 'nope.txt')
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        ss.build_semi_split(missing, str(tmp_path / 'out'), seed=0, ratio=0.1)
    ann = _write(tmp_path / 'a.txt', ['a/b.avi'])
    with pytest.raises(FileNotFoundError, match='classInd_missing.txt'):
        ss.build_semi_split(ann, str(tmp_path / 'out'), seed=0, ratio=0.1,
                            classind_file=str(tmp_path /
                                              'classInd_missing.txt'))


def test_error_wrong_column_count(tmp_path):
    lines = ['a/x.mp4 0', '', 'a/y.mp4 0 1 2']  # blank line is counted
    _expect_error(tmp_path, lines, 3, extra=['4 column'])
    # path-only line in a plain list (testlist without --classind)
    _expect_error(tmp_path, ['a/x.mp4 0', 'a/y.mp4'], 2)


def test_error_mixed_layout(tmp_path):
    _expect_error(tmp_path, ['a/x 10 0', 'a/y 0'], 2, extra=['line 1'])


def test_error_non_integer_label(tmp_path):
    _expect_error(tmp_path, ['a/x.mp4 0', 'a/y.mp4 one'], 2,
                  extra=["'one'"])
    _expect_error(tmp_path, ['a/x 12 0', 'a/y 1.5 0'], 2,
                  extra=['total_frames'])


def test_error_negative_label(tmp_path):
    _expect_error(tmp_path, ['a/x.mp4 0', 'a/y.mp4 1', 'a/z.mp4 -1'], 3,
                  extra=['negative'])


def test_error_label_out_of_range_num_classes(tmp_path):
    lines = ['a/x.mp4 0', 'a/y.mp4 5']
    _expect_error(tmp_path, lines, 2, extra=['out of range'], num_classes=5)
    # without num_classes there is no upper bound
    ann = _write(tmp_path / 'ok.txt', lines)
    summary = ss.build_semi_split(ann, str(tmp_path / 'ok'), seed=0,
                                  per_class=1)
    assert summary['num_classes'] == 6
    assert summary['empty_classes'] == [1, 2, 3, 4]


def test_error_ucf_label_out_of_range(tmp_path):
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    _expect_error(tmp_path, ['Archery/v_1.avi 3', 'Archery/v_2.avi 4'], 2,
                  extra=['out of range'], classind_file=classind)
    _expect_error(tmp_path, ['ApplyEyeMakeup/v_1.avi 0'], 1,
                  extra=['1-based'], classind_file=classind)


def test_error_ucf_unknown_class(tmp_path):
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    _expect_error(tmp_path, ['Archery/v_1.avi', 'Bowling/v_1.avi'], 2,
                  extra=["'Bowling'", 'unknown class'],
                  classind_file=classind)


def test_error_ucf_label_disagrees_with_folder(tmp_path):
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    _expect_error(tmp_path, ['Archery/v_1.avi 3', 'Archery/v_2.avi 1'], 2,
                  extra=["'ApplyEyeMakeup'", "'Archery'"],
                  classind_file=classind)


def test_error_bad_classind(tmp_path):
    classind = _write(tmp_path / 'classInd_bad.txt',
                      ['1 ApplyEyeMakeup', 'two ApplyLipstick'])
    ann = _write(tmp_path / 'list.txt', ['ApplyEyeMakeup/v_1.avi'])
    with pytest.raises(ss.SplitError, match=r'classInd_bad\.txt, line 2'):
        ss.build_semi_split(ann, str(tmp_path / 'out'), seed=0, ratio=0.5,
                            classind_file=classind)


def test_error_duplicate_path(tmp_path):
    lines = ['a/x.mp4 0', 'a/y.mp4 0', 'b/z.mp4 1', 'a/y.mp4 0']
    _expect_error(tmp_path, lines, 4, extra=['duplicate', 'line 2',
                                             "'a/y.mp4'"])


@pytest.mark.parametrize('ratio', [0, 0.0, 1.5, -0.1, 'abc', 'nan', 'inf'])
def test_error_invalid_ratio(tmp_path, ratio):
    ann = _write(tmp_path / 'a.txt', ['a/x.mp4 0'])
    with pytest.raises(ss.SplitError, match='ratio'):
        ss.build_semi_split(ann, str(tmp_path / 'out'), seed=0, ratio=ratio)


@pytest.mark.parametrize('per_class', [0, -3])
def test_error_invalid_per_class(tmp_path, per_class):
    ann = _write(tmp_path / 'a.txt', ['a/x.mp4 0'])
    with pytest.raises(ss.SplitError, match='per-class'):
        ss.build_semi_split(ann, str(tmp_path / 'out'), seed=0,
                            per_class=per_class)


def test_error_empty_list(tmp_path):
    ann = _write(tmp_path / 'empty_list.txt', ['', '  '])
    with pytest.raises(ss.SplitError, match='empty_list.txt'):
        ss.build_semi_split(ann, str(tmp_path / 'out'), seed=0, ratio=0.5)


# ---------------------------------------------------------------- summary


def test_summary_json(tmp_path):
    ann, out_dir, summary, lab, unl = _build(tmp_path, _lines(), ratio=0.1,
                                             seed=4)
    with open(osp.join(out_dir, 'split_summary.json'), encoding='utf-8') as f:
        data = json.load(f)
    assert data == summary
    assert data['source'] == osp.abspath(ann)
    assert osp.isabs(data['source'])
    assert data['seed'] == 4
    assert data['mode'] == 'ratio'
    assert data['ratio'] == 0.1
    assert data['per_class'] is None
    assert data['num_classes'] == 5
    assert data['totals'] == {'videos': 79, 'labeled': len(lab),
                              'unlabeled': len(unl)}
    assert data['unlabeled_includes_labeled'] is False
    assert sorted(data['per_class_counts']) == ['0', '1', '2', '3', '4']
    for label, item in data['per_class_counts'].items():
        assert item['total'] == SIZES[int(label)]
        assert item['labeled'] + item['unlabeled'] == item['total']
    desc = data['description']
    assert '\n' not in desc
    assert desc == ('Class-balanced: 10% of each class, rounded half up, '
                    'min 1, labeled; unlabeled = the remaining videos '
                    '(disjoint); seed 4')

    *_, pc_summary, _, _ = _build(tmp_path, _lines(), out='pc', per_class=2)
    assert pc_summary['mode'] == 'per_class'
    assert pc_summary['per_class'] == 2
    assert pc_summary['ratio'] is None
    assert '2 video(s) of each class' in pc_summary['description']


# ---------------------------------------------------------------- CLI


def _load_cli(monkeypatch):
    """Load the script in-process without importing the heavy package.

    The already loaded module stands in for
    ``cmpl_mm.datasets.semi_split`` (restored after the test).
    """
    monkeypatch.setitem(sys.modules, 'cmpl_mm.datasets.semi_split', ss)
    monkeypatch.setattr(sys, 'path', list(sys.path))
    spec = importlib.util.spec_from_file_location('build_semi_split_cli', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_main_in_process(tmp_path, monkeypatch, capsys):
    cli = _load_cli(monkeypatch)
    classind = _write(tmp_path / 'classInd.txt', CLASSIND)
    lines = [f'{name}/v_{name}_g{g + 1:02d}_c01.avi {idx}'
             for idx, (name, n) in enumerate(_ucf_names().items(), start=1)
             for g in range(n)]
    ann = _write(tmp_path / 'trainlist01.txt', lines)
    out_dir = str(tmp_path / 'cli_out')
    rc = cli.main(['--ann-file', ann, '--classind', classind, '--ratio',
                   '0.5', '--seed', '9', '--out-dir', out_dir,
                   '--unlabeled-includes-labeled'])
    assert rc == 0
    assert 'labeled' in capsys.readouterr().out
    summary = ss.build_semi_split(
        ann, str(tmp_path / 'lib_out'), seed=9, ratio=0.5,
        classind_file=classind, unlabeled_includes_labeled=True)
    assert summary['unlabeled_includes_labeled'] is True
    for name in ('labeled.txt', 'unlabeled.txt', 'split_summary.json'):
        assert _read(osp.join(out_dir, name)) == _read(
            tmp_path / 'lib_out' / name)

    # --per-class and --num-classes are passed through
    plain = _write(tmp_path / 'plain.txt', ['a/x.mp4 0', 'a/y.mp4 3'])
    assert cli.main(['--ann-file', plain, '--per-class', '1', '--seed', '0',
                     '--out-dir', str(tmp_path / 'o3'), '--num-classes',
                     '3']) == 2
    err = capsys.readouterr().err
    assert 'plain.txt, line 2' in err and 'out of range' in err
    assert cli.main(['--ann-file', plain, '--per-class', '0', '--seed', '0',
                     '--out-dir', str(tmp_path / 'o4')]) == 2
    assert 'per-class' in capsys.readouterr().err
    # ratio and per-class are mutually exclusive (argparse error, status 2)
    with pytest.raises(SystemExit) as info:
        cli.main(['--ann-file', plain, '--per-class', '1', '--ratio', '0.1',
                  '--seed', '0', '--out-dir', str(tmp_path / 'o5')])
    assert info.value.code == 2


@pytest.mark.slow
def test_cli_subprocess_bad_input(tmp_path):
    """Run the real script once: bad input -> message and exit status 2."""
    bad = _write(tmp_path / 'bad_cli.txt', ['a/x.mp4 0', 'a/y.mp4 zero'])
    proc = subprocess.run(
        [sys.executable, CLI, '--ann-file', bad, '--ratio', '0.1', '--seed',
         '0', '--out-dir', str(tmp_path / 'bad_out')], capture_output=True,
        text=True, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert 'bad_cli.txt' in proc.stderr and 'line 2' in proc.stderr
    assert "'zero'" in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not osp.exists(tmp_path / 'bad_out')
