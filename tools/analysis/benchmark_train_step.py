"""Time one training iteration of Recognizer3D, FixMatch and CMPL.

For the same primary backbone and the same batch, measures the median time
of a training iteration (``model.train_step``: data preprocessor, forward,
backward, gradient clipping and optimizer step, as MMEngine's loop runs it)
after warm-up iterations, and the peak memory, of

(a) mmaction2's plain ``Recognizer3D``: ``model.primary`` of
    ``--config-primary`` with its ``ActionDataPreprocessor``, trained with
    its own ``train_step`` on as many clips as FixMatch processes,
    ``B + 2*mu*B`` labeled clips (the issue's "same number of clips": the
    extra cost of (b) over (a) is then FixMatch's own overhead, not more
    data);
(b) ``--config-primary``'s semi-supervised model (FixMatch for the default
    config) on ``B`` labeled clips + ``mu*B`` unlabeled clips in a weak and
    a strong view, through ``MultiViewDataPreprocessor``;
(c) ``--config-cmpl``'s model (CMPL) on the same batch as (b).

Every model is built from its config (same seed, so the primaries start
equal), with the config's ``optim_wrapper`` (SGD + gradient clipping for the
configs here) at learning rate 0: the optimizer step costs the same, but
the weights stay as initialised. Training on the same batch over and over
otherwise memorises it within a few iterations, the loss reaches 0 and the
backward pass fills with denormal numbers, which x86 CPUs process many
times slower (seen here: 2.5 s -> 10 s per R3D-50 iteration), so later
iterations would measure the numbers, not the model. The semi-supervised threshold is set to 0 and the warm-up to
0, so the unsupervised branch always runs. Inputs are synthetic uint8 clips
of the config's shape (``SampleFrames.clip_len`` x the last fixed
``Resize`` of the training pipeline, or ``--clip-len`` / ``--clip-size``),
created once and fed through each model's data preprocessor every
iteration: no video decoding is timed.

The variants are measured interleaved, one iteration each in turn (the
order rotating: a b c, b c a, c a b, ...), so that background load drifts
over all of them alike; a ratio is the median over rounds of the ratio of
the two iterations of that round.

Memory, measured in a separate process per variant (so that the variants do
not share an allocator or a high-water mark), running ``--memory-iters``
iterations after building the model:

* CUDA: ``torch.cuda.max_memory_allocated()`` over those iterations: the
  peak of tensors allocated by PyTorch (parameters, optimizer state,
  inputs, activations, gradients), as in a training process of its own;
* CPU: the peak resident set size (``VmHWM``, reset through
  ``/proc/self/clear_refs``; ``resource.getrusage`` where that is not
  available) minus the resident size just before the first iteration,
  i.e. what the iterations add on top of the built model and the input
  batch: activations, gradients, optimizer state and what the allocator
  keeps. Parameters are listed separately. The process is forked, so it
  skips the imports; the figure includes allocator slack and is coarser
  than the CUDA one.

On a CPU shared with other work, measure with ``--threads 1``: with
several threads, background load turns some iterations into multi-second
outliers (a warning is printed when one variant's iterations differ by more
than 1.5x).

Settings: by default every variant runs as its config says: precision
from the ``optim_wrapper`` (the R3D-50 configs: ``DeviceAmpOptimWrapper``,
AMP float16 on a GPU, float32 on the CPU), ``channels_last_3d`` from the
data preprocessor (clips, and every Conv3d weight through
``cmpl_mm.models.utils.network_to_channels_last_3d``), cuDNN benchmark mode
from ``env_cfg``. ``--precision``, ``--channels-last``,
``--[no-]cudnn-benchmark`` override them (the settings before the speed
options: ``--precision fp32 --channels-last off --no-cudnn-benchmark``);
``--concurrent-networks`` runs CMPL's auxiliary on a side CUDA stream and
``--compile`` compiles ``train_step`` as MMEngine's Runner does.

Model FLOPs and MFU: the Conv3d multiply-adds of every network's backbone
for one clip (counted by forward hooks, as ``--complexity`` prints them) x 2
FLOP x 3 (forward, and the two products of the backward pass) x the clips
of an iteration give the model FLOPs per iteration; over the median
iteration time they give the achieved TFLOP/s, and over the device's dense
peak for the precision the model FLOPs utilisation (MFU). The peak comes
from a table of GPU names (``PEAK_TFLOPS``; float32 runs count at the TF32
rate where cuDNN uses TF32, i.e. Ampere and newer with
``torch.backends.cudnn.allow_tf32``) or from ``--peak-tflops``.

Targets (from the issue): time(b)/time(a) <= 1.05 and time(c)/time(b) <=
1.15 (the latter stated for the default 1/4-width auxiliary of the R3D-50
configs). The exit status is 1 when a target is missed.

Examples::

    # demo configs on the CPU (R3D-18 at 1/4 width, 8x56x56, B=4, mu=2)
    python tools/analysis/benchmark_train_step.py

    # R3D-50 UCF-101 configs, 8x112x112, B=2 (mu from the config: 1),
    # the configs' defaults (AMP float16, channels_last_3d, cuDNN benchmark)
    python tools/analysis/benchmark_train_step.py \\
        --config-primary configs/fixmatch_r3d50_ucf101.py \\
        --config-cmpl configs/cmpl_r3d50_ucf101.py \\
        --clip-size 112 --batch 2 --device cuda
    # the same with the settings before the speed options
    ... --precision fp32 --channels-last off --no-cudnn-benchmark

    # where the time goes
    python tools/analysis/benchmark_train_step.py --profile
    # multiply-adds and activation elements of CMPL's two networks
    python tools/analysis/benchmark_train_step.py --complexity
"""
import argparse
import copy
import gc
import json
import logging
import multiprocessing as mp
import os.path as osp
import resource
import statistics
import sys
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
import torch  # noqa: E402

import cmpl_mm  # noqa: E402,F401  (compat layer + registration)
from mmengine.config import Config  # noqa: E402
from mmengine.logging import MessageHub  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402

from cmpl_mm.models.utils import (channels_last_3d_wanted,  # noqa: E402
                                  network_to_channels_last_3d)

VARIANTS = ('a', 'b', 'c')
TARGET_BA = 1.05
TARGET_CB = 1.15
DEFAULT_PRIMARY = osp.join(REPO_ROOT, 'configs',
                           'fixmatch_r3d18q_synthetic.py')
DEFAULT_CMPL = osp.join(REPO_ROOT, 'configs', 'cmpl_r3d18q_synthetic.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='ms per training iteration and peak memory of '
        'Recognizer3D vs FixMatch vs CMPL on the same clips.')
    parser.add_argument(
        '--config-primary', '--config-fixmatch', default=DEFAULT_PRIMARY,
        help='config of (b); its model.primary is (a) (default: '
        'configs/fixmatch_r3d18q_synthetic.py)')
    parser.add_argument(
        '--config-cmpl', default=DEFAULT_CMPL,
        help='config of (c) (default: configs/cmpl_r3d18q_synthetic.py)')
    parser.add_argument(
        '--batch', type=int,
        help='labeled clips B (default: the config\'s '
        'train_dataloader.sampler.labeled_batch_size)')
    parser.add_argument(
        '--mu', type=int,
        help='unlabeled clips per labeled clip (default: the config\'s '
        'train_dataloader.sampler.mu)')
    parser.add_argument(
        '--clip-len', type=int,
        help='frames per clip (default: SampleFrames.clip_len)')
    parser.add_argument(
        '--clip-size', type=int,
        help='frame height = width (default: the last fixed Resize of the '
        'training pipeline)')
    parser.add_argument(
        '--device', choices=('cpu', 'cuda'),
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--precision', choices=('config', 'fp32', 'float16', 'bfloat16'),
        default='config',
        help='config: the config\'s optim_wrapper (the R3D-50 configs: '
        'DeviceAmpOptimWrapper, float16 AMP on a GPU, float32 on the CPU); '
        'fp32: a plain OptimWrapper; float16 / bfloat16: MMEngine\'s '
        'AmpOptimWrapper with that autocast dtype and dynamic loss scaling, '
        'CUDA only (default: config)')
    parser.add_argument(
        '--amp', action='store_true',
        help='the same as --precision AMP_DTYPE (CUDA only)')
    parser.add_argument(
        '--amp-dtype', choices=('float16', 'bfloat16'), default='float16',
        help='autocast dtype of --amp (default: float16)')
    parser.add_argument(
        '--channels-last', choices=('config', 'on', 'off'),
        default='config',
        help='channels_last_3d memory layout of the clips (the data '
        'preprocessor\'s channels_last_3d) and of every Conv3d weight '
        '(cmpl_mm.models.utils.network_to_channels_last_3d); config: as '
        'the config\'s data preprocessor says (the R3D-50 configs: on a '
        'CUDA device only); on: on any device, also the CPU (default: '
        'config)')
    parser.add_argument(
        '--concurrent-networks', action='store_true',
        help='(c): forward the auxiliary on a side CUDA stream '
        '(semi_train_cfg.concurrent_networks, see cmpl_mm.models.utils.'
        'concurrent_forward); the recognizer must support the option')
    parser.add_argument(
        '--compile', action='store_true',
        help='torch.compile(model.train_step), as MMEngine\'s Runner does '
        'for a config with compile=True (first iterations compile; use '
        'enough --warmup)')
    parser.add_argument(
        '--compile-mode', default=None,
        help='mode of --compile (e.g. max-autotune; default: torch\'s)')
    parser.add_argument(
        '--peak-tflops', type=float,
        help='dense peak TFLOP/s of the device for the precision measured; '
        'default: from a table of GPU names (none for the CPU)')
    parser.add_argument(
        '--iters', type=int, default=10,
        help='timed iterations per variant (default: 10)')
    parser.add_argument(
        '--warmup', type=int, default=3,
        help='untimed iterations per variant first (default: 3)')
    parser.add_argument(
        '--memory-iters', type=int, default=2,
        help='iterations of each memory process; 0 skips the memory '
        'measurement (default: 2)')
    parser.add_argument(
        '--threads', type=int,
        help='torch.set_num_threads (default: torch\'s default)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cudnn-benchmark', dest='cudnn_benchmark', action='store_true',
        default=None,
        help='torch.backends.cudnn.benchmark = True (default: the config\'s '
        'env_cfg.cudnn_benchmark)')
    parser.add_argument(
        '--no-cudnn-benchmark', dest='cudnn_benchmark', action='store_false',
        help='torch.backends.cudnn.benchmark = False')
    parser.add_argument(
        '--profile', action='store_true',
        help='after the timing, profile a few iterations of each variant '
        '(torch.profiler) and print the operators and modules that take the '
        'time')
    parser.add_argument(
        '--profile-iters', type=int, default=3,
        help='iterations per variant profiled (default: 3)')
    parser.add_argument(
        '--complexity', action='store_true',
        help='also count, for one clip through each network\'s backbone of '
        '(c), the Conv3d multiply-adds, the elements output by its leaf '
        'modules (activations) and its Conv3d layers: where a thin '
        'auxiliary\'s time goes on a GPU')
    parser.add_argument('--out-json', help='also write the figures here')
    args = parser.parse_args(argv)
    if args.amp:
        args.precision = args.amp_dtype
    if args.precision in ('float16', 'bfloat16') and args.device != 'cuda':
        parser.error('--amp / --precision float16|bfloat16 need --device '
                     'cuda (MMEngine\'s AmpOptimWrapper does not run on the '
                     'CPU)')
    if args.peak_tflops is not None and args.peak_tflops <= 0:
        parser.error('--peak-tflops must be > 0')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device')
    if args.iters < 1 or args.warmup < 0 or args.memory_iters < 0:
        parser.error('--iters >= 1, --warmup >= 0, --memory-iters >= 0')
    return args


# ---------------------------------------------------------------------- #
# configs -> models, optimizers, batches
# ---------------------------------------------------------------------- #
def clip_shape(cfg, args):
    """(C, T, H, W) of a training clip of ``cfg`` (or of the flags)."""
    clip_len, size = None, None
    for step in cfg.train_dataloader.dataset.labeled.pipeline:
        if step['type'] == 'SampleFrames':
            clip_len = step['clip_len']
        elif step['type'] == 'Resize':
            scale = step['scale']
            if isinstance(scale, (tuple, list)) and min(scale) > 0:
                size = (scale[1], scale[0])  # mmcv scale is (w, h)
    if args.clip_len is not None:
        clip_len = args.clip_len
    if args.clip_size is not None:
        size = (args.clip_size, args.clip_size)
    if clip_len is None or size is None:
        raise SystemExit('cannot read the clip shape from the config: give '
                         '--clip-len and --clip-size')
    return 3, int(clip_len), int(size[0]), int(size[1])


def config_channels_last(cfg):
    """The ``channels_last_3d`` setting of ``cfg``'s data preprocessor."""
    pre = cfg.model.get('data_preprocessor') or {}
    return pre.get('channels_last_3d', False)


def semi_model_cfg(cfg, channels_last, concurrent=False):
    model = copy.deepcopy(cfg.model)
    semi = dict(model.get('semi_train_cfg') or {})
    semi.update(threshold=0.0, warmup_iters=0)
    if concurrent:
        semi['concurrent_networks'] = True
    model['semi_train_cfg'] = semi
    pre = model.get('data_preprocessor')
    if pre is not None and pre.get('type') == 'MultiViewDataPreprocessor':
        pre['channels_last_3d'] = channels_last
    return model


def plain_model_cfg(cfg, channels_last):
    """``model.primary`` as a stand-alone ``Recognizer3D``; its clips go
    through ``MultiViewDataPreprocessor`` (which hands one-view batches to
    the wrapped preprocessor) when they are laid out channels last."""
    model = copy.deepcopy(cfg.model.primary)
    pre = cfg.model.get('data_preprocessor')
    if pre is not None and pre.get('type') == 'MultiViewDataPreprocessor':
        pre = pre['data_preprocessor']
    pre = copy.deepcopy(pre)
    if channels_last:
        pre = dict(
            type='MultiViewDataPreprocessor',
            data_preprocessor=pre,
            channels_last_3d=channels_last)
    model['data_preprocessor'] = pre
    return model


def supports_concurrent_networks(model_cfg):
    """Whether the recognizer of ``model_cfg`` has the
    ``semi_train_cfg.concurrent_networks`` option."""
    cls = MODELS.get(model_cfg['type'])
    return 'concurrent_networks' in getattr(cls, 'default_semi_train_cfg',
                                            {})


def setup(args):
    """Everything the measurements need, as plain picklable data."""
    cfg_b = Config.fromfile(args.config_primary)
    cfg_c = Config.fromfile(args.config_cmpl)
    sampler = cfg_b.train_dataloader.get('sampler', {})
    B = args.batch or sampler.get('labeled_batch_size')
    mu = args.mu if args.mu is not None else sampler.get('mu')
    if not B or not mu:
        raise SystemExit('give --batch and --mu (the config has no '
                         'labeled_batch_size / mu > 0)')
    shape = clip_shape(cfg_b, args)
    primary_b = cfg_b.model.primary.to_dict()
    primary_c = cfg_c.model.primary.to_dict()
    notes = []
    if primary_b != primary_c:
        notes.append('warning: model.primary differs between the two '
                     'configs; (c) is not the same primary as (a) and (b)')
    for name, cfg in (('b', cfg_b), ('c', cfg_c)):
        if 'semi_train_cfg' not in cfg.model:
            notes.append(f'warning: ({name}) has no semi_train_cfg')
    if args.channels_last == 'config':
        channels_last = dict(
            a=config_channels_last(cfg_b),
            b=config_channels_last(cfg_b),
            c=config_channels_last(cfg_c))
    else:  # 'on': on every device, also the CPU
        channels_last = {
            k: 'always' if args.channels_last == 'on' else False
            for k in VARIANTS
        }
    # what the settings do on this device (True: CUDA only)
    channels_last_on = {
        k: channels_last_3d_wanted(v, args.device)
        for k, v in channels_last.items()
    }
    cudnn_benchmark = args.cudnn_benchmark
    if cudnn_benchmark is None:
        cudnn_benchmark = bool(
            cfg_b.get('env_cfg', {}).get('cudnn_benchmark', False))
    model_c = to_plain(
        semi_model_cfg(cfg_c, channels_last['c'], args.concurrent_networks))
    if args.concurrent_networks and not supports_concurrent_networks(
            model_c):
        raise SystemExit(
            f'--concurrent-networks: {model_c["type"]} has no '
            'semi_train_cfg.concurrent_networks option yet (wire '
            'cmpl_mm.models.utils.concurrent_forward into the recognizer)')
    return dict(
        B=B,
        mu=mu,
        shape=shape,
        num_classes=primary_b['cls_head']['num_classes'],
        channels_last=channels_last,
        channels_last_on=channels_last_on,
        cudnn_benchmark=cudnn_benchmark,
        models=dict(
            a=to_plain(plain_model_cfg(cfg_b, channels_last['a'])),
            b=to_plain(semi_model_cfg(cfg_b, channels_last['b'])),
            c=model_c),
        optim=dict(
            a=cfg_b.optim_wrapper.to_dict(),
            b=cfg_b.optim_wrapper.to_dict(),
            c=cfg_c.optim_wrapper.to_dict()),
        labels=dict(
            a='(a) Recognizer3D (primary alone)',
            b=f'(b) {cfg_b.model.type}',
            c=f'(c) {cfg_c.model.type}'),
        notes=notes)


def to_plain(obj):
    return obj.to_dict() if hasattr(obj, 'to_dict') else obj


def optim_cfg(spec, key, args):
    """The optimizer wrapper config of variant ``key`` for
    ``--precision``, at learning rate 0."""
    optim = copy.deepcopy(to_plain(spec['optim'][key]))
    # learning rate 0: the weights stay as initialised, so every iteration
    # computes the same thing (see the module doc: denormals)
    optim.setdefault('optimizer', {})['lr'] = 0.
    if args.precision == 'fp32':
        optim['type'] = 'OptimWrapper'
        for amp_key in ('dtype', 'loss_scale', 'use_fsdp'):
            optim.pop(amp_key, None)
    elif args.precision in ('float16', 'bfloat16'):
        optim['type'] = 'AmpOptimWrapper'
        optim['dtype'] = args.precision
        optim.setdefault('loss_scale', 'dynamic')
    return optim


def wrapper_precision(optim_wrapper):
    """'float16' / 'bfloat16' when ``optim_wrapper`` autocasts, else
    'fp32'."""
    from mmengine.optim import AmpOptimWrapper
    if not isinstance(optim_wrapper, AmpOptimWrapper) or not getattr(
            optim_wrapper, 'amp_enabled', True):
        return 'fp32'
    dtype = optim_wrapper.cast_dtype or torch.float16
    return str(dtype).replace('torch.', '')


def build(spec, key, args):
    """Model and optimizer wrapper of variant ``key`` on the device."""
    torch.manual_seed(args.seed)
    model = MODELS.build(copy.deepcopy(to_plain(spec['models'][key])))
    if hasattr(model, 'init_weights'):  # as the Runner does; quietly
        logging.disable(logging.INFO)
        try:
            model.init_weights()
        finally:
            logging.disable(logging.NOTSET)
    model = model.to(args.device)
    if spec['channels_last_on'][key]:
        network_to_channels_last_3d(model)
    model.train()
    model.ema_hooked = True  # EMA teachers: train_iter updates them
    optim_wrapper = build_optim_wrapper(model, optim_cfg(spec, key, args))
    if args.compile:  # as mmengine's Runner._maybe_compile('train_step')
        kwargs = {'mode': args.compile_mode} if args.compile_mode else {}
        model.train_step = torch.compile(model.train_step, **kwargs)
    return model, optim_wrapper


def make_batches(spec, seed):
    """The uint8 batch of (a) and the view-grouped batch of (b) / (c).

    Both hold the same ``B + 2*mu*B`` clips: (a) takes the B labeled clips,
    then the mu*B weak and the mu*B strong clips as labeled clips.
    """
    gen = torch.Generator().manual_seed(seed)
    B, mu, shape = spec['B'], spec['mu'], spec['shape']
    n_unl = mu * B

    def clips(n):
        return [
            torch.randint(0, 256, (1, ) + tuple(shape), generator=gen,
                          dtype=torch.uint8) for _ in range(n)
        ]

    def labelled(n):
        labels = torch.randint(0, spec['num_classes'], (n, ), generator=gen)
        return [ActionDataSample().set_gt_label(int(x)) for x in labels]

    sup, weak, strong = clips(B), clips(n_unl), clips(n_unl)
    batch_a = dict(
        inputs=sup + weak + strong, data_samples=labelled(B + 2 * n_unl))
    # the dataloader's layout: one entry per sample, None where a sample
    # has no such view (labeled samples first, then unlabeled ones)
    none_l, none_u = [None] * B, [None] * n_unl
    unl_samples = [ActionDataSample() for _ in range(n_unl)]
    batch_semi = dict(
        inputs=dict(sup=sup + none_u, weak=none_l + weak,
                    strong=none_l + strong),
        data_samples=dict(
            sup=labelled(B) + none_u,
            weak=none_l + unl_samples,
            strong=none_l + [ActionDataSample() for _ in range(n_unl)]),
        monitor_only_gt_label=[-1] * (B + n_unl))
    return dict(a=batch_a, b=batch_semi, c=batch_semi)


def fresh(batch):
    """A shallow copy: preprocessors replace the dict entries."""
    out = {}
    for key, value in batch.items():
        out[key] = dict(value) if isinstance(value, dict) else list(value)
    return out


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def train_iter(model, optim_wrapper, batch, device):
    """One ``train_step``; returns its wall time in seconds."""
    data = fresh(batch)
    sync(device)
    start = time.perf_counter()
    model.train_step(data, optim_wrapper=optim_wrapper)
    if getattr(model, 'ema_networks', None):  # as EMATeacherHook does
        model.update_ema_networks()
    sync(device)
    return time.perf_counter() - start


def count_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------- #
# memory, one process per variant
# ---------------------------------------------------------------------- #
def _proc_status(field):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_hwm():
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def memory_worker(spec, key, args, conn):
    try:
        if args.threads:
            torch.set_num_threads(args.threads)
        if args.device == 'cuda':
            torch.backends.cudnn.benchmark = spec['cudnn_benchmark']
        init_default_scope('mmaction')
        MessageHub.get_instance('benchmark_train_step')
        model, optim_wrapper = build(spec, key, args)
        batch = make_batches(spec, args.seed)[key]
        gc.collect()
        result = dict(params=count_params(model))
        if args.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            before = torch.cuda.memory_allocated()
            for _ in range(args.memory_iters):
                train_iter(model, optim_wrapper, batch, args.device)
            result.update(
                peak=torch.cuda.max_memory_allocated(),
                before=before,
                what='torch.cuda.max_memory_allocated')
        else:
            before = _proc_status('VmRSS')
            exact = _reset_hwm() and before is not None
            for _ in range(args.memory_iters):
                train_iter(model, optim_wrapper, batch, args.device)
            if exact:
                peak = _proc_status('VmHWM')
            else:  # ru_maxrss: KiB on Linux
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * \
                    1024
                before = before or 0
            result.update(
                peak=peak,
                before=before,
                what='VmHWM' if exact else 'ru_maxrss')
        conn.send(result)
    except BaseException as e:  # noqa: BLE001  (reported by the parent)
        conn.send(dict(error=f'{type(e).__name__}: {e}'))
    finally:
        conn.close()


def measure_memory(spec, args):
    """Peak memory per variant, each in a process of its own."""
    # fork on the CPU (no re-import; called before this process runs any
    # parallel torch op); spawn for CUDA, which cannot be forked
    method = 'fork' if args.device == 'cpu' and \
        'fork' in mp.get_all_start_methods() else 'spawn'
    ctx = mp.get_context(method)
    out = {}
    for key in VARIANTS:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=memory_worker, args=(spec, key, args, child))
        proc.start()
        child.close()
        try:
            out[key] = parent.recv()
        except EOFError:
            out[key] = dict(error='the memory process died')
        proc.join()
        if proc.exitcode not in (0, None) and 'error' not in out[key]:
            out[key]['error'] = f'exit status {proc.exitcode}'
    return out


# ---------------------------------------------------------------------- #
# profiling
# ---------------------------------------------------------------------- #
class ModuleTimer:
    """Forward time per named top-level network, with profiler ranges."""

    def __init__(self, model):
        self.handles = []
        nets = dict(model.named_children())
        for name, net in nets.items():
            if name in ('data_preprocessor', 'unsup_loss'):
                continue
            for part in ('backbone', 'cls_head'):
                sub = getattr(net, part, None)
                if sub is not None:
                    self._hook(f'{name}.{part}', sub)
        if not self.handles:  # a plain recognizer: its own parts
            for part in ('backbone', 'cls_head'):
                sub = getattr(model, part, None)
                if sub is not None:
                    self._hook(f'primary.{part}', sub)

    def _hook(self, name, module):
        state = {}

        def pre(mod, inp):
            state['rf'] = torch.profiler.record_function(f'fwd::{name}')
            state['rf'].__enter__()

        def post(mod, inp, out):
            state['rf'].__exit__(None, None, None)

        self.handles.append(module.register_forward_pre_hook(pre))
        self.handles.append(module.register_forward_hook(post))

    def remove(self):
        for handle in self.handles:
            handle.remove()


def _self_time_attr(events, device):  # noqa: D401
    """Name of the per-operator self time attribute (microseconds)."""
    if device == 'cuda':
        for name in ('self_device_time_total', 'self_cuda_time_total'):
            if events and hasattr(events[0], name):
                return name
    return 'self_cpu_time_total'


def profile_variants(models, batches, args, labels):
    """torch.profiler over ``--profile-iters`` iterations of each variant.

    The variants are profiled interleaved (one profiled iteration each in
    turn), like the timing. Prints, per variant, the forward time of every
    network (profiler ranges around each backbone / head) and the operators
    by self time; then the operators whose time differs most between (b)
    and (a) and between (c) and (b): where the extra time of FixMatch and
    CMPL goes.
    """
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if args.device == 'cuda':
        activities.append(ProfilerActivity.CUDA)
    n = args.profile_iters
    per_op = {key: {} for key in VARIANTS}
    ranges = {key: {} for key in VARIANTS}
    step_ms = {key: 0. for key in VARIANTS}
    timers = {key: ModuleTimer(models[key][0]) for key in VARIANTS}
    try:
        for i in range(n):
            for key in VARIANTS[i % 3:] + VARIANTS[:i % 3]:
                with profile(activities=activities) as prof:
                    step_ms[key] += 1e3 * train_iter(
                        *models[key], batches[key], args.device) / n
                events = prof.key_averages()
                attr = _self_time_attr(events, args.device)
                for e in events:
                    if e.key.startswith('fwd::'):
                        ranges[key][e.key[5:]] = ranges[key].get(
                            e.key[5:], 0.) + e.cpu_time_total / 1e3 / n
                    else:
                        per_op[key][e.key] = per_op[key].get(e.key, 0.) + \
                            getattr(e, attr) / 1e3 / n
    finally:
        for timer in timers.values():
            timer.remove()
    unit = 'device' if args.device == 'cuda' else 'CPU'
    for key in VARIANTS:
        print(f'\n=== profile of {labels[key]}: {n} iterations, '
              f'{step_ms[key]:.1f} ms / iteration under the profiler ===')
        for name, ms in sorted(ranges[key].items()):
            print(f'  forward of {name:<24}{ms:8.1f} ms  '
                  f'({100 * ms / step_ms[key]:5.1f}% of the iteration; '
                  'backward not included)')
        print(f'  operators by self {unit} time per iteration:')
        for op, ms in sorted(per_op[key].items(), key=lambda kv: -kv[1])[:10]:
            print(f'    {op:<46}{ms:8.2f} ms')
    for new, old in (('b', 'a'), ('c', 'b')):
        diff = {
            op: per_op[new].get(op, 0.) - per_op[old].get(op, 0.)
            for op in set(per_op[new]) | set(per_op[old])
        }
        print(f'\n=== ({new}) - ({old}): self {unit} time per iteration by '
              f'operator, largest differences (sum {sum(diff.values()):+.1f}'
              ' ms) ===')
        for op, ms in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:12]:
            print(f'  {op:<46}{ms:+9.2f} ms   ({per_op[old].get(op, 0.):8.2f}'
                  f' -> {per_op[new].get(op, 0.):8.2f})')


def backbone_complexity(net, shape):
    """Conv3d multiply-adds, leaf-module output elements and Conv3d count
    of ``net.backbone`` for one clip of ``shape`` (C, T, H, W), counted by
    forward hooks on a CPU copy in eval mode."""
    backbone = copy.deepcopy(net.backbone).cpu().float()
    backbone.eval()  # mmaction2's ResNet3d.train() returns None
    counts = dict(macs=0, activations=0, conv3d=0)

    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv3d):
            kernel = module.kernel_size
            counts['macs'] += output.numel() * (
                module.in_channels // module.groups) * kernel[0] * \
                kernel[1] * kernel[2]
            counts['conv3d'] += 1
        if next(module.children(), None) is None and \
                isinstance(output, torch.Tensor):
            counts['activations'] += output.numel()

    hooks = [m.register_forward_hook(count) for m in backbone.modules()]
    try:
        with torch.no_grad():
            backbone(torch.zeros((1, ) + tuple(shape)))
    finally:
        for hook in hooks:
            hook.remove()
    return counts


def print_complexity(model, shape):
    """:func:`backbone_complexity` of every network of ``model``, with the
    ratios to the primary."""
    result = {name: backbone_complexity(net, shape)
              for name, net in model.networks().items()}
    base = result['primary']
    print(f'\nper clip of {"x".join(map(str, shape))}, forward, backbone '
          'only (forward hooks):')
    print(f'{"network of (c)":<16}{"GMAC":>9}{"activations M":>15}'
          f'{"Conv3d":>8}{"MAC share":>11}{"activation share":>18}')
    for name, c in result.items():
        c['mac_share'] = c['macs'] / base['macs']
        c['activation_share'] = c['activations'] / base['activations']
        print(f'{name:<16}{c["macs"] / 1e9:>9.2f}'
              f'{c["activations"] / 1e6:>15.1f}{c["conv3d"]:>8}'
              f'{c["mac_share"]:>11.3f}{c["activation_share"]:>18.3f}')
    return result


# Dense (no sparsity) peak TFLOP/s by GPU name, from NVIDIA's data sheets:
# (substring of torch.cuda.get_device_name(), {precision: TFLOP/s}); the
# first match wins, so more specific names come first. 'tf32' is the
# tensor-core rate float32 convolutions get from cuDNN when
# torch.backends.cudnn.allow_tf32 is on (PyTorch's default) on Ampere and
# newer; 'fp32' the plain rate.
PEAK_TFLOPS = (
    ('H100 PCIe', dict(float16=756., bfloat16=756., tf32=378., fp32=51.2)),
    ('H100 NVL', dict(float16=835., bfloat16=835., tf32=418., fp32=60.)),
    ('H100', dict(float16=989., bfloat16=989., tf32=495., fp32=67.)),
    ('H200', dict(float16=989., bfloat16=989., tf32=495., fp32=67.)),
    ('GH200', dict(float16=989., bfloat16=989., tf32=495., fp32=67.)),
    ('A100', dict(float16=312., bfloat16=312., tf32=156., fp32=19.5)),
    ('L40S', dict(float16=362., bfloat16=362., tf32=183., fp32=91.6)),
    ('A10', dict(float16=125., bfloat16=125., tf32=62.5, fp32=31.2)),
    ('L4', dict(float16=121., bfloat16=121., tf32=60., fp32=30.3)),
    ('V100', dict(float16=125., fp32=15.7)),
    ('T4', dict(float16=65., fp32=8.1)),
)


def peak_precision(precision, device):
    """The row of :data:`PEAK_TFLOPS` that ``precision`` runs at."""
    if precision != 'fp32' or device != 'cuda':
        return precision
    major, _ = torch.cuda.get_device_capability()
    return 'tf32' if major >= 8 and torch.backends.cudnn.allow_tf32 else \
        'fp32'


def peak_tflops(args, precision):
    """(peak TFLOP/s, where it comes from) for the device and precision;
    (None, reason) when unknown."""
    if args.peak_tflops is not None:
        return args.peak_tflops, '--peak-tflops'
    if args.device != 'cuda':
        return None, 'no peak known for the CPU (give --peak-tflops)'
    name = torch.cuda.get_device_name()
    row = peak_precision(precision, args.device)
    for key, peaks in PEAK_TFLOPS:
        if key in name:
            if row in peaks:
                return peaks[row], f'table: {key} {row} dense'
            return None, f'table: {key} has no {row} peak'
    return None, f'{name} is not in the table (give --peak-tflops)'


def network_macs(model, shape):
    """Conv3d multiply-adds per clip of every network of ``model`` (a
    semi-supervised recognizer or a plain one), by
    :func:`backbone_complexity`."""
    nets = model.networks() if hasattr(model, 'networks') else dict(
        primary=model)
    return {name: backbone_complexity(net, shape)['macs']
            for name, net in nets.items()}


# ---------------------------------------------------------------------- #
def mib(n):
    return None if n is None else n / 2**20


def fmt(value, spec='.1f', none='–'):
    return none if value is None else format(value, spec)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmaction')
    # semi_base.unsup_active reads the iteration from the message hub
    MessageHub.get_instance('benchmark_train_step')
    spec = setup(args)
    if args.device == 'cuda':
        torch.backends.cudnn.benchmark = spec['cudnn_benchmark']
    B, mu, shape = spec['B'], spec['mu'], spec['shape']
    n_clips = B + 2 * mu * B
    print(f'device {args.device}'
          f'{" (" + torch.cuda.get_device_name() + ")" if args.device == "cuda" else ""}'  # noqa: E501
          f', torch {torch.__version__}, {torch.get_num_threads()} threads')
    print(f'configs: (a)+(b) {args.config_primary}; (c) {args.config_cmpl}')
    print(f'batch: B={B} labeled + mu*B={mu * B} unlabeled clips x 2 views '
          f'= {n_clips} clips of {"x".join(map(str, shape))} (CxTxHxW) per '
          f'iteration for every variant; threshold 0 (unsupervised branch '
          f'always on)')
    for note in spec['notes']:
        print(note)

    memory = measure_memory(spec, args) if args.memory_iters else {}

    models = {key: build(spec, key, args) for key in VARIANTS}
    precision = {key: wrapper_precision(models[key][1]) for key in VARIANTS}
    settings = dict(
        precision=precision,
        cudnn_benchmark=spec['cudnn_benchmark'] if args.device == 'cuda'
        else None,
        channels_last_3d=spec['channels_last_on'],
        channels_last_3d_setting=spec['channels_last'],
        concurrent_networks=args.concurrent_networks,
        compile=args.compile,
        compile_mode=args.compile_mode)
    print('settings: precision ' + ', '.join(
        f'({k}) {v}' for k, v in precision.items()) +
        '; channels_last_3d ' + ', '.join(
            f'({k}) {"on" if v else "off"}'
            for k, v in spec['channels_last_on'].items()) +
        f'; cudnn_benchmark {settings["cudnn_benchmark"]}'
        f'; concurrent_networks {args.concurrent_networks}'
        f'; compile {args.compile}'
        f'{" (" + args.compile_mode + ")" if args.compile_mode else ""}')
    # model FLOPs per iteration: Conv3d multiply-adds of every network's
    # backbone for one clip x 2 FLOP x 3 (forward, and backward for the
    # input and the weight gradients) x the clips of an iteration
    macs = {'c': network_macs(models['c'][0], shape)}
    if spec['models']['a']['backbone'] == spec['models']['c']['primary'][
            'backbone']:  # the same primary: count it once
        macs['a'] = macs['b'] = dict(primary=macs['c']['primary'])
    else:
        macs['a'] = network_macs(models['a'][0], shape)
        macs['b'] = network_macs(models['b'][0], shape)
    flops = {key: 6 * sum(macs[key].values()) * n_clips for key in VARIANTS}
    batches = make_batches(spec, args.seed)
    for _ in range(args.warmup):
        for key in VARIANTS:
            train_iter(*models[key], batches[key], args.device)
    times = {key: [] for key in VARIANTS}
    for i in range(args.iters):
        order = VARIANTS[i % 3:] + VARIANTS[:i % 3]
        for key in order:
            times[key].append(
                train_iter(*models[key], batches[key], args.device))

    med = {key: statistics.median(times[key]) for key in VARIANTS}
    ratio_ba = statistics.median(
        b / a for a, b in zip(times['a'], times['b']))
    ratio_cb = statistics.median(
        c / b for b, c in zip(times['b'], times['c']))

    mem_what = next((m['what'] for m in memory.values() if 'what' in m),
                    None)
    if args.device == 'cuda':
        mem_head = 'peak alloc MiB'
    else:
        mem_head = 'peak RSS +MiB'
    print(f'\n{"variant":<36}{"params M":>9}{"ms/iter":>10}{"min":>9}'
          f'{"max":>9}{"clips/s":>9}{mem_head:>16}{"TFLOP/it":>10}'
          f'{"TFLOP/s":>9}{"MFU":>8}')
    rows = {}
    peaks = {key: peak_tflops(args, precision[key]) for key in VARIANTS}
    for key in VARIANTS:
        ms = [1e3 * t for t in times[key]]
        mem = memory.get(key, {})
        if 'error' in mem:
            mem_value, mem_text = None, 'error'
        elif mem:
            mem_value = mem['peak'] if args.device == 'cuda' else \
                mem['peak'] - mem['before']
            mem_text = fmt(mib(mem_value))
        else:
            mem_value, mem_text = None, '–'
        params = count_params(models[key][0])
        achieved = flops[key] / med[key] / 1e12
        peak, _ = peaks[key]
        mfu = achieved / peak if peak else None
        mfu_text = '–' if mfu is None else f'{100 * mfu:.1f}%'
        rows[key] = dict(
            label=spec['labels'][key],
            params=params,
            ms_median=1e3 * med[key],
            ms_all=ms,
            clips_per_s=n_clips / med[key],
            memory_bytes=mem_value,
            memory=mem,
            precision=precision[key],
            macs_per_clip=macs[key],
            flops_per_iter=flops[key],
            tflops=achieved,
            peak_tflops=peak,
            peak_source=peaks[key][1],
            mfu=mfu)
        print(f'{spec["labels"][key]:<36}{params / 1e6:>9.3f}'
              f'{1e3 * med[key]:>10.1f}{min(ms):>9.1f}{max(ms):>9.1f}'
              f'{n_clips / med[key]:>9.1f}{mem_text:>16}'
              f'{flops[key] / 1e12:>10.3f}{achieved:>9.3f}'
              f'{mfu_text:>8}')
    for key, mem in memory.items():
        if 'error' in mem:
            print(f'memory of ({key}) failed: {mem["error"]}')
    print('FLOPs: Conv3d multiply-adds of the backbones x 2 x 3 (forward + '
          'backward) x clips; MFU: TFLOP/s over the dense peak, ' + '; '.join(
              sorted({f'{p[1]}' + (f' = {p[0]:g}' if p[0] else '')
                      for p in peaks.values()})))
    if mem_what:
        what = ('peak of torch.cuda.max_memory_allocated over '
                f'{args.memory_iters} iterations, own process'
                if args.device == 'cuda' else
                f'peak resident set ({mem_what}) over {args.memory_iters} '
                'iterations minus the resident set before them, own '
                'process')
        print(f'memory: {what}')

    ok_ba, ok_cb = ratio_ba <= TARGET_BA, ratio_cb <= TARGET_CB
    print(f'\ntime(b)/time(a) = {ratio_ba:.3f}   target <= {TARGET_BA}   '
          f'{"PASS" if ok_ba else "FAIL"}')
    print(f'time(c)/time(b) = {ratio_cb:.3f}   target <= {TARGET_CB}   '
          f'{"PASS" if ok_cb else "FAIL"}')
    print(f'(median over {args.iters} interleaved rounds of the per-round '
          f'ratio; after {args.warmup} warm-up iterations per variant)')
    spread = max(max(times[k]) / min(times[k]) for k in VARIANTS)
    if spread > 1.5:
        print(f'warning: the iterations of one variant differ by up to '
              f'{spread:.1f}x (background load?): the ratios are unreliable; '
              'on a shared CPU use --threads 1 and more --iters')
    mem_ratio = {}
    if all(rows[k]['memory_bytes'] for k in VARIANTS):
        mem_ratio = dict(
            b_over_a=rows['b']['memory_bytes'] / rows['a']['memory_bytes'],
            c_over_b=rows['c']['memory_bytes'] / rows['b']['memory_bytes'])
        print(f'memory(b)/memory(a) = {mem_ratio["b_over_a"]:.3f}   '
              f'memory(c)/memory(b) = {mem_ratio["c_over_b"]:.3f}   '
              '(no target)')

    complexity = print_complexity(models['c'][0], shape) \
        if args.complexity else None

    if args.profile:
        profile_variants(models, batches, args, spec['labels'])

    if args.out_json:
        with open(args.out_json, 'w') as f:
            json.dump(
                dict(
                    device=args.device,
                    amp=precision['b'] != 'fp32',
                    amp_dtype=None if precision['b'] == 'fp32' else
                    precision['b'],
                    cudnn_benchmark=settings['cudnn_benchmark'],
                    settings=settings,
                    gpu=torch.cuda.get_device_name()
                    if args.device == 'cuda' else None,
                    torch=torch.__version__,
                    date=time.strftime('%Y-%m-%d'),
                    threads=torch.get_num_threads(),
                    config_primary=args.config_primary,
                    config_cmpl=args.config_cmpl,
                    B=B,
                    mu=mu,
                    clip_shape=list(shape),
                    clips_per_iter=n_clips,
                    iters=args.iters,
                    warmup=args.warmup,
                    variants=rows,
                    ratio_b_over_a=ratio_ba,
                    ratio_c_over_b=ratio_cb,
                    memory_ratios=mem_ratio,
                    complexity=complexity,
                    targets=dict(b_over_a=TARGET_BA, c_over_b=TARGET_CB),
                    passed=dict(b_over_a=ok_ba, c_over_b=ok_cb)),
                f,
                indent=1)
    return 0 if ok_ba and ok_cb else 1


if __name__ == '__main__':
    sys.exit(main())
