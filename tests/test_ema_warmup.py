"""The EMA copy's warm-up and buffer handling, against the formulas."""
import math

import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope

from cmpl_mm.models.pseudo_label import EMANetwork, EMATeacher

# the configs' models are built from mmaction2's registries (and whatever
# test ran before in this process)
init_default_scope('mmaction')


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def _run(ema, live, steps):
    """``steps`` updates, each after moving the live weight to ``k``; the
    expected weight is computed by the formula in plain Python floats."""
    expected = float(ema.network[0].weight[0, 0])
    for k in range(1, steps + 1):
        with torch.no_grad():
            live[0].weight.fill_(float(k))
            live[1].running_mean.fill_(float(k))
        m = ema.momentum_at(k - 1)
        ema.update(live)
        expected = m * expected + (1 - m) * k
    return expected


def test_tarvainen_warmup_is_the_true_mean_then_the_momentum():
    """``m_n = min(1 - 1/(n + 2), momentum)``: while it binds, the copy is
    the plain mean of the start and every update (Tarvainen & Valpola's
    ``alpha = min(1 - 1 / (global_step + 1), alpha)``)."""
    live = _net()
    with torch.no_grad():
        live[0].weight.fill_(0.0)
    ema = EMANetwork(live, momentum=0.9)
    assert [ema.momentum_at(n) for n in range(4)] == pytest.approx(
        [1 / 2, 2 / 3, 3 / 4, 4 / 5])
    assert ema.momentum_at(8) == 0.9 and ema.momentum_at(100) == 0.9
    _run(ema, live, 4)
    # mean of 0 (start), 1, 2, 3, 4
    assert torch.allclose(ema.network[0].weight, torch.full((2, 3), 2.0))
    assert int(ema.num_updates) == 4


def test_exp_warmup_follows_mmdetection_expmomentumema():
    """mmdet's ``(1 - m') * exp(-(1 + n) / gamma) + m'`` weighs the new
    value with ``m' = 1 - momentum``; the old average keeps the rest."""
    live = _net()
    ema = EMANetwork(live, momentum=0.99, warmup='exp', gamma=10)
    for n in (0, 5, 50):
        new_weight = (1 - 0.01) * math.exp(-(1 + n) / 10) + 0.01
        assert ema.momentum_at(n) == pytest.approx(1 - new_weight)
    expected = _run(ema, live, 6)
    assert float(ema.network[0].weight[0, 0]) == pytest.approx(expected)


def test_no_warmup_keeps_the_old_rule():
    live = _net()
    start = float(live[0].weight[0, 0].detach())
    ema = EMANetwork(live, momentum=0.9, warmup='none')
    expected = _run(ema, live, 3)
    assert expected == pytest.approx(
        0.9**3 * start + 0.1 * (0.9**2 * 1 + 0.9 * 2 + 3))
    assert torch.allclose(ema.network[0].weight[0, 0],
                          torch.tensor(expected))


@pytest.mark.parametrize('mode', ['copy', 'average'])
def test_buffers_copied_or_averaged(mode):
    live = _net()
    with torch.no_grad():
        live[1].running_mean.fill_(0.0)
    ema = EMANetwork(live, momentum=0.9, buffers=mode)
    _run(ema, live, 3)
    mean = ema.network[1].running_mean
    if mode == 'copy':
        assert torch.equal(mean, torch.full((2, ), 3.0))
    else:  # the true mean of 0, 1, 2, 3 while the warm-up binds
        assert torch.allclose(mean, torch.full((2, ), 1.5))
    # integer buffers are counters, always copied
    assert torch.equal(ema.network[1].num_batches_tracked,
                       live[1].num_batches_tracked)


@pytest.mark.parametrize('kwargs,match', [
    (dict(warmup='linear'), 'warmup'),
    (dict(gamma=0), 'gamma'),
    (dict(buffers='recompute'), 'buffers'),
    (dict(start='epoch'), 'start'),
    (dict(momentum=1.0), 'momentum'),
])
def test_bad_ema_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EMATeacher(**kwargs)
    with pytest.raises(ValueError, match=match):
        EMANetwork(_net(), **dict(dict(momentum=0.9), **kwargs))


def test_numpy_scalars_pass_like_floats():
    np = pytest.importorskip('numpy')
    from mmaction.registry import MODELS
    mask = MODELS.build(dict(type='FixedThreshold', threshold=np.float32(0.9)))
    assert mask.threshold == pytest.approx(0.9)
    assert EMATeacher(momentum=np.float32(0.99)).momentum == pytest.approx(
        0.99)


def test_one_argument_of_a_default_part_can_be_overridden():
    """``teacher=dict(momentum=...)`` changes the class default's argument
    (Mean Teacher's EMATeacher) and keeps its type; a bad value is named."""
    from mmengine.config import Config
    from cmpl_mm.config_check import check_config
    from cmpl_mm.models.recognizers.semi_train_cfg import ConfigError
    from helpers import REPO_ROOT
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/meanteacher_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.teacher = dict(momentum=0.99, warmup='exp')
    from mmaction.registry import MODELS
    model = MODELS.build(cfg.model)
    ema = model.ema_networks['primary']
    assert (ema.momentum, ema.warmup) == (0.99, 'exp')
    cfg.model.semi_train_cfg.teacher = dict(momentum=1.5)
    with pytest.raises(ConfigError,
                       match=r'semi_train_cfg.teacher: momentum=1.5 must'):
        check_config(cfg)


def test_a_checkpoint_without_the_update_count_keeps_its_ema_warmed_up():
    """Resuming EMA weights saved without ``num_updates``: the weights are
    kept and the warm-up counts as finished (momentum at once)."""
    from mmengine.config import Config
    from mmaction.registry import MODELS
    from helpers import REPO_ROOT
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/meanteacher_r3d18q_synthetic.py')
    torch.manual_seed(0)
    saved = MODELS.build(cfg.model)
    with torch.no_grad():
        for buf in saved.ema_networks['primary'].network.buffers():
            if buf.is_floating_point():
                buf.add_(1.0)
    state = saved.state_dict()
    del state['ema_networks.primary.num_updates']
    fresh = MODELS.build(cfg.model)
    fresh.load_state_dict(state, strict=True)
    ema = fresh.ema_networks['primary']
    assert ema.momentum_at(int(ema.num_updates)) == ema.momentum
    for key, value in ema.network.state_dict().items():
        assert torch.equal(value, state[f'ema_networks.primary.network.{key}'])


def test_an_ema_started_at_the_warmup_end_is_the_live_network_until_then():
    """``start='warmup_end'``: while the supervised warm-up lasts, each
    step leaves the copy equal to the live network with no update counted;
    the first step after it averages with the warm-up rule's first
    momentum (1/2), from the network the warm-up trained."""
    from mmengine.config import Config
    from mmengine.logging import MessageHub
    from mmaction.registry import MODELS
    from helpers import REPO_ROOT
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/meanteacher_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.teacher = dict(start='warmup_end')
    cfg.model.semi_train_cfg.warmup_iters = 2
    model = MODELS.build(cfg.model)
    model.init_weights()
    ema = model.ema_networks['primary']
    assert ema.start == 'warmup_end'
    live = model.primary
    weight = next(live.parameters())
    name = next(n for n, _ in live.named_parameters())
    ema_weight = dict(ema.network.named_buffers())[name]
    hub = MessageHub.get_current_instance()
    before = hub.get_info('iter', 0)
    try:
        for it, value in enumerate([1.0, 2.0, 3.0, 4.0]):
            hub.update_info('iter', it)
            with torch.no_grad():
                weight.fill_(value)
            model.update_ema_networks()
            if it < 2:  # warm-up: the live network itself, nothing counted
                assert torch.equal(ema_weight, weight)
                assert int(ema.num_updates) == 0
        # iter 2: 1/2 * 2 (warm-up end) + 1/2 * 3; iter 3: 2/3 * 2.5 + 1/3 * 4
        assert torch.allclose(ema_weight, torch.full_like(ema_weight, 3.0))
        assert int(ema.num_updates) == 2
    finally:
        hub.update_info('iter', before)
    # the default starts at once
    cfg.model.semi_train_cfg.teacher = dict()
    assert MODELS.build(cfg.model).ema_networks['primary'].start == 'init'
