"""PseudoLabelStatsHook: figures from hand-set pseudo-labels."""
import json
import os.path as osp
from types import SimpleNamespace
from unittest import mock

import torch

from cmpl_mm.engine.hooks import PseudoLabelStatsHook
from cmpl_mm.models.pseudo_label import (PseudoLabelRecord, StudentRecord,
                                        publish_record, take_record)


def fake_runner(tmp_path):
    return SimpleNamespace(
        iter=1,
        work_dir=str(tmp_path),
        logger=mock.MagicMock(),
        visualizer=mock.MagicMock())


def fake_record(num_classes=4):
    """4 unlabeled clips; primary taught by auxiliary and vice versa."""
    return PseudoLabelRecord(
        num_classes=num_classes,
        students=dict(
            primary=StudentRecord(
                teacher='auxiliary',
                labels=torch.tensor([0, 1, 2, 2]),
                weights=torch.tensor([1., 1., 0., 1.]),
                confidence=torch.tensor([.99, .97, .5, .96])),
            auxiliary=StudentRecord(
                teacher='primary',
                labels=torch.tensor([0, 3, 2, 1]),
                weights=torch.tensor([0., 0., 0., 0.]),
                confidence=torch.tensor([.5, .5, .5, .5]))),
        predictions=dict(
            primary=torch.tensor([0, 3, 2, 1]),
            auxiliary=torch.tensor([0, 1, 2, 2])))


def step(hook, runner, record):
    """One training iteration: the model publishes, the hook takes."""
    if record is not None:
        publish_record(record)
    hook.after_train_iter(runner, runner.iter, batch())


def batch():
    # 2 labeled samples first (no weak view), then the 4 unlabeled ones
    weak = [None, None, 'w', 'w', 'w', 'w']
    return {
        'inputs': dict(weak=weak),
        'monitor_only_gt_label': [5, 5, 0, 2, 2, -1]
    }


def test_statistics_and_jsonl(tmp_path):
    hook = PseudoLabelStatsHook(interval=2, collapse_share=None)
    runner = fake_runner(tmp_path)
    runner.iter = 0
    step(hook, runner, fake_record())  # accumulate only
    assert not osp.exists(tmp_path / 'pseudo_label_stats.jsonl')
    runner.iter = 1
    step(hook, runner, fake_record())  # report over 2 iterations
    assert take_record() is None  # the hook took the record
    lines = open(tmp_path / 'pseudo_label_stats.jsonl').readlines()
    assert len(lines) == 1
    stats = json.loads(lines[0])
    primary = stats['primary']
    assert primary['num_unlabeled'] == 8
    assert primary['mask_ratio'] == 6 / 8
    # accepted with a known label: clips 0, 1 (clip 3 has label -1);
    # correct: clip 0 (0 == 0); clip 1 says 1, truth 2
    assert primary['precision'] == 0.5
    assert primary['teacher_accuracy'] == 4 / 6  # clips 0 and 2 of 3 known
    assert primary['accepted_per_class'] == [2, 2, 2, 0]
    assert stats['auxiliary']['mask_ratio'] == 0
    assert stats['auxiliary']['precision'] is None
    assert stats['agreement_rate'] == 0.5
    scalars = runner.visualizer.add_scalars.call_args[0][0]
    assert scalars['pseudo/primary_mask_ratio'] == 0.75
    assert scalars['pseudo/agreement_rate'] == 0.5


def test_collapse_warning_once(tmp_path):
    record = fake_record()
    record.students['primary'].labels = torch.tensor([1, 1, 1, 1])
    record.students['primary'].weights = torch.ones(4)
    hook = PseudoLabelStatsHook(
        interval=1, collapse_share=0.8, collapse_min_accepted=4)
    runner = fake_runner(tmp_path)
    for i in range(3):
        runner.iter = i
        step(hook, runner, record)
    warnings = [c for c in runner.logger.warning.call_args_list]
    assert len(warnings) == 1
    assert 'class 1 takes 100.0%' in warnings[0][0][0]


def test_nothing_logged_without_pseudo_labels(tmp_path):
    hook = PseudoLabelStatsHook(interval=1)
    runner = fake_runner(tmp_path)
    step(hook, runner, None)  # supervised: nothing published
    step(hook, runner, PseudoLabelRecord(num_classes=4))  # nobody taught
    assert not osp.exists(tmp_path / 'pseudo_label_stats.jsonl')


def test_thresholds_and_mean_weight_per_network(tmp_path):
    """An adaptive rule's threshold (the last step's of the interval):
    mean / min / max over classes to the scalars and the log, every class
    to the jsonl; soft weights give the mean weight beside the mask ratio
    (share of clips with weight > 0). A network whose rule has no
    threshold (fixed) reports none."""
    hook = PseudoLabelStatsHook(interval=2, collapse_share=None)
    runner = fake_runner(tmp_path)
    for i, threshold in enumerate(([0.1, 0.2, 0.3, 0.4],
                                   [0.5, 0.2, 0.8, 0.3])):
        record = fake_record()
        record.students['primary'].threshold = torch.tensor(threshold)
        record.students['primary'].weights = torch.tensor([1., .5, 0., .25])
        runner.iter = i
        step(hook, runner, record)
    stats = json.loads(open(tmp_path / 'pseudo_label_stats.jsonl').read())
    primary = stats['primary']
    assert primary['threshold'] == torch.tensor(
        [0.5, 0.2, 0.8, 0.3]).double().tolist()
    assert abs(primary['threshold_mean'] - 0.45) < 1e-6
    assert abs(primary['threshold_min'] - 0.2) < 1e-6
    assert abs(primary['threshold_max'] - 0.8) < 1e-6
    assert primary['mask_ratio'] == 6 / 8
    assert primary['mean_weight'] == 3.5 / 8
    assert 'threshold' not in stats['auxiliary']
    scalars = runner.visualizer.add_scalars.call_args[0][0]
    assert abs(scalars['pseudo/primary_threshold_max'] - 0.8) < 1e-6
    assert 'pseudo/auxiliary_threshold_mean' not in scalars
    logged = runner.logger.info.call_args[0][0]
    assert 'primary_threshold_mean: 0.4500' in logged


def test_collapse_needs_evidence_eleven_labels_do_not_warn(tmp_path):
    """The demo's first report: 10 of 11 accepted labels in class 0."""
    hook = PseudoLabelStatsHook(interval=50)  # defaults: 0.8, 200, window 4
    runner = fake_runner(tmp_path)
    assert not hook._check_collapse(runner, 'primary',
                                    [10, 1, 0, 0, 0, 0, 0, 0])
    runner.logger.warning.assert_not_called()


def test_collapse_pools_a_window_of_intervals(tmp_path):
    hook = PseudoLabelStatsHook(
        interval=50, collapse_min_accepted=200, collapse_window=3)
    runner = fake_runner(tmp_path)
    # 90 + 90 accepted: dominated, but 180 < 200 labels
    assert not hook._check_collapse(runner, 'primary', [85, 5, 0, 0])
    assert not hook._check_collapse(runner, 'primary', [85, 5, 0, 0])
    # a third interval brings the window to 270 labels, 255 of class 0
    assert hook._check_collapse(runner, 'primary', [85, 5, 0, 0])
    message = runner.logger.warning.call_args[0][0]
    assert 'class 0 takes 94.4% of the 270 pseudo-labels' in message
    assert 'last 150 iterations' in message
    # once per network; the other network has its own window
    assert not hook._check_collapse(runner, 'primary', [300, 0, 0, 0])
    assert not hook._check_collapse(runner, 'auxiliary', [150, 150, 0, 0])
    assert runner.logger.warning.call_count == 1


def test_collapse_window_forgets_old_intervals(tmp_path):
    hook = PseudoLabelStatsHook(
        interval=10, collapse_min_accepted=100, collapse_window=2)
    runner = fake_runner(tmp_path)
    assert not hook._check_collapse(runner, 'primary', [60, 0])
    assert not hook._check_collapse(runner, 'primary', [0, 60])  # 50/50
    # the window has moved past the first interval: 120 of 120 in class 1
    # (pooled over all three intervals it would be 120 of 180, no warning)
    assert hook._check_collapse(runner, 'primary', [0, 60])
    assert 'class 1 takes 100.0% of the 120' in \
        runner.logger.warning.call_args[0][0]


def test_collapse_arguments_are_checked():
    import pytest
    with pytest.raises(ValueError, match='collapse_share'):
        PseudoLabelStatsHook(collapse_share=1.5)
    with pytest.raises(ValueError, match='collapse_min_accepted'):
        PseudoLabelStatsHook(collapse_min_accepted=0)
