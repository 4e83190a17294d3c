"""Pseudo-labeling parts against their formulas, and the algorithms built
on them (FixMatch / CMPL equal to main before the refactor, Mean Teacher,
UDA, EMA teachers)."""
import copy
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.engine.hooks import EMATeacherHook
from cmpl_mm.models.pseudo_label import (AllClips, BasePart, EMANetwork,
                                         EMATeacher,
                                         FixedThreshold, HardTarget,
                                         SoftTarget, take_record)
from cmpl_mm.config_check import ConfigError, check_config
from helpers import REPO_ROOT, algorithms
from reference_steps import CASES, differences, fixed_batch, run_case

init_default_scope('mmaction')
ALGORITHMS = algorithms()


@pytest.fixture(autouse=True)
def no_stale_record():
    """Each test starts without a record left by another one."""
    take_record()


def build(algorithm, **semi_train_cfg):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{algorithm}_r3d18q_synthetic.py'))
    cfg.model.semi_train_cfg.update(dict(warmup_iters=0), **semi_train_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.ema_hooked = True  # as EMATeacherHook marks it in a Runner
    return model, cfg


# -- parts on fixed tensors --------------------------------------------------
def test_ema_network_formula_and_isolation():
    """ema <- m * ema + (1 - m) * live for weights (no warm-up; the
    warm-ups are tests/test_ema_warmup.py); buffers copied; the copy holds
    no parameters and stays in evaluation mode."""
    live = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    ema = EMANetwork(live, momentum=0.9, warmup='none')
    assert list(ema.parameters()) == []
    start = {k: v.clone() for k, v in ema.network.state_dict().items()}
    with torch.no_grad():
        live[0].weight.add_(1.0)
        live[1].running_mean.fill_(3.0)
    ema.update(live)
    expected = 0.9 * start['0.weight'] + 0.1 * live[0].weight
    assert torch.allclose(ema.network[0].weight, expected)
    assert torch.equal(ema.network[1].running_mean, torch.full((2, ), 3.0))
    assert int(ema.num_updates) == 1
    parent = nn.ModuleDict(dict(ema=ema))
    parent.train()
    assert not ema.training and not ema.network[1].training
    ema.copy_from(live)
    assert torch.equal(ema.network[0].weight, live[0].weight)


@pytest.mark.parametrize('momentum', [1.0, -0.1, 2, True, 'x'])
def test_ema_teacher_refuses_bad_momentum(momentum):
    with pytest.raises(ValueError, match='momentum'):
        EMATeacher(momentum=momentum)


def test_targets():
    """Hard: argmax. Soft: softmax(log p / T) == softmax(logits / T)."""
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    probs = logits.softmax(1)
    assert HardTarget()(probs).tolist() == [0, 2]
    sharp = SoftTarget(temperature=0.4)(probs)
    assert torch.allclose(sharp, (logits / 0.4).softmax(1), atol=1e-6)
    assert sharp[0, 0] > probs[0, 0]  # sharpened
    assert torch.equal(SoftTarget(temperature=1.0)(probs), probs)
    for bad in (0, -1.0, '0.4'):
        with pytest.raises(ValueError, match='temperature'):
            SoftTarget(temperature=bad)


def test_masks():
    probs = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    assert FixedThreshold(0.8)(probs).tolist() == [1, 0, 1]
    assert FixedThreshold(0.6)(probs).tolist() == [1, 1, 1]
    assert AllClips()(probs).tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match='threshold'):
        FixedThreshold(1.5)


def test_losses_weighted_and_normalised_by_the_whole_batch():
    """loss = sum_i w_i * l_i / N for every loss, N counting masked clips:
    hard CE l_i = -log p_i[y_i]; soft CE l_i = -sum_c q_ic log p_ic; MSE
    l_i = ||p_i - q_i||^2."""
    torch.manual_seed(0)
    logits = torch.randn(4, 5, requires_grad=True)
    q = torch.rand(4, 5).softmax(1)
    y = torch.tensor([1, 0, 4, 2])
    w = torch.tensor([1.0, 0.0, 0.5, 1.0])
    p = logits.softmax(1)
    hand = dict(
        PseudoLabelCrossEntropy=(y, -(p[range(4), y].log())),
        SoftPseudoLabelCrossEntropy=(q, -(q * p.log()).sum(1)),
        SoftPseudoLabelMSE=(q, ((p - q)**2).sum(1)))
    for name, (target, per_clip) in hand.items():
        loss = MODELS.build(dict(type=name))(logits, target, w)
        assert torch.allclose(loss, (w * per_clip).sum() / 4), name
        empty = MODELS.build(dict(type=name))(logits[:0], target[:0], w[:0])
        assert empty.item() == 0.0
    with pytest.raises(ValueError, match='distributions'):
        MODELS.build(dict(type='SoftPseudoLabelCrossEntropy'))(logits, y, w)


# -- FixMatch / CMPL unchanged ---------------------------------------------
@pytest.mark.parametrize('algorithm,forward', CASES)
def test_fixmatch_and_cmpl_equal_main_before_the_parts(algorithm, forward):
    """Three steps of the demo optimizer on fixed batches and seeds give
    exactly the losses, weights and batch-norm statistics of main at commit
    24f589b, before the parts: ``frozen_loss`` (a frozen copy of that rule,
    in ``reference_steps.py``) run in place of the recognizer's ``loss`` in
    this same process, from the same weights and random state. Both do the
    same float operations in the same order, so the comparison is exact on
    any CPU and thread count (measured: equal to the last bit with 1 and 2
    OpenMP threads)."""
    composed = run_case(algorithm, forward)
    assert take_record() is not None  # the recognizer's own rule ran
    frozen = run_case(algorithm, forward, frozen=True)
    assert take_record() is None  # ... and here the frozen one instead
    assert any(0 < step['unsup_mask_ratio'] < 1
               for step in frozen['losses'])  # the mask mattered
    assert differences(composed, frozen) == []


def test_reference_check_sees_a_one_percent_change():
    """The comparison catches an unlabeled loss weight of 0.99 in the
    recognizer against 1.0 in the frozen rule."""
    changed = run_case('fixmatch', 'joint', unsup_weight=0.99)
    frozen = run_case('fixmatch', 'joint', frozen=True)
    assert any('unsup_loss_cls' in p for p in differences(changed, frozen))


# -- the algorithms ----------------------------------------------------------
@pytest.mark.parametrize('algorithm', ALGORITHMS)
def test_every_algorithm_trains_from_the_same_batch(algorithm):
    """Every registered algorithm, at an iteration where every ramp is
    complete; rules with a per-clip memory get it as the hook gives it."""
    model, _ = build(algorithm, threshold=0.0)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    batch = fixed_batch()
    for i, sample in enumerate(s for s in batch['data_samples']['weak']
                               if s is not None):
        sample.set_metainfo(dict(sample_idx=i))
    for part in model.modules():
        if isinstance(part, BasePart) and part.remembers_clips:
            part.set_num_unlabeled(len(batch['data_samples']['weak']))
    hub = MessageHub.get_current_instance()
    before = hub.get_info('iter', 0)
    hub.update_info('iter', 10**6)
    try:
        losses = model.train_step(batch, optim)
    finally:
        hub.update_info('iter', before)
    record = take_record()
    assert 'sup_loss_cls' in losses
    taught = list(model.teachers)
    assert ('unsup_loss_cls' in losses) == bool(taught)
    if taught:  # a loss wherever a clip counts (Dash's rho may take none)
        accepted = float(losses['unsup_mask_ratio']) > 0
        assert (losses['unsup_loss_cls'].item() > 0) == accepted
        assert list(record.students) == taught
    else:
        assert record is None


def test_uda_uses_sharpened_soft_targets_under_a_confidence_mask():
    model, _ = build('uda')
    labeler = model.pseudo_labelers['primary']
    assert (type(labeler.target).__name__, labeler.target.temperature,
            labeler.mask.threshold) == ('SoftTarget', 0.4, 0.8)
    scores = dict(primary=dict(
        weak=torch.tensor([[4.0, 0.0, 0.0], [0.3, 0.2, 0.1]]),
        strong=torch.randn(2, 3, requires_grad=True)))
    probs = model.teacher_probs(dict(weak=None), scores)
    losses = model.student_losses(scores, probs, {})
    take_record()
    q = (scores['primary']['weak'] / 0.4).softmax(1)
    mask = torch.tensor([1.0, 0.0])  # only clip 0 is >= 0.8 sure
    per_clip = -(q * scores['primary']['strong'].log_softmax(1)).sum(1)
    assert torch.allclose(losses['unsup_loss_cls'], (per_clip * mask).mean())


def test_mean_teacher_deploys_the_ema_and_teaches_on_every_clip():
    model, _ = build('meanteacher')
    assert model.deployed_network() is model.ema_networks['primary'].network
    assert type(model).deployed_prefix() == 'ema_networks.primary.network.'
    ema_params = {id(p) for p in model.ema_networks.parameters()}
    assert not ema_params  # EMA weights are buffers: never optimised
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = copy.deepcopy(model.ema_networks.state_dict())
    losses = model.train_step(fixed_batch(), optim)
    take_record()
    assert float(losses['unsup_mask_ratio']) == 1.0  # AllClips
    # the step moved the live network, not the EMA (the hook does that)
    for key, value in model.ema_networks.state_dict().items():
        assert torch.equal(value, before[key]), key
    model.update_ema_networks()
    conv = 'primary.network.backbone.conv1.conv.weight'
    live = model.primary.state_dict()['backbone.conv1.conv.weight']
    # the first update of the original warm-up: min(1 - 1/2, 0.999)
    expected = 0.5 * before[conv] + 0.5 * live
    assert torch.allclose(model.ema_networks.state_dict()[conv], expected)


def test_cmpl_with_ema_teachers_crosses_the_averages():
    model, _ = build('cmpl', teacher=dict(type='EMATeacher', momentum=0.5))
    assert sorted(model.ema_networks) == ['auxiliary', 'primary']
    assert model.teacher_name('primary') == 'ema_auxiliary'
    assert model.teacher_name('auxiliary') == 'ema_primary'
    # no live network forwards the weak view any more
    assert model.views_of('primary', True) == ['sup', 'strong']
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    losses = model.train_step(fixed_batch(), optim)
    record = take_record()
    assert record.students['primary'].teacher == 'ema_auxiliary'
    assert 'unsup_aux_loss_cls' in losses


def test_ema_needs_its_hook():
    model, _ = build('meanteacher')
    model.ema_hooked = False
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(RuntimeError, match='EMATeacherHook'):
        model.train_step(fixed_batch(), optim)


def test_ema_hook_follows_optimizer_steps_only():
    """The EMA moves after an optimizer step, not after a skipped one."""
    model, _ = build('meanteacher', nonfinite_loss='skip')
    model.ema_hooked = False
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = SimpleNamespace(model=model, optim_wrapper=optim)
    hook = EMATeacherHook()
    hook.before_train(runner)
    assert model.ema_hooked
    ema = model.ema_networks['primary']
    model.train_step(fixed_batch(), optim)
    hook.after_train_iter(runner, 0)
    assert int(ema.num_updates) == 1
    hook.after_train_iter(runner, 1)  # no optimizer step in between
    assert int(ema.num_updates) == 1
    model.primary.cls_head.fc_cls.weight.data[0, 0] = float('nan')
    assert model.train_step(fixed_batch(), optim) == {}  # skipped step
    hook.after_train_iter(runner, 2)
    assert int(ema.num_updates) == 1
    hook.after_train(runner)
    take_record()


def test_ema_weights_resume_exactly_and_old_checkpoints_start_them():
    model, _ = build('cmpl', teacher=dict(type='EMATeacher', momentum=0.9))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    model.train_step(fixed_batch(), optim)
    model.update_ema_networks()
    state = copy.deepcopy(model.state_dict())
    assert any(k.startswith('ema_networks.primary.network.') for k in state)
    resumed, _ = build('cmpl', teacher=dict(type='EMATeacher', momentum=0.9))
    resumed.load_state_dict(state, strict=True)
    for key, value in resumed.state_dict().items():
        assert torch.equal(value, state[key]), key
    # a checkpoint written before EMA teachers existed
    old = {k: v for k, v in state.items() if not k.startswith('ema_')}
    fresh, _ = build('cmpl', teacher=dict(type='EMATeacher', momentum=0.9))
    hub = MessageHub.get_current_instance()
    fresh.load_state_dict(old, strict=True)  # no missing-key error
    ema = fresh.ema_networks['auxiliary'].network.state_dict()
    for key, value in fresh.auxiliary.state_dict().items():
        assert torch.equal(ema[key], value), key
    assert hub is MessageHub.get_current_instance()
    take_record()


# -- bad configs: one line naming the key, before anything is built --------
BAD_PARTS = [
    (dict(mask=dict(type='FlexThreshold')),
     "model.semi_train_cfg.mask.type='FlexThreshold': not a registered mask"),
    (dict(teacher=dict(type='EMATeacher', momentum=1.0)),
     'model.semi_train_cfg.teacher: momentum=1.0 must be a number in [0, 1)'),
    (dict(target=dict(type='SoftTarget', temperature=0)),
     'model.semi_train_cfg.target: temperature=0 must be a number > 0'),
    (dict(teacher=dict(type='EMATeacher', network='auxiliary')),
     "model.semi_train_cfg.teacher.network='auxiliary': no such network"),
    (dict(target=dict(type='SoftTarget')),
     'model.semi_train_cfg.loss: PseudoLabelCrossEntropy fits hard targets'),
    (dict(target=dict(auxiliary=dict(type='HardTarget'))),
     "model.semi_train_cfg.target: ['auxiliary'] name no network"),
    (dict(loss=dict(type='HardTarget')),
     "model.semi_train_cfg.loss.type='HardTarget': not a registered "
     'pseudo-label loss'),
]


@pytest.mark.parametrize('semi_train_cfg,expected', BAD_PARTS)
def test_bad_parts_are_refused_naming_the_key(semi_train_cfg, expected):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/fixmatch_r3d18q_synthetic.py'))
    cfg.model.semi_train_cfg.update(semi_train_cfg)
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)
    with pytest.raises(ConfigError) as err:  # and when built directly
        MODELS.build(cfg.model)
    assert expected.replace('model.semi_train_cfg', 'semi_train_cfg') in \
        str(err.value)


def test_per_network_parts():
    model, _ = build(
        'cmpl', target=dict(auxiliary=dict(type='SoftTarget', temperature=2)),
        loss=dict(auxiliary=dict(type='SoftPseudoLabelCrossEntropy')))
    assert type(model.pseudo_labelers['primary'].target) is HardTarget
    assert model.pseudo_labelers['auxiliary'].target.temperature == 2.0


def test_buffer_sync_leaves_the_ema_weights_out(monkeypatch):
    """SyncLiveBuffersHook averages batch-norm statistics across ranks
    but not the EMA copies, which every rank updates identically."""
    from cmpl_mm.engine.hooks import SyncLiveBuffersHook
    from cmpl_mm.engine.hooks import sync_live_buffers_hook as module
    model, _ = build('meanteacher')
    synced = []
    monkeypatch.setattr(module, 'all_reduce_params',
                        lambda buffers, op: synced.extend(buffers))
    hook = SyncLiveBuffersHook()
    hook.distributed = True
    hook.after_train_epoch(SimpleNamespace(model=model))
    ids = {id(b) for b in synced}
    assert id(model.primary.backbone.conv1.bn.running_mean) in ids
    ema = model.ema_networks['primary'].network
    assert id(ema.backbone.conv1.conv.weight) not in ids
    assert not any(id(b) in ids for b in model.ema_networks.buffers())
    assert len(synced) == len(list(model.buffers())) - len(
        list(model.ema_networks.buffers())) - len(
            list(model.pseudo_labelers.buffers()))


def test_speed_options_reach_the_networks():
    """concurrent_networks falls back to the same sequential step without
    CUDA; channels_last_3d='always' lays out every network's weights
    (EMA copies included) as NDHWC when the model is built."""
    from cmpl_mm.models.utils import is_channels_last_3d
    runs = []
    for concurrent in (False, True):
        model, _ = build('cmpl', concurrent_networks=concurrent)
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        torch.manual_seed(1)
        losses = model.train_step(fixed_batch(), optim)
        runs.append({k: float(v.detach()) for k, v in losses.items()})
    assert runs[0] == runs[1]
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/cmpl-ema_r3d18q_synthetic.py'))
    cfg.model.data_preprocessor.channels_last_3d = 'always'
    model = MODELS.build(cfg.model)
    for net in (model.primary, model.auxiliary,
                model.ema_networks['primary'].network):
        assert is_channels_last_3d(net.backbone.conv1.conv.weight)
