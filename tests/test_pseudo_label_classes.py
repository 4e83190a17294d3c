"""The per-class pseudo-label picture and ``val_accuracy.png`` of one run.

The hook records per class the accepted and correct pseudo-labels of every
taught network; :mod:`cmpl_mm.analysis.pseudo_classes` sums them; the
plots are written from a small hand-made work dir. Old stats files without
per-class precision still give the other plots.
"""
import json
import os.path as osp
import sys

import pytest

from cmpl_mm.analysis.plots import (distinct_val_metrics, plot_single_run,
                                    val_networks)
from cmpl_mm.analysis.pseudo_classes import (NEEDS_NEWER_RUN, class_tables,
                                             missing_reason)
from cmpl_mm.analysis.run_config import facts_from_dict
from cmpl_mm.analysis.run_logs import load_run
from cmpl_mm.engine.hooks import PseudoLabelStatsHook
from helpers import REPO_ROOT
from test_stats_hook import fake_record, fake_runner, step

# two intervals of a 4-class CMPL run, by hand:
# the auxiliary teaches the primary classes 0 and 1 (precise), the primary
# teaches the auxiliary classes 2 and 3 (class 3 half wrong)
LINES = [
    dict(iter=50,
         primary=dict(teacher='auxiliary', mask_ratio=0.5, precision=0.9,
                      accepted_per_class=[4, 3, 0, 0],
                      correct_per_class=[4, 2, 0, 0]),
         auxiliary=dict(teacher='primary', mask_ratio=0.3, precision=0.5,
                        accepted_per_class=[0, 0, 2, 2],
                        correct_per_class=[0, 0, 2, 0]),
         agreement_rate=0.4),
    dict(iter=100,
         primary=dict(teacher='auxiliary', mask_ratio=0.6, precision=0.9,
                      accepted_per_class=[6, 1, 1, 0],
                      # one class-0 clip had no monitoring label
                      accepted_known_per_class=[5, 1, 1, 0],
                      correct_per_class=[5, 1, 0, 0]),
         auxiliary=dict(teacher='primary', mask_ratio=0.3, precision=0.5,
                        accepted_per_class=[0, 0, 3, 4],
                        correct_per_class=[0, 0, 3, 2]),
         agreement_rate=0.5),
]

CONFIG = """model = dict(
    type='CMPLRecognizer',
    primary=dict(cls_head=dict(type='I3DHead', num_classes=4)),
    auxiliary=dict(cls_head=dict(type='I3DHead', num_classes=4)),
    semi_train_cfg=dict(threshold=0.8, warmup_iters=40,
                        unsup_weight=dict(type='SigmoidRampUp', value=1.0,
                                          ramp_iters=30)))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=100, val_interval=50)
"""


def write_run(root, lines=LINES, mean_differs=False):
    """A work dir: one segment's scalars and config, the stats jsonl."""
    vis = root / '20260101_000000' / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'config.py').write_text(CONFIG)
    scalars = []
    for it in (50, 100):
        scalars.append(dict(iter=it, lr=0.1, loss=1.0, sup_loss_cls=0.5))
        top1 = 0.25 + it / 400
        scalars.append({
            'acc/top1': top1,
            'acc/mean1': top1 - 0.05 if mean_differs else top1,
            'aux_acc/top1': top1 - 0.1,
            'aux_acc/mean1': top1 - 0.1,
            'time': 1.0,
            'step': it
        })
    with open(vis / 'scalars.json', 'w') as f:
        f.writelines(json.dumps(s) + '\n' for s in scalars)
    with open(root / 'pseudo_label_stats.jsonl', 'w') as f:
        f.writelines(json.dumps(line) + '\n' for line in lines)
    return str(root)


def test_hook_records_per_class_counts_and_teacher(tmp_path):
    hook = PseudoLabelStatsHook(interval=2, collapse_share=None)
    runner = fake_runner(tmp_path)
    for i in range(2):
        runner.iter = i
        step(hook, runner, fake_record())
    stats = json.loads(open(tmp_path / 'pseudo_label_stats.jsonl').read())
    primary = stats['primary']
    # per step: accepted clips 0, 1, 3 (labels 0, 1, 2); monitoring
    # labels 0, 2, -1: clip 0 right, clip 1 wrong, clip 3 unknown
    assert primary['teacher'] == 'auxiliary'
    assert primary['accepted_per_class'] == [2, 2, 2, 0]
    assert primary['accepted_known_per_class'] == [2, 2, 0, 0]
    assert primary['correct_per_class'] == [2, 0, 0, 0]
    # nothing accepted: the known counts equal the accepted, not written
    auxiliary = stats['auxiliary']
    assert auxiliary['teacher'] == 'primary'
    assert auxiliary['correct_per_class'] == [0, 0, 0, 0]
    assert 'accepted_known_per_class' not in auxiliary


def test_class_tables_sum_counts_and_precision():
    tables = class_tables(LINES)
    assert list(tables) == ['primary', 'auxiliary']
    primary, auxiliary = tables['primary'], tables['auxiliary']
    assert primary.label() == 'auxiliary \u2192 primary'
    assert primary.accepted == [10, 4, 1, 0]
    # line 1 has no accepted_known_per_class: it equals accepted there
    assert primary.known == [9, 4, 1, 0]
    assert primary.correct == [9, 3, 0, 0]
    assert primary.precision() == [1.0, 0.75, 0.0, None]
    assert primary.overall_precision() == 12 / 14
    assert auxiliary.accepted == [0, 0, 5, 6]
    assert auxiliary.precision() == [None, None, 1.0, 2 / 6]
    assert (primary.first_iter, primary.last_iter) == (50, 100)


def test_old_lines_without_per_class_precision():
    old = [{k: ({kk: vv for kk, vv in v.items()
                 if kk not in ('correct_per_class', 'teacher',
                               'accepted_known_per_class')}
                if isinstance(v, dict) else v)
            for k, v in line.items()} for line in LINES]
    assert class_tables(old) == {}
    assert missing_reason(old) == NEEDS_NEWER_RUN
    assert missing_reason([dict(iter=1)]).startswith('no pseudo-label')
    # a resumed run: only the lines that have the counts are summed
    tables = class_tables([old[0], LINES[1]])
    assert tables['primary'].accepted == [6, 1, 1, 0]
    assert tables['primary'].first_iter == 100


def test_run_facts_from_the_config():
    facts = facts_from_dict(
        dict(model=dict(primary=dict(cls_head=dict(num_classes=8)),
                        semi_train_cfg=dict(
                            warmup_iters=200,
                            unsup_weight=dict(
                                primary=dict(type='LinearRampUp',
                                             ramp_iters=500),
                                auxiliary=1.0)))))
    assert (facts.num_classes, facts.warmup_iters, facts.ramp_iters,
            facts.semi) == (8, 200, 500, True)
    assert facts.chance == 1 / 8
    plain = facts_from_dict(dict(model=dict(cls_head=dict(num_classes=5))))
    assert (plain.num_classes, plain.semi, plain.warmup_iters) == (5, False,
                                                                    0)


@pytest.mark.parametrize('mean_differs', [False, True])
def test_val_panels_every_network_distinct_metrics(tmp_path, mean_differs):
    run = load_run(write_run(tmp_path, mean_differs=mean_differs))
    assert val_networks(run) == [('acc', 'primary'),
                                 ('aux_acc', 'auxiliary')]
    expected = ['top1', 'mean1'] if mean_differs else ['top1']
    assert distinct_val_metrics(run, ['acc', 'aux_acc']) == expected


def test_plots_written_from_a_small_run(tmp_path):
    run = load_run(write_run(tmp_path / 'run'))
    written = plot_single_run(run, str(tmp_path / 'plots'),
                              class_names=['a', 'b', 'c', 'd'])
    assert set(written) == {'val_accuracy', 'train_losses', 'pseudo_labels',
                            'pseudo_label_classes'}
    for path in written.values():
        assert osp.getsize(path) > 1000


def test_plot_run_old_stats_file_says_what_is_missing(tmp_path, capsys):
    old = [{k: ({kk: vv for kk, vv in v.items()
                 if kk != 'correct_per_class'} if isinstance(v, dict) else v)
            for k, v in line.items()} for line in LINES]
    work_dir = write_run(tmp_path / 'run', lines=old)
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis'))
    try:
        import plot_run
    finally:
        sys.path.pop(0)
    assert plot_run.main([work_dir]) == 0
    out = capsys.readouterr().out
    assert 'pseudo_label_classes.png not written: per-class pseudo-label ' \
        'precision needs a run' in out
    assert osp.isfile(osp.join(work_dir, 'plots', 'val_accuracy.png'))
    assert osp.isfile(osp.join(work_dir, 'plots', 'pseudo_labels.png'))
    assert not osp.exists(osp.join(work_dir, 'plots',
                                   'pseudo_label_classes.png'))
