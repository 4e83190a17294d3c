"""PseudoLabelStatsHook: figures from hand-set pseudo-labels."""
import json
import os.path as osp
from types import SimpleNamespace
from unittest import mock

import torch

from cmpl_mm.analysis.run_logs import last_pseudo_stats
from cmpl_mm.engine.hooks import PseudoLabelStatsHook
from cmpl_mm.engine.hooks.pseudo_label_stats_hook import (AgreementCounts,
                                                          IntervalCounts,
                                                          NetworkCounts)
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
    (share of clips with weight >= 0.5). A network whose rule has no
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
    assert primary['mask_ratio'] == 4 / 8  # weights 1 and .5 of 4
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


def read_lines(tmp_path):
    return [
        json.loads(line)
        for line in open(tmp_path / 'pseudo_label_stats.jsonl')
    ]


def test_accepted_means_weight_at_least_one_half(tmp_path):
    """SoftMatch-like weights: 0.3 is not an accepted pseudo-label, 0.7
    is; the mean weight still counts every clip's weight."""
    record = fake_record()
    record.students['primary'].weights = torch.tensor([.3, .7, 0., 1.])
    hook = PseudoLabelStatsHook(interval=1, collapse_share=None)
    runner = fake_runner(tmp_path)
    runner.iter = 0
    step(hook, runner, record)
    primary = read_lines(tmp_path)[0]['primary']
    assert primary['mask_ratio'] == 2 / 4  # clips 1 (0.7) and 3 (1.0)
    assert primary['mean_weight'] == 2 / 4
    assert primary['accepted_per_class'] == [0, 1, 1, 0]  # not clip 0
    # accepted with a known label: clip 1 only (says 1, truth 2)
    assert primary['precision'] == 0


def test_partial_interval_reported_at_the_end(tmp_path):
    """7 iterations, interval 3: lines at 3 and 6, then a partial line for
    iteration 7 when training ends; it is the file's last line."""
    hook = PseudoLabelStatsHook(interval=3, collapse_share=None)
    runner = fake_runner(tmp_path)
    for i in range(7):
        runner.iter = i
        step(hook, runner, fake_record())
    assert [r['iter'] for r in read_lines(tmp_path)] == [3, 6]
    runner.iter = 7  # the loop's count once it has run
    hook.after_train(runner)
    lines = read_lines(tmp_path)
    assert [r['iter'] for r in lines] == [3, 6, 7]
    assert not any('partial' in r or 'steps' in r for r in lines[:2])
    last = lines[-1]
    assert last['partial'] is True and last['steps'] == 1
    assert last['primary']['num_unlabeled'] == 4
    assert last['primary']['mask_ratio'] == 3 / 4
    assert last['agreement_rate'] == 0.5
    assert last_pseudo_stats(str(tmp_path)) == last
    assert runner.visualizer.add_scalars.call_args[1]['step'] == 7
    scalars = runner.visualizer.add_scalars.call_args[0][0]
    assert set(scalars) == set(
        runner.visualizer.add_scalars.call_args_list[0][0][0])
    assert 'partial' in runner.logger.info.call_args[0][0]


def test_no_partial_line_when_the_run_fills_its_intervals(tmp_path):
    hook = PseudoLabelStatsHook(interval=3, collapse_share=None)
    runner = fake_runner(tmp_path)
    for i in range(6):
        runner.iter = i
        step(hook, runner, fake_record())
    runner.iter = 6
    hook.after_train(runner)
    assert [r['iter'] for r in read_lines(tmp_path)] == [3, 6]
    # a supervised tail publishes nothing: no line either
    hook = PseudoLabelStatsHook(interval=3, collapse_share=None)
    for i in range(2):
        runner.iter = i
        step(hook, runner, None)
    hook.after_train(runner)
    assert [r['iter'] for r in read_lines(tmp_path)] == [3, 6]


def test_one_all_reduce_per_report(tmp_path):
    """Both networks and the agreement go over ranks in one call."""
    hook = PseudoLabelStatsHook(interval=2, collapse_share=None)
    runner = fake_runner(tmp_path)
    target = 'cmpl_mm.engine.hooks.pseudo_label_stats_hook.all_reduce'
    with mock.patch(target) as reduce:
        for i in range(2):
            runner.iter = i
            step(hook, runner, fake_record())
    assert reduce.call_count == 1
    # 2 networks x (7 counts + 3 x 4 per-class counts) + 2 agreement
    assert reduce.call_args[0][0].shape == (2 * (7 + 3 * 4) + 2, )


def test_named_counts_round_trip():
    record = fake_record()
    monitor = torch.tensor([0, 2, 2, -1])
    counts = IntervalCounts()
    for _ in range(2):
        for name, student in record.students.items():
            counts.add(name, NetworkCounts.of_step(student, monitor, 4))
        counts.add('agreement', AgreementCounts(clips=torch.tensor(4.),
                                                agreed=torch.tensor(2.)))
    primary = counts.networks['primary']
    assert primary.clips.item() == 8 and primary.accepted.item() == 6
    assert primary.accepted_per_class.tolist() == [2, 2, 2, 0]
    flat = counts.flatten()
    assert flat.dim() == 1 and flat.dtype == torch.float64
    back = counts.unflatten(flat.clone())
    assert list(back.networks) == ['primary', 'auxiliary']
    for name, original in counts.parts():
        restored = dict(back.parts())[name]
        assert type(restored) is type(original)
        assert torch.equal(restored.flatten(), original.flatten())
    assert back.networks['auxiliary'].accepted.item() == 0
    assert back.agreement.agreed.item() == 4
    # by name: a scaled vector (as summed over 3 ranks) lands field by field
    tripled = counts.unflatten(flat * 3)
    assert tripled.networks['primary'].known.item() == 3 * 6
    assert tripled.networks['primary'].accepted_per_class.tolist() == [
        6, 6, 6, 0
    ]
    import pytest
    with pytest.raises(ValueError, match='unflatten'):
        counts.unflatten(flat[:-1])
    with pytest.raises(ValueError, match='unflatten'):
        primary.unflatten(primary.flatten()[:-1])
