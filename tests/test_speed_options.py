"""GPU speed options, checked on the CPU: stream overlap falls back to the
sequential forward, channels_last_3d gives the same results, AMP configs
build and train without an accelerator, the R3D-50 configs default to the
options."""
import copy
import functools
import glob
import logging
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.engine.optimizers import DeviceAmpOptimWrapper, amp_available
from cmpl_mm.models.utils import (channels_last_3d_wanted,
                                  concurrent_forward, is_channels_last_3d,
                                  network_to_channels_last_3d,
                                  to_channels_last_3d)
from helpers import REPO_ROOT

DEMO_CMPL = osp.join(REPO_ROOT, 'configs', 'cmpl_r3d18q_synthetic.py')
R3D50_CONFIGS = sorted(
    f for f in glob.glob(osp.join(REPO_ROOT, 'configs', '*.py'))
    if 'sgd_cosine_54k' in open(f).read())


def demo_networks(seed=0):
    """The demo CMPL config's primary and auxiliary, freshly initialised."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(DEMO_CMPL)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    logging.disable(logging.INFO)  # init_weights logs every parameter
    try:
        model.init_weights()
    finally:
        logging.disable(logging.NOTSET)
    return model


def clips(n, seed=0, size=32):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn((n, 1, 3, 4, size, size), generator=gen)


# ---------------------------------------------------------------------- #
# concurrent_forward
# ---------------------------------------------------------------------- #
class RecordingStreams:
    """Stands in for the CUDA stream operations and logs every one."""

    def __init__(self):
        self.log = []

    def current(self, device):
        return 'S'

    def side(self, device, name):
        return f'side:{name}'

    def use(self, stream):
        log = self.log

        class Use:

            def __enter__(self):
                log.append(('enter', stream))

            def __exit__(self, *exc):
                log.append(('exit', stream))

        return Use()

    def wait(self, waiting, other):
        self.log.append(('wait', waiting, other))

    def record(self, tensor, stream):
        self.log.append(('record', id(tensor), stream))


def test_concurrent_forward_on_cpu_equals_sequential():
    """On the CPU the function runs the calls one after the other: the same
    scores and the same gradients as the plain loop, and no stream is
    touched."""
    views = ['sup', 'weak', 'strong']
    inputs = {v: clips(2, seed=i) for i, v in enumerate(views)}

    def run(concurrent):
        model = demo_networks()
        model.train()
        calls = {
            name: functools.partial(model.network_scores, net, inputs, views)
            for name, net in model.networks().items()
        }
        if concurrent:

            class NoStreams:

                def __getattr__(self, name):
                    raise AssertionError(f'stream operation {name} on CPU')

            scores = concurrent_forward(
                calls, main='primary', enabled=True, shared_inputs=inputs,
                streams=NoStreams())
        else:
            scores = {name: call() for name, call in calls.items()}
        loss = sum(s.logsumexp(1).sum() for net in scores.values()
                   for s in net.values())
        loss.backward()
        grads = {k: p.grad.clone() for k, p in model.named_parameters()
                 if p.grad is not None}
        return scores, grads

    seq_scores, seq_grads = run(False)
    con_scores, con_grads = run(True)
    assert list(con_scores) == ['primary', 'auxiliary']
    for name in seq_scores:
        assert set(con_scores[name]) == set(views)
        for view in views:
            assert torch.equal(seq_scores[name][view],
                               con_scores[name][view])
    assert set(seq_grads) == set(con_grads) and len(seq_grads) > 10
    for key in seq_grads:
        assert torch.equal(seq_grads[key], con_grads[key]), key


def test_concurrent_forward_disabled_or_single_runs_in_order():
    order = []
    calls = {n: functools.partial(order.append, n) for n in ('a', 'b', 'c')}
    streams = RecordingStreams()
    out = concurrent_forward(calls, main='b', enabled=False, force=True,
                             streams=streams)
    assert order == ['a', 'b', 'c'] and list(out) == ['a', 'b', 'c']
    assert streams.log == []
    # one network: nothing to overlap
    concurrent_forward({'a': lambda: 1}, force=True, streams=streams)
    assert streams.log == []
    with pytest.raises(KeyError, match='main'):
        concurrent_forward(calls, main='x')


def test_concurrent_forward_stream_synchronisation():
    """The order of stream operations around the side forwards: every side
    stream waits for the current one before any call is issued, the inputs
    are recorded on the side streams, each side call runs inside its
    stream, and after the calls the current stream waits for every side
    stream and records the side outputs."""
    streams = RecordingStreams()
    x = torch.ones(2)
    shared = {'sup': x, 'weak': [x + 1]}
    outs = dict(aux=torch.zeros(1), aux2=(torch.zeros(2), torch.zeros(3)))

    def call(name):
        streams.log.append(('call', name))
        return outs.get(name, name)

    calls = {n: functools.partial(call, n) for n in ('primary', 'aux', 'aux2')}
    result = concurrent_forward(calls, main='primary', shared_inputs=shared,
                                streams=streams, force=True)
    assert result == {'primary': 'primary', 'aux': outs['aux'],
                      'aux2': outs['aux2']}
    ids = [id(t) for t in (shared['sup'], shared['weak'][0])]
    expected = [('wait', 'side:aux', 'S')]
    expected += [('record', i, 'side:aux') for i in ids]
    expected += [('wait', 'side:aux2', 'S')]
    expected += [('record', i, 'side:aux2') for i in ids]
    expected += [('call', 'primary'),
                 ('enter', 'side:aux'), ('call', 'aux'), ('exit', 'side:aux'),
                 ('enter', 'side:aux2'), ('call', 'aux2'),
                 ('exit', 'side:aux2'),
                 ('wait', 'S', 'side:aux'), ('record', id(outs['aux']), 'S'),
                 ('wait', 'S', 'side:aux2')]
    expected += [('record', id(t), 'S') for t in outs['aux2']]
    assert streams.log == expected


def test_concurrent_forward_joins_side_streams_after_an_error():
    streams = RecordingStreams()

    def fail():
        raise RuntimeError('boom')

    with pytest.raises(RuntimeError, match='boom'):
        concurrent_forward(dict(primary=lambda: 0, aux=fail), force=True,
                           streams=streams)
    assert streams.log[-1] == ('wait', 'S', 'side:aux')


# ---------------------------------------------------------------------- #
# channels_last_3d
# ---------------------------------------------------------------------- #
def test_to_channels_last_3d_layout():
    x = clips(3)
    y = to_channels_last_3d(x)
    assert torch.equal(x, y) and y.shape == x.shape
    assert is_channels_last_3d(y) and not is_channels_last_3d(x)
    # Recognizer3D flattens (N, num_clips) with view(): still channels last
    assert y.view((-1, ) + y.shape[2:]).is_contiguous(
        memory_format=torch.channels_last_3d)
    five = to_channels_last_3d(x[:, 0])
    assert five.is_contiguous(memory_format=torch.channels_last_3d)
    assert to_channels_last_3d(five) is five
    flat = torch.ones(4, 5)
    assert to_channels_last_3d(flat) is flat


def test_channels_last_3d_wanted():
    assert channels_last_3d_wanted(True, 'cuda:1')
    assert not channels_last_3d_wanted(True, 'cpu')
    assert channels_last_3d_wanted('always', torch.device('cpu'))
    assert not channels_last_3d_wanted(False, 'cuda')
    with pytest.raises(ValueError):
        channels_last_3d_wanted('cuda', 'cuda')


def test_channels_last_3d_network_matches_ncdhw():
    """A network converted by network_to_channels_last_3d, fed clips in that
    layout, gives the NCDHW network's scores and gradients within float
    tolerance, trains for a step, and its checkpoint loads into an NCDHW
    network."""
    views = ['sup', 'weak', 'strong']
    inputs = {v: clips(2, seed=i) for i, v in enumerate(views)}
    reference, converted = demo_networks(), demo_networks()
    convs = [m for m in converted.modules() if isinstance(m, torch.nn.Conv3d)]
    # a 1x1x1 kernel is channels-last and contiguous at once
    todo = [m for m in convs if not m.weight.is_contiguous(
        memory_format=torch.channels_last_3d)]
    assert network_to_channels_last_3d(converted) == len(todo) > 0
    assert network_to_channels_last_3d(converted) == 0  # idempotent
    for conv in convs:
        assert conv.weight.is_contiguous(
            memory_format=torch.channels_last_3d)
    cl_inputs = {v: to_channels_last_3d(x) for v, x in inputs.items()}

    results = []
    for model, views_in in ((reference, inputs), (converted, cl_inputs)):
        model.train()
        optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        torch.manual_seed(1)  # the same dropout masks in the heads
        scores = {name: model.network_scores(net, views_in, views)
                  for name, net in model.networks().items()}
        loss = sum(s.logsumexp(1).sum() for net in scores.values()
                   for s in net.values())
        loss.backward()
        grads = {k: p.grad.clone() for k, p in model.named_parameters()
                 if p.grad is not None}
        optim.step()
        results.append((scores, grads))
    (ref_scores, ref_grads), (cl_scores, cl_grads) = results
    for name in ref_scores:
        for view in views:
            torch.testing.assert_close(
                cl_scores[name][view], ref_scores[name][view], rtol=1e-4,
                atol=1e-4)
    assert set(ref_grads) == set(cl_grads)
    for key in ref_grads:
        torch.testing.assert_close(
            cl_grads[key], ref_grads[key], rtol=1e-3, atol=1e-4)
    for (key, p), q in zip(converted.named_parameters(),
                           reference.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-3, atol=1e-5)
    # a converted network's checkpoint loads into an NCDHW one
    fresh = demo_networks(seed=1)
    fresh.load_state_dict(converted.state_dict())
    for p, q in zip(fresh.parameters(), converted.parameters()):
        assert torch.equal(p, q)


def test_preprocessor_channels_last_3d():
    """MultiViewDataPreprocessor(channels_last_3d=True) returns the same
    values in channels-last layout, for training views and for test."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(DEMO_CMPL).model.data_preprocessor.to_dict()
    plain = MODELS.build(copy.deepcopy(cfg))
    cl = MODELS.build(dict(cfg, channels_last_3d='always'))
    cuda_only = MODELS.build(dict(cfg, channels_last_3d=True))
    with pytest.raises(ValueError, match='channels_last_3d'):
        MODELS.build(dict(cfg, channels_last_3d='yes'))
    gen = torch.Generator().manual_seed(0)
    u8 = [torch.randint(0, 256, (1, 3, 4, 16, 16), generator=gen,
                        dtype=torch.uint8) for _ in range(3)]
    from mmaction.structures import ActionDataSample
    samples = [ActionDataSample().set_gt_label(0) for _ in range(3)]
    batch = dict(
        inputs=dict(sup=[u8[0], None, None], weak=[None, u8[1], u8[2]]),
        data_samples=dict(sup=[samples[0], None, None],
                          weak=[None, samples[1], samples[2]]))

    def copy_batch():
        return {k: {v: list(x) for v, x in d.items()}
                for k, d in batch.items()}

    a = plain(copy_batch(), True)['inputs']
    b = cl(copy_batch(), True)['inputs']
    c = cuda_only(copy_batch(), True)['inputs']
    for view in ('sup', 'weak'):
        assert torch.equal(a[view], b[view])
        assert is_channels_last_3d(b[view])
        assert not is_channels_last_3d(a[view])
        # True converts batches on CUDA devices only: these are on the CPU
        assert torch.equal(a[view], c[view]) and \
            not is_channels_last_3d(c[view])
    test_batch = dict(inputs=list(u8), data_samples=list(samples))
    a = plain(dict(test_batch), False)['inputs']
    b = cl(dict(test_batch), False)['inputs']
    assert torch.equal(a, b) and is_channels_last_3d(b)


# ---------------------------------------------------------------------- #
# AMP and the configs
# ---------------------------------------------------------------------- #
@pytest.mark.skipif(amp_available(), reason='the CPU fallback')
def test_device_amp_optim_wrapper_trains_in_fp32_without_accelerator():
    """Without an accelerator DeviceAmpOptimWrapper builds (MMEngine's
    AmpOptimWrapper refuses to) and takes exactly OptimWrapper's steps."""
    weights = []
    for kind in ('OptimWrapper', 'DeviceAmpOptimWrapper'):
        torch.manual_seed(0)
        net = torch.nn.Linear(4, 3)
        cfg = dict(type=kind,
                   optimizer=dict(type='SGD', lr=0.1, momentum=0.9),
                   clip_grad=dict(max_norm=1.0))
        if kind != 'OptimWrapper':
            cfg.update(dtype='float16', loss_scale='dynamic')
        wrapper = build_optim_wrapper(net, cfg)
        assert type(wrapper).__name__ == kind
        x = torch.randn(8, 4, generator=torch.Generator().manual_seed(1))
        for _ in range(3):
            with wrapper.optim_context(net):
                out = net(x)
            assert out.dtype == torch.float32
            wrapper.update_params((out**2).mean())
        state = wrapper.state_dict()
        assert 'loss_scaler' not in state
        wrapper.load_state_dict(dict(state, loss_scaler={'scale': 1.0}))
        weights.append(net.weight.detach().clone())
    assert torch.equal(weights[0], weights[1])
    if not amp_available():
        assert isinstance(wrapper, OptimWrapper) and not wrapper.amp_enabled


@pytest.mark.parametrize('path', R3D50_CONFIGS, ids=osp.basename)
def test_r3d50_configs_default_to_the_speed_options(path):
    cfg = Config.fromfile(path)
    assert cfg.env_cfg.cudnn_benchmark is True
    assert cfg.optim_wrapper.type == 'DeviceAmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'float16'
    assert cfg.model.data_preprocessor.channels_last_3d is True


def test_demo_configs_keep_fp32_and_ncdhw():
    for path in glob.glob(osp.join(REPO_ROOT, 'configs', '*synthetic*.py')):
        cfg = Config.fromfile(path)
        assert cfg.optim_wrapper.get('type', 'OptimWrapper') == \
            'OptimWrapper', path
        assert not cfg.model.data_preprocessor.get('channels_last_3d'), path


def test_r3d50_optim_wrapper_builds_here():
    """The R3D-50 configs' optimizer wrapper builds on this machine: an
    AmpOptimWrapper with an accelerator, a float32 one without."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(R3D50_CONFIGS[0])
    wrapper = build_optim_wrapper(torch.nn.Conv3d(3, 4, 1),
                                  cfg.optim_wrapper.to_dict())
    assert isinstance(wrapper, DeviceAmpOptimWrapper)
    assert wrapper.amp_enabled == amp_available()
    assert wrapper.cast_dtype == torch.float16
