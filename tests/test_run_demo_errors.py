"""tools/run_demo.py: a user's mistake is one line (exit 2), named as
tools/train.py names it, and leaves nothing in the work dir."""
import os
import os.path as osp
import sys

import pytest

from cmpl_mm.config_check import ConfigError
from helpers import REPO_ROOT, tiny_data_options


@pytest.fixture(scope='module')
def run_demo():
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
    try:
        import run_demo
    finally:
        sys.path.pop(0)
    return run_demo


def demo_data(tiny_dataset, root, mix_unlabeled=False):
    """A demo data root reading ``tiny_dataset``'s videos; optionally an
    unlabeled list whose second line has lost its label column."""
    os.makedirs(osp.join(root, 'semi'))
    os.symlink(osp.join(tiny_dataset, 'videos'), osp.join(root, 'videos'))
    for name in ('train.txt', 'val.txt', 'semi/labeled.txt',
                 'semi/unlabeled.txt'):
        with open(osp.join(tiny_dataset, name)) as f:
            lines = [line for line in f if line.strip()]
        if mix_unlabeled and name == 'semi/unlabeled.txt':
            lines[1] = lines[1].split()[0] + '\n'
        with open(osp.join(root, name), 'w') as f:
            f.writelines(lines)
    return str(root)


def demo_args(data_root, work_dir, *options):
    tiny = tiny_data_options(data_root)
    tiny = {k: v for k, v in tiny.items() if 'num_classes' in k}
    return ['--algorithm', 'cmpl', '--data-root', data_root, '--work-dir',
            work_dir, '--cfg-options'] + [
                f'{k}={v}' for k, v in tiny.items()] + list(options)


def error_lines(run_demo, capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        run_demo.main(argv)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert 'demo:' not in out and 'full log' not in out  # nothing started
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith('(run_demo.py: set')
    return lines[0]


def test_config_error_names_the_full_key_and_leaves_nothing(
        run_demo, tiny_dataset, tmp_path, capsys):
    data = demo_data(tiny_dataset, tmp_path / 'data')
    work_dir = str(tmp_path / 'work_dirs' / 'demo')
    line = error_lines(run_demo, capsys, demo_args(
        data, work_dir, 'model.semi_train_cfg.threshold=2'))
    assert line.startswith(
        'run_demo.py: error: model.semi_train_cfg.threshold=2: must be a '
        'number in [0, 1]')
    assert not osp.exists(tmp_path / 'work_dirs')


def test_mixed_list_fails_before_the_runner_and_leaves_nothing(
        run_demo, tiny_dataset, tmp_path, capsys):
    data = demo_data(tiny_dataset, tmp_path / 'data', mix_unlabeled=True)
    work_dir = str(tmp_path / 'demo')
    line = error_lines(run_demo, capsys, demo_args(data, work_dir))
    assert line == (
        'run_demo.py: error: train_dataloader.dataset.unlabeled.ann_file: '
        f'{data}/semi/unlabeled.txt, line 2: no label, '
        'but line 1 has one; all lines must have the same layout')
    assert not osp.exists(work_dir)


def test_an_error_found_while_the_runner_starts_removes_its_files(
        run_demo, tmp_path):
    work_dir = tmp_path / 'work'
    (work_dir / 'earlier_run').mkdir(parents=True)
    (work_dir / 'notes.txt').write_text('kept')
    with pytest.raises(ConfigError):
        with run_demo.removed_on_user_error(str(work_dir)):
            (work_dir / '20260101_000000' / 'vis_data').mkdir(parents=True)
            (work_dir / 'cmpl_r3d18q_synthetic.py').write_text('x = 1')
            raise ConfigError(['model.x: bad'])
    assert sorted(os.listdir(work_dir)) == ['earlier_run', 'notes.txt']
    # a work dir (and parents) the block created go as a whole
    new = tmp_path / 'new' / 'work'
    with pytest.raises(ConfigError):
        with run_demo.removed_on_user_error(str(new)):
            (new / '20260101_000000').mkdir(parents=True)
            raise ConfigError(['model.x: bad'])
    assert not osp.exists(tmp_path / 'new')
    # any other error (a bug, an interrupted run) keeps the logs
    with pytest.raises(RuntimeError):
        with run_demo.removed_on_user_error(str(new)):
            new.mkdir(parents=True)
            raise RuntimeError('crash')
    assert new.is_dir()
