"""Dash's threshold, Pseudo-Label's same-view targets and the weight
schedules, against their formulas."""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import check_config
from cmpl_mm.models.pseudo_label import (DashThreshold, StepContext,
                                         build_weight_schedule, take_record)
from cmpl_mm.models.recognizers.semi_train_cfg import ConfigError
from helpers import REPO_ROOT
from reference_steps import fixed_batch


def _context(t, loss=None, start=10):
    return StepContext(network='primary', iteration=start + t,
                       unsup_start=start,
                       sup_loss=None if loss is None else torch.tensor(loss))


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


@pytest.fixture
def at_iteration():
    hub = MessageHub.get_current_instance()
    before = hub.get_info('iter', 0)
    yield lambda it: hub.update_info('iter', it)
    hub.update_info('iter', before)


# -- weight schedules ------------------------------------------------------
def test_schedules_follow_their_formulas():
    sigmoid = build_weight_schedule(
        dict(type='SigmoidRampUp', value=10.0, ramp_iters=100))
    linear = build_weight_schedule(
        dict(type='LinearRampUp', value=3.0, ramp_iters=4))
    for t in (-5, 0, 25, 50, 100, 1000):
        pos = min(max(t / 100, 0.0), 1.0)
        assert sigmoid(t) == pytest.approx(10.0 * math.exp(-5 * (1 - pos)**2))
    assert [linear(t) for t in (-1, 0, 1, 2, 4, 9)] == [0, 0, 0.75, 1.5, 3, 3]
    assert build_weight_schedule(2.5)(0) == 2.5
    assert build_weight_schedule(
        dict(type='SigmoidRampUp', value=1.0, ramp_iters=0))(0) == 1.0


@pytest.mark.parametrize('unsup_weight,expected', [
    (dict(type='CosineRamp', value=1.0),
     "model.semi_train_cfg.unsup_weight: type='CosineRamp' is not a "
     'registered weight schedule'),
    (dict(type='LinearRampUp', value=1.0, ramp_iters=-1),
     'model.semi_train_cfg.unsup_weight: ramp_iters=-1 must be an integer'),
    (dict(type='LinearRampUp', value=-2.0),
     'model.semi_train_cfg.unsup_weight: value=-2.0 must be a number >= 0'),
    (dict(primary=dict(type='LinearRampUp', value=1.0, ramp=3)),
     'model.semi_train_cfg.unsup_weight.primary: LinearRampUp:'),
])
def test_bad_schedules_are_named_before_the_run(unsup_weight, expected):
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/fixmatch_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.unsup_weight = unsup_weight
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)


def test_a_schedule_on_a_key_that_takes_none():
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/fixmatch_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.threshold = dict(type='LinearRampUp', value=1.0)
    with pytest.raises(ConfigError, match='threshold takes a number, not a '
                       'schedule'):
        check_config(cfg)


def test_mean_teacher_ramps_its_weight_and_logs_it(at_iteration):
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/meanteacher_r3d18q_synthetic.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.mark_ema_hooked()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    weights = {}
    for it in (200, 350, 500, 899):  # warm-up 200, ramp 300, value 10
        at_iteration(it)
        losses = model.train_step(fixed_batch(), optim)
        take_record()
        weights[it] = float(losses['unsup_weight'])
    t = {200: 0.0, 350: 0.5, 500: 1.0, 899: 1.0}
    for it, pos in t.items():
        assert weights[it] == pytest.approx(10 * math.exp(-5 * (1 - pos)**2))


# -- Dash --------------------------------------------------------------------
def test_dash_threshold_decays_from_rho_hat():
    """rho_t = max(C gamma^-k rho_hat, rho_min), k = t // decay_iters; a
    clip counts where -log max p <= rho_t (a confidence exp(-rho_t))."""
    mask = DashThreshold(rho_init=1.0, gamma=2.0, C=1.0, rho_min=0.2,
                         decay_iters=10)
    probs = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
    for t, rho in ((0, 1.0), (9, 1.0), (10, 0.5), (25, 0.25), (100, 0.2)):
        mask.observe_step(_context(t))
        assert float(mask.rho()) == pytest.approx(rho)
        expected = (-probs.max(1)[0].log() <= rho).float()
        assert torch.equal(mask(probs), expected)
        assert float(mask.current_threshold()) == pytest.approx(
            math.exp(-rho))


def test_dash_estimates_rho_hat_from_the_warmup_and_resumes_it():
    mask = DashThreshold(estimate_iters=3, decay_iters=10)
    assert mask.current_threshold() is None
    for t, loss in zip(range(-5, 0), (9.0, 9.0, 1.0, 2.0, 3.0)):
        mask.observe_step(_context(t, loss))
    mask.observe_step(_context(0, 7.0))  # after the warm-up: not counted
    assert float(mask.rho()) == pytest.approx(1.0001 * 2.0)  # mean 1, 2, 3
    fresh = DashThreshold(estimate_iters=3, decay_iters=10)
    fresh.load_state_dict(mask.state_dict())
    fresh.observe_step(_context(0, 5.0))
    assert float(fresh.rho()) == float(mask.rho())
    # no warm-up: the first unlabeled step's loss
    nowarm = DashThreshold()
    nowarm.observe_step(_context(0, 4.0))
    assert float(nowarm.rho()) == pytest.approx(1.0001 * 4.0)


@pytest.mark.parametrize('mask,expected', [
    (dict(rho_init=0), 'model.semi_train_cfg.mask: rho_init=0 must be a '
     'number > 0'),
    (dict(gamma=1.0), 'model.semi_train_cfg.mask: gamma=1.0 must be > 1'),
    (dict(decay_iters=0), 'decay_iters=0 must be an integer > 0'),
])
def test_bad_dash_settings_are_named_before_the_run(mask, expected):
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/dash_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.mask.update(mask)
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)


def test_dash_trains_and_reports_its_threshold(at_iteration):
    """The step context reaches the mask through the recognizer: warm-up
    steps estimate rho_hat, then the record carries exp(-rho_t)."""
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/dash_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.update(warmup_iters=2)
    cfg.model.semi_train_cfg.mask.update(estimate_iters=2)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    sup = []
    for it in range(3):
        at_iteration(it)
        losses = model.train_step(fixed_batch(), optim)
        sup.append(float(torch.as_tensor(losses['sup_loss_cls']).detach()))
    record = take_record()
    mask = model.pseudo_labelers['primary'].mask
    assert float(mask.rho_hat) == pytest.approx(sum(sup[:2]) / 2, rel=1e-5)
    assert float(record.students['primary'].threshold) == pytest.approx(
        math.exp(-1.0001 * sum(sup[:2]) / 2), rel=1e-5)


# -- Pseudo-Label ------------------------------------------------------------
def test_pseudolabel_fits_its_own_prediction_of_the_same_view(at_iteration):
    """Lee's rule: the loss is CE(z, argmax z) of the same forward on every
    clip, times alpha(t); the strong view is never forwarded."""
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/pseudolabel_r3d18q_synthetic.py')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert model.views_of('primary', True) == ['sup', 'weak']
    model.eval()  # no dropout: the hand computation sees the same logits
    at_iteration(450)  # warm-up 200, ramp 500: alpha = 3 * 250 / 500
    data = model.data_preprocessor(fixed_batch(), training=True)
    losses = model.loss(data['inputs'], data['data_samples'])
    take_record()
    weak = model.view_scores(model.primary, [data['inputs']['weak']],
                             ['weak'])['weak']
    hand = torch.nn.functional.cross_entropy(weak, weak.argmax(1))
    assert float(losses['unsup_weight']) == pytest.approx(1.5)
    assert float(losses['unsup_loss_cls'].detach()) == pytest.approx(
        1.5 * float(hand.detach()), rel=1e-4)
    assert float(losses['unsup_mask_ratio']) == 1.0
