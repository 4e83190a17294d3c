"""End-to-end: train, validate, checkpoint, resume and test on tiny videos."""
import os.path as osp
import pickle
import re

import pytest  # noqa: F401

from helpers import algorithms, cfg_options, run_tool

# trains or launches processes: left out of the quick loop (-m "not slow")
pytestmark = pytest.mark.slow

def test_train_resume_and_test(tiny_dataset, tmp_path):
    work_dir = str(tmp_path / 'cmpl')
    config = 'configs/cmpl_r3d18q_synthetic.py'
    log = run_tool(['tools/train.py', config, '--work-dir', work_dir] +
                   cfg_options(tiny_dataset, 4))
    assert 'Iter(val)' in log and 'acc/top1' in log
    assert 'unsup_loss_cls' in log and 'unsup_aux_loss_cls' in log
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))
    stats = open(osp.join(work_dir, 'pseudo_label_stats.jsonl')).readlines()
    assert len(stats) == 4 and '"agreement_rate"' in stats[-1]

    log = run_tool(['tools/train.py', config, '--work-dir', work_dir,
                    '--resume'] + cfg_options(tiny_dataset, 6))
    assert re.search(r'resumed .*iter_4\.pth', log, re.I) or \
        'Load checkpoint from' in log, log[-2000:]
    assert 'Iter(train) [5/6]' in log and 'Iter(train) [1/6]' not in log
    assert 'the sampler skipped 4 batches without loading them' in log
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))

    dump = str(tmp_path / 'preds.pkl')
    log = run_tool([
        'tools/test.py', config,
        osp.join(work_dir, 'iter_6.pth'), '--work-dir',
        str(tmp_path / 'test'), '--dump', dump
    ] + cfg_options(tiny_dataset, 6))
    assert 'acc/top1' in log
    with open(dump, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 8  # 4 classes x 2 val videos


# every algorithm but CMPL (above), from the registry
@pytest.mark.parametrize('algorithm',
                         [a for a in algorithms() if a != 'cmpl'])
def test_other_algorithms_train(tiny_dataset, tmp_path, algorithm):
    work_dir = str(tmp_path / algorithm)
    log = run_tool([
        'tools/train.py', f'configs/{algorithm}_r3d18q_synthetic.py',
        '--work-dir', work_dir, '--no-validate'
    ] + cfg_options(
        tiny_dataset, 2, cmpl=False, unlabeled=algorithm != 'supervised'))
    assert 'Iter(train) [2/2]' in log
    assert ('unsup_loss_cls' in log) == (algorithm != 'supervised')
    if algorithm == 'meanteacher':  # EMATeacherHook moved the EMA twice
        import torch
        ckpt = torch.load(osp.join(work_dir, 'iter_2.pth'), map_location='cpu',
                          weights_only=False)
        assert int(ckpt['state_dict']['ema_networks.primary.num_updates']) \
            == 2
