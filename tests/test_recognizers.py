"""Pseudo-labelling logic of the supervised, FixMatch and CMPL recognizers."""
import copy
import random
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import DATASETS, MODELS
from mmaction.structures import ActionDataSample

from cmpl_mm.models.pseudo_label import BasePart, take_record
from helpers import REPO_ROOT, algorithms
from reference_steps import fixed_batch

init_default_scope('mmaction')
NUM_CLASSES = 8


def build(algorithm, **semi_train_cfg):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{algorithm}_r3d18q_synthetic.py'))
    cfg.model.semi_train_cfg.update(dict(warmup_iters=0), **semi_train_cfg)
    torch.manual_seed(0)
    return MODELS.build(cfg.model), cfg


def hand_scores():
    """Weak logits with known confidence for 4 unlabeled clips."""
    big, small = 10.0, 0.1
    primary_weak = torch.full((4, NUM_CLASSES), small)
    primary_weak[0, 3] = big  # confident: class 3
    primary_weak[1, 5] = big  # confident: class 5
    primary_weak[2, 1] = 1.0  # not confident
    aux_weak = torch.full((4, NUM_CLASSES), small)
    aux_weak[0, 2] = big  # confident: class 2
    aux_weak[2, 6] = big  # confident: class 6
    aux_weak[3, 7] = 1.0  # not confident
    scores = {}
    for name, weak in (('primary', primary_weak), ('auxiliary', aux_weak)):
        scores[name] = dict(
            weak=weak.clone().requires_grad_(True),
            strong=torch.randn(4, NUM_CLASSES, requires_grad=True))
    return scores


def unsup_losses(model, scores):
    """The recognizer's pseudo-label losses from hand-set scores, and the
    record it publishes for the hooks."""
    probs = model.teacher_probs(dict(weak=None), scores)
    losses = model.student_losses(scores, probs, {})
    return losses, take_record()


def expected_loss(strong, weak, threshold):
    probs = weak.detach().softmax(1)
    conf, target = probs.max(1)
    mask = (conf >= threshold).float()
    return (F.cross_entropy(strong, target, reduction='none') * mask).sum() \
        / len(mask), mask, target


def test_cmpl_cross_labels_with_hand_set_logits():
    model, _ = build('cmpl')
    scores = hand_scores()
    losses, record = unsup_losses(model, scores)
    for student, teacher, prefix in (('primary', 'auxiliary', ''),
                                     ('auxiliary', 'primary', 'aux_')):
        loss, mask, target = expected_loss(scores[student]['strong'],
                                           scores[teacher]['weak'], 0.95)
        assert torch.allclose(losses[f'unsup_{prefix}loss_cls'], loss)
        assert float(losses[f'unsup_{prefix}mask_ratio']) == mask.mean()
        info = record.students[student]
        assert info.teacher == teacher
        assert info.weights.tolist() == mask.tolist()
        accepted = info.weights.bool()
        assert torch.equal(info.labels[accepted], target[accepted])
    # concretely: the primary learns classes 2 and 6 from the auxiliary
    info = record.students['primary']
    assert info.weights.tolist() == [1, 0, 1, 0]
    assert info.labels[[0, 2]].tolist() == [2, 6]
    assert record.students['auxiliary'].weights.tolist() == [1, 1, 0, 0]
    # targets carry no gradient into the teacher's weak view
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    for name in ('primary', 'auxiliary'):
        assert scores[name]['weak'].grad is None
        assert scores[name]['strong'].grad is not None
        assert not record.students[name].labels.requires_grad


def test_per_direction_threshold_and_weight():
    model, _ = build(
        'cmpl',
        threshold=dict(primary=0.99, auxiliary=0.0),
        unsup_weight=dict(primary=2.0, auxiliary=0.5))
    scores = hand_scores()
    losses, record = unsup_losses(model, scores)
    loss, _, _ = expected_loss(scores['primary']['strong'],
                               scores['auxiliary']['weak'], 0.99)
    assert torch.allclose(losses['unsup_loss_cls'], 2.0 * loss)
    loss, mask, _ = expected_loss(scores['auxiliary']['strong'],
                                  scores['primary']['weak'], 0.0)
    assert mask.tolist() == [1, 1, 1, 1]
    assert torch.allclose(losses['unsup_aux_loss_cls'], 0.5 * loss)


def test_zero_mask_batch_gives_zero_loss():
    model, _ = build('cmpl', threshold=1.0)  # no softmax here reaches 1
    scores = hand_scores()
    losses, record = unsup_losses(model, scores)
    assert losses['unsup_loss_cls'].item() == 0.0
    assert float(losses['unsup_mask_ratio']) == 0.0
    losses['unsup_loss_cls'].backward()
    assert torch.count_nonzero(scores['primary']['strong'].grad) == 0


def test_fixmatch_uses_its_own_weak_predictions():
    model, _ = build('fixmatch')
    scores = hand_scores()
    del scores['auxiliary']
    losses, record = unsup_losses(model, scores)
    loss, mask, _ = expected_loss(scores['primary']['strong'],
                                  scores['primary']['weak'], 0.95)
    assert mask.tolist() == [1, 1, 0, 0]
    assert torch.allclose(losses['unsup_loss_cls'], loss)
    assert record.students['primary'].labels[:2].tolist() == [3, 5]


def fake_batch(batch=2, mu=1, seed=0):
    """A batch as ``MultiView`` + ``pseudo_collate`` make it."""
    return fixed_batch(batch=batch, mu=mu, seed=seed)


@pytest.mark.parametrize('algorithm', ['supervised', 'fixmatch', 'cmpl'])
def test_train_step_and_test_step(algorithm):
    model, _ = build(algorithm, threshold=0.0)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = copy.deepcopy(model.state_dict())
    losses = model.train_step(fake_batch(), optim)
    assert 'sup_loss_cls' in losses
    assert ('unsup_loss_cls' in losses) == (algorithm != 'supervised')
    assert ('unsup_aux_loss_cls' in losses) == (algorithm == 'cmpl')
    for name in model.networks():  # every network was trained
        conv = f'{name}.backbone.conv1.conv.weight'
        assert not torch.equal(before[conv], model.state_dict()[conv]), name
    model.eval()
    clip = torch.randint(0, 255, (1, 3, 8, 56, 56), dtype=torch.uint8)
    sample = ActionDataSample().set_gt_label(1)
    out = model.test_step(dict(inputs=[clip], data_samples=[sample]))
    assert out[0].pred_score.shape == (NUM_CLASSES, )
    if algorithm == 'cmpl':  # the deployed primary answers alone
        with torch.no_grad():
            for p in model.auxiliary.parameters():
                p.add_(torch.randn_like(p))
        again = model.test_step(dict(inputs=[clip], data_samples=[sample]))
        assert torch.equal(out[0].pred_score, again[0].pred_score)


def test_warmup_skips_unlabeled_views():
    model, _ = build('cmpl', threshold=0.0, warmup_iters=10)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    hub = MessageHub.get_current_instance()
    try:
        hub.update_info('iter', 3)
        assert not any('unsup' in k
                       for k in model.train_step(fake_batch(), optim))
        hub.update_info('iter', 10)
        assert 'unsup_loss_cls' in model.train_step(fake_batch(), optim)
    finally:  # the message hub is global: leave no iteration behind
        hub.update_info('iter', 0)


def _trained_primary(algorithm, **semi_train_cfg):
    """The primary's state after one SGD step on ``fake_batch()``."""
    model, _ = build(algorithm, threshold=0.0, **semi_train_cfg)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    torch.manual_seed(1)  # the same dropout draws for the labeled clips
    model.train_step(fake_batch(), optim)
    return model.primary.state_dict()


@pytest.mark.parametrize('algorithm', ['fixmatch', 'cmpl'])
def test_separate_unlabeled_forward_leaves_supervised_training_alone(
        algorithm):
    """With no pseudo-label loss, only the joint forward lets the unlabeled
    clips change the primary (through batch-norm statistics)."""
    supervised = _trained_primary('supervised')
    separate = _trained_primary(
        algorithm, unsup_weight=0.0, unlabeled_forward='separate')
    joint = _trained_primary(
        algorithm, unsup_weight=0.0, unlabeled_forward='joint')
    for key, value in supervised.items():
        assert torch.allclose(separate[key].float(), value.float(),
                              atol=1e-6), key
    bn_mean = 'backbone.conv1.bn.running_mean'
    assert not torch.allclose(joint[bn_mean], supervised[bn_mean])
    conv = 'backbone.conv1.conv.weight'
    assert not torch.allclose(joint[conv], supervised[conv], atol=1e-6)


def test_cmpl_primary_without_pseudo_labels_trains_as_supervised():
    """Several steps with the demo configs' optimizer (momentum, weight
    decay, gradient clipping over both networks): a CMPL primary whose
    pseudo-label weight is 0 (separate forward, dropout off) follows the
    supervised primary exactly, while its auxiliary keeps learning. So one
    optimizer over both networks couples them through nothing else."""
    from mmengine.optim import build_optim_wrapper
    supervised, cfg = build('supervised')
    cmpl, _ = build(
        'cmpl', threshold=0.0, unlabeled_forward='separate',
        unsup_weight=dict(primary=0.0, auxiliary=1.0))
    for model in (supervised, cmpl):
        model.primary.cls_head.dropout.p = 0.0
    cmpl.primary.load_state_dict(supervised.primary.state_dict())
    aux_before = copy.deepcopy(cmpl.auxiliary.state_dict())
    optims = [build_optim_wrapper(m, cfg.optim_wrapper)
              for m in (supervised, cmpl)]
    for step in range(4):
        for model, optim in zip((supervised, cmpl), optims):
            losses = model.train_step(fake_batch(batch=4, seed=step), optim)
        assert float(losses['unsup_aux_mask_ratio']) == 1.0
    cmpl_primary = cmpl.primary.state_dict()
    for key, value in supervised.primary.state_dict().items():
        assert torch.equal(cmpl_primary[key], value), key
    conv = 'backbone.conv1.conv.weight'
    assert not torch.equal(cmpl.auxiliary.state_dict()[conv],
                           aux_before[conv])


def test_separate_unlabeled_forward_still_trains_on_pseudo_labels():
    model, _ = build('cmpl', threshold=0.0, unlabeled_forward='separate')
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    losses = model.train_step(fake_batch(), optim)
    assert float(losses['unsup_mask_ratio']) == 1.0
    assert losses['unsup_aux_loss_cls'].item() > 0
    # the unlabeled forward ran in training mode and restored the layers
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm3d):
            assert module.track_running_stats and module.training


def test_frozen_bn_running_stats_keeps_running_statistics():
    from cmpl_mm.models.utils import frozen_bn_running_stats
    net = torch.nn.Sequential(torch.nn.Conv3d(3, 4, 1), torch.nn.BatchNorm3d(4),
                              torch.nn.BatchNorm3d(4))
    net[2].eval()  # an eval-mode layer keeps using its running statistics
    net[2].running_mean.fill_(5.0)
    x = torch.randn(6, 3, 2, 4, 4) * 3 + 2
    with frozen_bn_running_stats(net):
        out = net(x)
    assert torch.equal(net[1].running_mean, torch.zeros(4))
    assert int(net[1].num_batches_tracked) == 0
    mean = out.mean(dim=(0, 2, 3, 4))  # normalised by the batch, shifted by
    assert torch.allclose(mean, torch.full((4, ), -5.0), atol=1e-4)  # layer 2
    with pytest.raises(RuntimeError):
        with frozen_bn_running_stats(net):
            raise RuntimeError('forward failed')
    assert net[1].track_running_stats and net[2].track_running_stats
    net(x)
    assert int(net[1].num_batches_tracked) == 1


def _unlabeled_batches(cfg, ann_file, root, steps):
    """Batches of the real unlabeled pipeline, seeded identically."""
    unlabeled = copy.deepcopy(cfg.train_dataloader.dataset.unlabeled)
    unlabeled.update(ann_file=ann_file, data_prefix=dict(video=root))
    dataset = DATASETS.build(unlabeled)
    labeled = copy.deepcopy(cfg.train_dataloader.dataset.labeled)
    labeled.update(
        ann_file=osp.join(root, 'semi', 'labeled.txt'),
        data_prefix=dict(video=root))
    labeled = DATASETS.build(labeled)
    batches = []
    np.random.seed(0)
    random.seed(0)  # mmaction2 crops draw offsets from `random`
    for step in range(steps):
        samples = [labeled[step], labeled[step + 1]]
        samples += [dataset[2 * step + i] for i in range(4)]
        batches.append(pseudo_collate(samples))
    return batches


# every algorithm, and every new pseudo-label rule (their state persists
# across steps: it must not see the monitoring labels either)
LEAK_CONFIGS = algorithms() + ['cmpl-flexmatch', 'cmpl-distalign', 'cmpl-tg']


@pytest.mark.parametrize('algorithm', LEAK_CONFIGS)
def test_no_label_leak_when_monitor_labels_are_permuted(
        tiny_dataset, tmp_path, algorithm):
    root = tiny_dataset
    lines = open(osp.join(root, 'semi', 'unlabeled.txt')).read().split('\n')
    lines = [line.split() for line in lines if line.strip()]
    permuted = str(tmp_path / 'permuted.txt')
    with open(permuted, 'w') as f:
        for (path, _), (_, label) in zip(lines, lines[3:] + lines[:3]):
            f.write(f'{path} {label}\n')
    runs = []
    for ann_file in (osp.join(root, 'semi', 'unlabeled.txt'), permuted):
        model, cfg = build(algorithm, threshold=0.0)
        model.ema_hooked = True
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        if cfg.train_dataloader.dataset.unlabeled is None:  # supervised
            cfg = Config.fromfile(osp.join(
                REPO_ROOT, 'configs/fixmatch_r3d18q_synthetic.py'))
        batches = _unlabeled_batches(cfg, ann_file, root, steps=3)
        memories = [m for m in model.modules()
                    if isinstance(m, BasePart) and m.remembers_clips]
        for part in memories:  # as PseudoLabelMemoryHook does
            part.set_num_unlabeled(len(lines))
        torch.manual_seed(1)
        history = []
        for batch in batches:
            losses = model.train_step(batch, optim)
            model.update_ema_networks()  # as EMATeacherHook does
            history.append({k: v.detach().clone() for k, v in losses.items()})
        params = [p.detach().clone() for p in model.state_dict().values()]
        for part in memories:  # the clips' dataset indices reached the rule
            assert sorted(torch.nonzero(part.memory >= 0).flatten().tolist()
                          ) == list(range(8))  # 3 steps x 4, overlapping
        runs.append((history, params, batches))
    (hist_a, params_a, batch_a), (hist_b, params_b, batch_b) = runs
    # the monitoring labels did differ ...
    assert batch_a[0]['monitor_only_gt_label'] != \
        batch_b[0]['monitor_only_gt_label']
    # ... and nothing the optimiser saw changed
    for step_a, step_b in zip(hist_a, hist_b):
        assert step_a.keys() == step_b.keys()
        for key in step_a:
            assert torch.equal(step_a[key], step_b[key]), key
    for a, b in zip(params_a, params_b):
        assert torch.equal(a, b)
    assert any('unsup_loss_cls' in step for step in hist_a) == (
        algorithm != 'supervised')


def test_auxiliary_evaluation_is_prefixed_and_optional():
    from mmaction.registry import METRICS
    model, _ = build('cmpl', threshold=0.0)
    model.eval()
    clip = torch.randint(0, 255, (1, 3, 8, 56, 56), dtype=torch.uint8)
    data = dict(inputs=[clip], data_samples=[ActionDataSample().set_gt_label(1)])
    with torch.no_grad():  # as in mmengine's ValLoop
        out = model.test_step(copy.deepcopy(data))
        assert 'aux_pred_score' not in out[0]
        model.evaluate_auxiliary = True
        out = model.test_step(copy.deepcopy(data))
        primary, aux = out[0].pred_score, out[0].aux_pred_score
        direct = model.auxiliary.predict(
            model.data_preprocessor(copy.deepcopy(data))['inputs'],
            [ActionDataSample().set_gt_label(1)])[0].pred_score
    assert torch.allclose(aux, direct) and not torch.allclose(aux, primary)
    metric = METRICS.build(dict(type='AuxiliaryAccMetric'))
    metric.dataset_meta = {}
    metric.process(None, [s.to_dict() for s in out])
    results = metric.evaluate(1)
    assert set(results) >= {'aux_acc/top1', 'aux_acc/mean1'}
    assert results['aux_acc/top1'] == float(aux.argmax() == 1)
