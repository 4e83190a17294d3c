"""End-to-end training throughput: decoding, two views, workers and step.

Trains a real config with MMEngine's ``Runner`` for ``--warmup + --iters``
iterations on generated videos in the UCF-101 geometry (320x240 pixels,
25 fps, 4-8 s, mp4; drawn by :func:`cmpl_mm.datasets.synthetic_videos.
render_clip` at 320x320 and cropped to 240 rows), read through the
config's own training pipelines (decord decode, crops, ``MultiView``,
``VideoRandAugment``), sampler and ``num_workers``. A hook times every
iteration:

* *step*: ``before_train_iter`` to ``after_train_iter`` (``train_step``:
  preprocessing, forward, backward, optimizer step), with a device
  synchronisation at both ends;
* *data wait*: ``after_train_iter`` of the previous iteration to
  ``before_train_iter`` of this one, i.e. the time the loop waited for the
  dataloader (and the hooks in between).

It reports, over the iterations after ``--warmup``, the clips per second
(labeled clips + both views of the unlabeled clips, per wall-clock second
of data wait + step), the data-wait share of the iteration time, and the
ratio to the *step-only* figure for the same settings: after the run the
same model and optimizer wrapper (learning rate set to 0) train
``--step-iters`` more steps on the last batch, already in memory, as
``tools/analysis/benchmark_train_step.py`` does. A ratio near 1 means the
data loading keeps up.

Examples::

    # UCF-101 FixMatch config on a GPU machine, its 8 workers
    python tools/analysis/benchmark_end_to_end.py configs/fixmatch_r3d50_ucf101.py \\
        --data-root work_dirs/e2e_videos --num-videos 64 --iters 40 \\
        --out-json e2e.json

    # a CPU-sized dry run
    python tools/analysis/benchmark_end_to_end.py configs/fixmatch_r3d50_ucf101.py \\
        --num-videos 4 --min-seconds 4 --max-seconds 4 --batch 1 \\
        --clip-size 64 --iters 2 --warmup 1 --step-iters 2 --num-workers 1
"""
import argparse
import json
import multiprocessing as mp
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import cmpl_mm  # noqa: E402,F401  (compat layer + registration)
from cmpl_mm.datasets.synthetic_videos import (class_grid,  # noqa: E402
                                            render_clip)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

UCF_WIDTH, UCF_HEIGHT, UCF_FPS = 320, 240, 25


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='clips/s of real training (decode + views + workers + '
        'step) on generated UCF-101-geometry videos, data-wait share, and '
        'the ratio to the step alone')
    parser.add_argument(
        'config', nargs='?',
        default=osp.join(REPO_ROOT, 'configs', 'fixmatch_r3d50_ucf101.py'),
        help='training config (default: configs/fixmatch_r3d50_ucf101.py)')
    parser.add_argument(
        '--data-root', default=None,
        help='where the generated videos are kept and reused (default: a '
        'temporary directory, removed afterwards)')
    parser.add_argument('--num-videos', type=int, default=64,
                        help='videos to generate (default: 64)')
    parser.add_argument(
        '--labeled-share', type=float, default=0.25,
        help='share of the videos in the labeled list; the rest are '
        'unlabeled (default: 0.25)')
    parser.add_argument('--min-seconds', type=float, default=4.)
    parser.add_argument('--max-seconds', type=float, default=8.)
    parser.add_argument('--iters', type=int, default=30,
                        help='timed training iterations (default: 30)')
    parser.add_argument(
        '--warmup', type=int, default=5,
        help='untimed iterations first: worker start-up, cuDNN autotuning '
        '(default: 5)')
    parser.add_argument('--step-iters', type=int, default=10,
                        help='step-only iterations after the run (default: '
                        '10, after 2 untimed ones)')
    parser.add_argument(
        '--num-workers', type=int,
        help='dataloader workers (default: the config\'s)')
    parser.add_argument('--batch', type=int,
                        help='labeled clips B (default: the config\'s)')
    parser.add_argument(
        '--clip-size', type=int,
        help='train at this frame size: the last Resize of the training '
        'pipelines becomes (S, S) and the short-side Resize S*8/7 (the '
        'configs: 112 from 128)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='config overrides, e.g. optim_wrapper.type=OptimWrapper')
    parser.add_argument('--work-dir', help='runner work dir (default: temp)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-json', help='also write the figures here')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0 or args.step_iters < 1:
        parser.error('--iters >= 1, --warmup >= 0, --step-iters >= 1')
    if args.num_videos < 2 or not 0 < args.labeled_share < 1:
        parser.error('--num-videos >= 2 and 0 < --labeled-share < 1')
    if not 0 < args.min_seconds <= args.max_seconds:
        parser.error('0 < --min-seconds <= --max-seconds')
    return args


# ---------------------------------------------------------------------- #
# videos
# ---------------------------------------------------------------------- #
def _render_one(job):
    path, seed, index, label, num_frames = job
    shape, motion = class_grid(8)[label]
    frames = render_clip(
        np.random.default_rng([seed, 7919, label, index]), shape, motion,
        num_frames, UCF_WIDTH)
    top = (UCF_WIDTH - UCF_HEIGHT) // 2
    frames = frames[:, top:top + UCF_HEIGHT]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'),
                             float(UCF_FPS), (UCF_WIDTH, UCF_HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f'cv2.VideoWriter could not open {path}')
    try:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame))
    finally:
        writer.release()
    return path


def make_videos(root, num_videos, min_seconds, max_seconds, seed,
                labeled_share):
    """Write (or reuse) the videos and the labeled / unlabeled lists.

    Returns:
        dict: ``labeled`` and ``unlabeled`` list paths, ``video_root``,
        ``num_videos``, ``frames`` (min, max), ``seconds`` (generation time,
        0 when reused).
    """
    video_root = osp.join(root, 'videos')
    os.makedirs(video_root, exist_ok=True)
    rng = np.random.default_rng(seed)
    jobs = []
    for i in range(num_videos):
        seconds = rng.uniform(min_seconds, max_seconds)
        frames = max(8, int(round(seconds * UCF_FPS)))
        name = f'v{i:04d}_{frames}f.mp4'
        jobs.append((osp.join(video_root, name), seed, i, i % 8, frames))
    todo = [job for job in jobs if not osp.isfile(job[0])]
    start = time.perf_counter()
    if todo:
        procs = max(1, min(len(todo), os.cpu_count() or 1))
        if procs > 1:
            with mp.get_context('fork').Pool(procs) as pool:
                pool.map(_render_one, todo)
        else:
            for job in todo:
                _render_one(job)
    seconds = time.perf_counter() - start if todo else 0.
    n_labeled = max(1, int(round(labeled_share * num_videos)))
    n_labeled = min(n_labeled, num_videos - 1)
    lists = {}
    for part, part_jobs in (('labeled', jobs[:n_labeled]),
                            ('unlabeled', jobs[n_labeled:])):
        lists[part] = osp.join(root, f'{part}.txt')
        with open(lists[part], 'w') as f:
            for path, _, _, label, _ in part_jobs:
                f.write(f'{osp.basename(path)} {label}\n')
    return dict(
        labeled=lists['labeled'],
        unlabeled=lists['unlabeled'],
        video_root=video_root,
        num_videos=num_videos,
        num_labeled=n_labeled,
        frames=[min(j[4] for j in jobs), max(j[4] for j in jobs)],
        geometry=f'{UCF_WIDTH}x{UCF_HEIGHT} @ {UCF_FPS} fps, mp4v',
        seconds=seconds)


# ---------------------------------------------------------------------- #
# config
# ---------------------------------------------------------------------- #
def _resize_pipeline(pipeline, size):
    for step in pipeline:
        if step.get('type') != 'Resize':
            continue
        scale = step['scale']
        if isinstance(scale, (tuple, list)) and min(scale) > 0:
            step['scale'] = (size, size)
        elif isinstance(scale, (tuple, list)) and scale[0] == -1:
            step['scale'] = (-1, int(round(size * 8 / 7)))


def prepare_config(args, videos, work_dir):
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    loader = cfg.train_dataloader
    dataset = loader.dataset
    parts = [p for p in ('labeled', 'unlabeled') if dataset.get(p)]
    if not parts:
        raise SystemExit('expected a LabeledUnlabeledDataset training set')
    for part in parts:
        dataset[part].ann_file = videos[part]
        dataset[part].data_prefix = dict(video=videos['video_root'])
        if args.clip_size:
            _resize_pipeline(dataset[part].pipeline, args.clip_size)
    sampler = loader.sampler
    if args.batch:
        sampler.labeled_batch_size = args.batch
        loader.batch_size = args.batch * (1 + sampler.get('mu', 0))
    if args.num_workers is not None:
        loader.num_workers = args.num_workers
    if loader.num_workers == 0:
        loader.persistent_workers = False
    mu = sampler.get('mu', 0) if dataset.get('unlabeled') else 0
    clips = sampler.labeled_batch_size * (1 + 2 * mu)
    cfg.train_cfg.max_iters = args.warmup + args.iters
    cfg.train_cfg.val_interval = 10**9
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=10**9, by_epoch=False,
        save_last=False)
    cfg.default_hooks.logger = dict(
        type='LoggerHook', interval=max(1, args.iters // 5),
        log_metric_by_epoch=False)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=args.seed)
    cfg.load_from, cfg.resume = None, False
    return cfg, clips


# ---------------------------------------------------------------------- #
# timing
# ---------------------------------------------------------------------- #
def _sync():
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


class IterationTimer(Hook):
    """Step and data-wait time of every training iteration."""

    priority = 'LOWEST'

    def __init__(self):
        self.steps, self.waits = [], []
        self._start = None
        self._last_end = None
        self.last_batch = None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        _sync()
        now = time.perf_counter()
        self.waits.append(None if self._last_end is None else
                          now - self._last_end)
        self._start = now
        self.last_batch = data_batch

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        _sync()
        now = time.perf_counter()
        self.steps.append(now - self._start)
        self._last_end = now


def _fresh(batch):
    out = {}
    for key, value in batch.items():
        if isinstance(value, dict):
            out[key] = {k: list(v) if isinstance(v, list) else v
                        for k, v in value.items()}
        elif isinstance(value, list):
            out[key] = list(value)
        else:
            out[key] = value
    return out


def step_only(runner, batch, iters, warmup=2):
    """Seconds per ``train_step`` on one batch, learning rate 0."""
    model, optim_wrapper = runner.model, runner.optim_wrapper
    for group in optim_wrapper.optimizer.param_groups:
        group['lr'] = 0.
    model.train()
    times = []
    for i in range(warmup + iters):
        data = _fresh(batch)
        _sync()
        start = time.perf_counter()
        model.train_step(data, optim_wrapper=optim_wrapper)
        _sync()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def precision_of(optim_wrapper):
    from mmengine.optim import AmpOptimWrapper
    if not isinstance(optim_wrapper, AmpOptimWrapper) or not getattr(
            optim_wrapper, 'amp_enabled', True):
        return 'fp32'
    return str(optim_wrapper.cast_dtype or torch.float16).replace(
        'torch.', '')


def main(argv=None):
    args = parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix='e2e_bench_')
    root = args.data_root or osp.join(tmp.name, 'videos')
    work_dir = args.work_dir or osp.join(tmp.name, 'work')
    try:
        videos = make_videos(root, args.num_videos, args.min_seconds,
                             args.max_seconds, args.seed,
                             args.labeled_share)
        print(f'videos: {videos["num_videos"]} ({videos["num_labeled"]} '
              f'labeled) in {root}, {videos["geometry"]}, '
              f'{videos["frames"][0]}-{videos["frames"][1]} frames; '
              f'generated in {videos["seconds"]:.1f} s')
        cfg, clips = prepare_config(args, videos, work_dir)
        runner = Runner.from_cfg(cfg)
        timer = IterationTimer()
        runner.register_hook(timer)
        start = time.perf_counter()
        runner.train()
        total = time.perf_counter() - start
        steps = timer.steps[args.warmup:]
        waits = timer.waits[args.warmup:]
        waits = [w or 0. for w in waits]
        iter_times = [s + w for s, w in zip(steps, waits)]
        e2e = clips * len(iter_times) / sum(iter_times)
        only = step_only(runner, timer.last_batch, args.step_iters)
        step_median = statistics.median(only)
        step_clips = clips / step_median
        loader = cfg.train_dataloader
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        result = dict(
            config=args.config,
            device=device,
            gpu=torch.cuda.get_device_name() if device == 'cuda' else None,
            torch=torch.__version__,
            date=time.strftime('%Y-%m-%d'),
            cpu_count=os.cpu_count(),
            num_workers=loader.num_workers,
            batch_size=loader.batch_size,
            clips_per_iter=clips,
            clip_size=args.clip_size,
            precision=precision_of(runner.optim_wrapper),
            cudnn_benchmark=bool(torch.backends.cudnn.benchmark),
            videos=videos,
            warmup=args.warmup,
            iters=len(iter_times),
            train_seconds=total,
            step_s=steps,
            data_wait_s=waits,
            e2e_clips_per_s=e2e,
            data_wait_share=sum(waits) / sum(iter_times),
            step_in_loop_ms_median=1e3 * statistics.median(steps),
            step_only_ms=[1e3 * t for t in only],
            step_only_ms_median=1e3 * step_median,
            step_only_clips_per_s=step_clips,
            ratio_e2e_over_step_only=e2e / step_clips)
        print(f'\nconfig {args.config}; device {device}'
              f'{" (" + result["gpu"] + ")" if result["gpu"] else ""}, '
              f'torch {torch.__version__}, {result["precision"]}, '
              f'cudnn_benchmark {result["cudnn_benchmark"]}')
        print(f'{clips} clips per iteration (batch {loader.batch_size}), '
              f'{loader.num_workers} workers on {os.cpu_count()} CPUs; '
              f'{len(iter_times)} iterations timed after {args.warmup}')
        print(f'end-to-end        {e2e:9.2f} clips/s   '
              f'({1e3 * statistics.mean(iter_times):.1f} ms per iteration '
              'on average)')
        print(f'data-wait share   {100 * result["data_wait_share"]:9.1f} % '
              'of the iteration time')
        print(f'step in the loop  {result["step_in_loop_ms_median"]:9.1f} ms '
              '(median)')
        print(f'step only         {step_clips:9.2f} clips/s   '
              f'({1e3 * step_median:.1f} ms median over {len(only)} steps on '
              'the last batch, lr 0)')
        print(f'end-to-end / step-only = '
              f'{result["ratio_e2e_over_step_only"]:.3f}')
        if args.out_json:
            with open(args.out_json, 'w') as f:
                json.dump(result, f, indent=1)
        return 0
    finally:
        tmp.cleanup()


if __name__ == '__main__':
    sys.exit(main())
