"""Bad videos and bad annotation lists must not stop (or silently spoil) a run.

A copy of the tiny generated dataset gets one missing, one empty, one
half-truncated, one random-bytes and one too-short (2-frame) video, spread
over the labeled, unlabeled and validation lists; ``RobustDataset``, the
``BadVideoHook`` and the ``BadVideoAwareMetric`` must skip, log, list and
leave them out, whatever dataset type ``RobustDataset`` wraps (video,
rawframe, a type of the test's own; labeled or with hidden labels).
Malformed lists must fail at build time naming file and line.
"""
import os
import os.path as osp
import pickle
import re
import shutil
import struct
import subprocess
import sys
import warnings
from types import SimpleNamespace
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.structures import ActionDataSample
from mmaction.registry import DATASETS, METRICS

import cmpl_mm  # noqa: F401
from cmpl_mm.datasets import (AnnotationError, BadVideoError,
                              LabeledUnlabeledDataset, MONITOR_LABEL_KEY)
from cmpl_mm.datasets import annotation_check, dataset_wrappers, source_config
from cmpl_mm.datasets.annotation_check import ANN_LINENO_KEY
from cmpl_mm.datasets.robust_datasets import (BAD_VIDEO_KEY,
                                              BAD_VIDEO_RECORDS_KEY)
from cmpl_mm.engine.hooks import BadVideoHook
from cmpl_mm.engine.hooks.bad_video_hook import read_bad_video_file
from cmpl_mm.evaluation.metrics import bad_video_metric
from helpers import FAST, REPO_ROOT, tiny_data_options

CONFIG = 'configs/cmpl_r3d18q_synthetic.py'
REASONS = {
    'missing': 'missing file',
    'empty': 'empty file (0 bytes)',
    'half': 'cannot decode',
    'random': 'cannot decode',
    'short': 'too short: 2 frame(s), the clip needs 8',
}
# (list, line index, corruption)
CORRUPT = [
    ('labeled', 0, 'missing'),
    ('labeled', 3, 'empty'),
    ('unlabeled', 0, 'half'),
    ('unlabeled', 5, 'random'),
    ('unlabeled', 10, 'short'),
    ('val', 1, 'half'),
    ('val', 6, 'short'),
]


@pytest.fixture(autouse=True)
def mmaction_scope():
    init_default_scope('mmaction')


def list_paths(path):
    with open(path) as f:
        return [line.split()[0] for line in f if line.strip()]


def write_short_video(path, frames=2):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 8,
                             (64, 64))
    for i in range(frames):
        writer.write(np.full((64, 64, 3), 60 * i, np.uint8))
    writer.release()


def corrupt(path, kind):
    if kind == 'missing':
        os.remove(path)
    elif kind == 'empty':
        open(path, 'wb').close()
    elif kind == 'half':
        data = open(path, 'rb').read()
        open(path, 'wb').write(data[:len(data) // 2])
    elif kind == 'random':
        size = osp.getsize(path)
        open(path, 'wb').write(np.random.RandomState(0).bytes(size))
    elif kind == 'short':
        os.remove(path)
        write_short_video(path)


@pytest.fixture(scope='module')
def bad_data(tiny_dataset, tmp_path_factory):
    """A copy of ``tiny_dataset`` with the videos of ``CORRUPT`` broken.

    Returns ``(root, {absolute path: kind})``.
    """
    root = str(tmp_path_factory.mktemp('bad_data') / 'data')
    shutil.copytree(tiny_dataset, root)
    lists = dict(
        labeled=osp.join(root, 'semi', 'labeled.txt'),
        unlabeled=osp.join(root, 'semi', 'unlabeled.txt'),
        val=osp.join(root, 'val.txt'))
    bad = {}
    for name, index, kind in CORRUPT:
        path = osp.join(root, list_paths(lists[name])[index])
        corrupt(path, kind)
        bad[path] = kind
    return root, bad


def video_cfg(root, ann_file, test_mode=False, unlabeled=False,
              fixed_clip=False, **kwargs):
    pipeline = [
        dict(type='DecordInit'),
        dict(
            type='SampleFrames',
            clip_len=8,
            frame_interval=2,
            num_clips=1,
            test_mode=test_mode or fixed_clip),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]
    return dict(
        type='RobustDataset',
        dataset='VideoDataset',
        hide_labels=unlabeled,
        ann_file=ann_file,
        data_prefix=dict(video=root),
        pipeline=pipeline,
        test_mode=test_mode,
        **kwargs)


# ------------------------------------------------------------ dataset level
def test_skip_replaces_with_next_good_video(bad_data):
    root, bad = bad_data
    dataset = DATASETS.build(
        video_cfg(root, osp.join(root, 'semi', 'unlabeled.txt'),
                  unlabeled=True, fixed_clip=True))
    paths = [dataset.get_data_info(i)['filename'] for i in range(16)]
    found = {}
    for i, path in enumerate(paths):
        sample = dataset[i]
        records = sample['data_samples'].metainfo.get(BAD_VIDEO_RECORDS_KEY)
        if path in bad:
            assert records == [(path, dataset.bad_videos[i][1])]
            found[path] = records[0][1]
            # replaced by the next good index (deterministic)
            j = next(k for k in range(i + 1, 16) if paths[k] not in bad)
            assert torch.equal(sample['inputs'], dataset[j]['inputs'])
        else:
            assert records is None
    assert set(found) == {p for p in paths if p in bad}
    for path, reason in found.items():
        assert reason.startswith(REASONS[bad[path]]), (path, reason)
    # a known bad index is not decoded again and not reported again
    again = dataset[paths.index(next(iter(found)))]
    assert BAD_VIDEO_RECORDS_KEY not in again['data_samples'].metainfo


def test_raise_names_file_and_reason(bad_data):
    root, bad = bad_data
    dataset = DATASETS.build(
        video_cfg(root, osp.join(root, 'semi', 'labeled.txt'),
                  bad_video_policy='raise'))
    for i in range(len(dataset)):
        path = dataset.get_data_info(i)['filename']
        if path in bad:
            with pytest.raises(BadVideoError) as err:
                dataset[i]
            assert path in str(err.value)
            assert REASONS[bad[path]] in str(err.value)
        else:
            dataset[i]
    with pytest.raises(ValueError, match='bad_video_policy'):
        DATASETS.build(
            video_cfg(root, osp.join(root, 'val.txt'),
                      bad_video_policy='ignore'))


def _faststart(data):
    """Move an mp4's moov box before mdat (index first, like web videos)."""

    def boxes(buf, start, end):
        while start < end:
            size, kind = struct.unpack('>I4s', bytes(buf[start:start + 8]))
            yield start, size, kind
            start += size

    top = list(boxes(data, 0, len(data)))
    start, size, _ = next(b for b in top if b[2] == b'moov')
    moov = bytearray(data[start:start + size])

    def shift(lo, hi):
        for pos, size, kind in boxes(moov, lo, hi):
            if kind in (b'trak', b'mdia', b'minf', b'stbl'):
                shift(pos + 8, pos + size)
            elif kind == b'stco':
                count = struct.unpack('>I', moov[pos + 12:pos + 16])[0]
                for k in range(count):
                    at = pos + 16 + 4 * k
                    value = struct.unpack('>I', moov[at:at + 4])[0]
                    moov[at:at + 4] = struct.pack('>I', value + len(moov))

    shift(8, len(moov))
    out = bytearray()
    for pos, size, kind in top:
        if kind == b'mdat':
            out += moov
        if kind != b'moov':
            out += data[pos:pos + size]
    return bytes(out)


def test_truncated_video_that_opens_is_caught_while_decoding(
        bad_data, tmp_path):
    """Index first, frames cut off: opens fine, fails in DecordDecode."""
    root, bad = bad_data
    good = [
        osp.join(root, p) for p in list_paths(osp.join(root, 'val.txt'))
        if osp.join(root, p) not in bad
    ][0]
    data = _faststart(open(good, 'rb').read())
    (tmp_path / 'ok.mp4').write_bytes(data)
    (tmp_path / 'cut.mp4').write_bytes(data[:len(data) // 3])
    (tmp_path / 'list.txt').write_text('ok.mp4 1\ncut.mp4 2\n')
    dataset = DATASETS.build(
        video_cfg(str(tmp_path), str(tmp_path / 'list.txt'), test_mode=True))
    assert dataset.prepare_checked(0)[2] is None  # the rewrite is valid
    sample = dataset[1]  # placeholder: the next good video (index 0)
    meta = sample['data_samples'].metainfo
    assert meta[BAD_VIDEO_KEY] == str(tmp_path / 'cut.mp4')
    assert meta['bad_video_reason'].startswith('cannot decode')
    assert meta[BAD_VIDEO_RECORDS_KEY][0][0] == str(tmp_path / 'cut.mp4')


def logged(monkeypatch, module):
    """Messages ``module`` passes to ``print_log`` from now on."""
    messages = []
    monkeypatch.setattr(module, 'print_log',
                        lambda msg, *a, **k: messages.append(msg))
    return messages


def test_metric_leaves_placeholders_out(bad_data, monkeypatch):
    root, bad = bad_data
    dataset = DATASETS.build(
        video_cfg(root, osp.join(root, 'val.txt'), test_mode=True))
    metric = METRICS.build(
        dict(type='BadVideoAwareMetric', metric=dict(type='AccMetric')))
    metric.dataset_meta = dataset.metainfo
    samples = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        label = sample.gt_label.item()
        # a perfect prediction for good videos, a wrong one for placeholders
        score = np.full(4, 0.1, np.float32)
        score[label if BAD_VIDEO_KEY not in sample else (label + 1) % 4] = .7
        sample.set_pred_score(torch.from_numpy(score))
        samples.append(sample.to_dict())
    metric.process({}, samples)
    messages = logged(monkeypatch, bad_video_metric)
    result = metric.evaluate(len(dataset))
    assert result['acc/top1'] == 1.0  # placeholders did not count
    assert messages[0].startswith('2 of 8 videos could not be decoded and '
                                  'were left out of the metric')


# ------------------------------------------- composition (any source type)
@DATASETS.register_module(name='CommaListVideoDataset', force=True)
class CommaListVideoDataset(VideoDataset):
    """A source type of the user's own: ``path,label`` lines."""

    def load_data_list(self):
        with open(self.ann_file) as f:
            rows = [line.strip().split(',') for line in f if line.strip()]
        return [
            dict(filename=osp.join(self.data_prefix['video'], path),
                 label=int(label)) for path, label in rows
        ]


def check_skips(dataset, bad_paths, hide_labels, labels, work_dir):
    """Every bad index of ``dataset`` is replaced by the next good one and
    recorded; the records reach ``BadVideoHook``, which logs each file.
    Labels are ``gt_label`` or, hidden, only in the data info."""
    n = len(dataset)
    paths = []
    for i in range(n):
        info = dataset.get_data_info(i)
        paths.append(info.get('filename', info.get('frame_dir')))
    assert set(bad_paths) & set(paths)
    samples = [dataset[i] for i in range(n)]
    for i, path in enumerate(paths):
        sample = samples[i]['data_samples']
        info = dataset.get_data_info(i)
        if hide_labels:
            assert 'label' not in info and 'gt_label' not in sample
            assert info[MONITOR_LABEL_KEY] == labels[i]
        else:
            assert MONITOR_LABEL_KEY not in info
        used = i
        if path in bad_paths:
            used = next(k % n for k in range(i + 1, i + n)
                        if paths[k % n] not in bad_paths)
            records = sample.metainfo[BAD_VIDEO_RECORDS_KEY]
            assert records == [(path, dataset.bad_videos[i][1])]
            assert torch.equal(samples[i]['inputs'], samples[used]['inputs'])
        else:
            assert BAD_VIDEO_RECORDS_KEY not in sample.metainfo
        if not hide_labels:
            assert sample.gt_label.item() == labels[used]
    runner = SimpleNamespace(iter=0, work_dir=work_dir,
                             logger=mock.MagicMock())
    BadVideoHook().after_train_iter(
        runner, 0, dict(data_samples=[s['data_samples'] for s in samples]))
    logged_ = ' '.join(c[0][0] for c in runner.logger.warning.call_args_list)
    for path in set(bad_paths) & set(paths):
        assert f'skipped: {path}: ' in logged_


@pytest.mark.parametrize('form', ['flat', 'nested', 'built'])
@pytest.mark.parametrize('hide_labels', [False, True])
def test_robust_wraps_a_plain_video_dataset(bad_data, tmp_path, form,
                                            hide_labels):
    root, bad = bad_data
    name = 'unlabeled.txt' if hide_labels else 'labeled.txt'
    cfg = video_cfg(root, osp.join(root, 'semi', name), fixed_clip=True)
    source = {k: cfg.pop(k) for k in list(cfg)
              if k not in ('type', 'dataset', 'hide_labels')}
    source['type'] = cfg.pop('dataset')
    if form == 'nested':
        cfg['dataset'] = source
    elif form == 'built':
        cfg['dataset'] = DATASETS.build(source)
    else:
        cfg.update(source, dataset=source.pop('type'))
    cfg['hide_labels'] = hide_labels
    dataset = DATASETS.build(cfg)
    assert type(dataset).__name__ == 'RobustDataset'
    assert type(dataset.dataset) is VideoDataset
    labels = [int(line.split()[1]) for line in
              open(osp.join(root, 'semi', name)) if line.strip()]
    check_skips(dataset, bad, hide_labels, labels, str(tmp_path))


def write_frames(folder, count):
    os.makedirs(folder)
    for k in range(1, count + 1):
        cv2.imwrite(osp.join(folder, f'img_{k:05}.jpg'),
                    np.full((16, 16, 3), 30 * k, np.uint8))


@pytest.mark.parametrize('hide_labels', [False, True])
def test_robust_wraps_a_rawframe_dataset(tmp_path, hide_labels):
    for name in ('f0', 'f2', 'f3'):
        write_frames(str(tmp_path / name), 8)
    # f1 has no folder; f3 lists 2 frames, fewer than the 4 a clip needs
    ann = write(tmp_path, 'raw.txt', 'f0 8 0\nf1 8 1\nf2 8 2\nf3 2 3\n')
    dataset = DATASETS.build(
        dict(
            type='RobustDataset',
            dataset='RawframeDataset',
            hide_labels=hide_labels,
            ann_file=ann,
            data_prefix=dict(img=str(tmp_path)),
            pipeline=[
                dict(type='SampleFrames', clip_len=4, num_clips=1,
                     test_mode=True),
                dict(type='RawFrameDecode'),
                dict(type='FormatShape', input_format='NCTHW'),
                dict(type='PackActionInputs')
            ]))
    bad = [str(tmp_path / 'f1'), str(tmp_path / 'f3')]
    check_skips(dataset, bad, hide_labels, [0, 1, 2, 3], str(tmp_path))
    assert dataset.bad_videos[1][1] == 'missing file'
    assert dataset.bad_videos[3][1] == ('too short: 2 frame(s), the clip '
                                        'needs 4')


@pytest.mark.parametrize('hide_labels', [False, True])
def test_robust_wraps_a_dataset_type_of_ones_own(bad_data, tmp_path,
                                                  hide_labels):
    """No robust class for a new source type; its own list reader stays."""
    root, bad = bad_data
    rows = [line.split() for line in
            open(osp.join(root, 'semi', 'unlabeled.txt'))][:8]
    ann = write(tmp_path, 'comma.txt',
                ''.join(f'{path},{label}\n' for path, label in rows))
    cfg = video_cfg(root, ann, fixed_clip=True, unlabeled=hide_labels)
    dataset = DATASETS.build(dict(cfg, dataset='CommaListVideoDataset'))
    assert type(dataset.dataset) is CommaListVideoDataset
    assert ANN_LINENO_KEY not in dataset.get_data_info(0)  # its reader
    check_skips(dataset, bad, hide_labels, [int(r[1]) for r in rows],
                str(tmp_path))


def test_unlabeled_dataset_hides_labels_of_any_source(tmp_path):
    ann = write(tmp_path, 'u.txt', 'a.mp4 3\nb.mp4\n')  # mmaction2's reader
    dataset = DATASETS.build(
        dict(type='UnlabeledDataset', dataset='VideoDataset', ann_file=ann,
             data_prefix=dict(video=str(tmp_path)), pipeline=[]))
    assert [dataset.get_data_info(i)[MONITOR_LABEL_KEY]
            for i in range(2)] == [3, -1]
    assert 'label' not in dataset[0]
    assert dataset[0][MONITOR_LABEL_KEY] == 3
    comma = write(tmp_path, 'c.txt', 'a.mp4,2\n')
    own = DATASETS.build(
        dict(type='UnlabeledDataset',
             dataset=dict(type='CommaListVideoDataset', ann_file=comma,
                          pipeline=[])))
    assert own.get_data_info(0)[MONITOR_LABEL_KEY] == 2
    assert 'label' not in own.get_data_info(0)


def test_source_arguments_in_one_place_only(tmp_path):
    ann = write(tmp_path, 'l.txt', 'a.mp4 0\n')
    with pytest.raises(TypeError, match=r"\['ann_file'\] belong to the "
                       'source dataset'):
        DATASETS.build(
            dict(type='RobustDataset', ann_file=ann,
                 dataset=dict(type='VideoDataset', ann_file=ann,
                              pipeline=[])))


def test_wrapped_dataset_pickles_and_its_source_stays_plain(tmp_path):
    ann = write(tmp_path, 'l.txt', 'a.mp4 0\nb.mp4 1\n')
    dataset = DATASETS.build(
        video_cfg(str(tmp_path), ann, unlabeled=True, lazy_init=True))
    assert len(dataset) == 2  # loads on first use
    assert 'load_data_list' not in vars(dataset.dataset)
    copy = pickle.loads(pickle.dumps(dataset))  # spawned dataloader workers
    assert copy.get_data_info(1) == dataset.get_data_info(1)
    assert copy.get_data_info(1)[ANN_LINENO_KEY] == 2
    assert (copy.ann_file, copy.min_frames) == (ann, 8)


# old type name -> (wrapper, source type, hide_labels)
OLD_NAMES = {
    'RobustVideoDataset': ('RobustDataset', VideoDataset, False),
    'RobustUnlabeledVideoDataset': ('RobustDataset', VideoDataset, True),
    'RobustRawframeDataset': ('RobustDataset', RawframeDataset, False),
    'RobustUnlabeledRawframeDataset': ('RobustDataset', RawframeDataset,
                                       True),
    'UnlabeledVideoDataset': ('UnlabeledDataset', VideoDataset, True),
    'UnlabeledRawframeDataset': ('UnlabeledDataset', RawframeDataset, True),
}


@pytest.mark.parametrize('old', OLD_NAMES)
def test_old_type_names_build_and_warn_once(tmp_path, monkeypatch, old):
    wrapper, source, hide = OLD_NAMES[old]
    rawframes = source is RawframeDataset
    ann = write(tmp_path, 'l.txt', 'a 8 1\n' if rawframes else 'a.mp4 1\n')
    monkeypatch.setattr(dataset_wrappers, '_warned', set())
    messages = logged(monkeypatch, dataset_wrappers)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        built = [
            DATASETS.build(dict(type=old, ann_file=ann, pipeline=[],
                                bad_video_policy='raise')
                           if wrapper == 'RobustDataset' else
                           dict(type=old, ann_file=ann, pipeline=[]))
            for _ in range(2)
        ]
    deprecations = [str(w.message) for w in caught
                    if issubclass(w.category, DeprecationWarning)
                    and old in str(w.message)]
    assert len(deprecations) == 1 and messages == deprecations
    assert f"type='{wrapper}'" in deprecations[0]
    assert f"dataset='{source.__name__}'" in deprecations[0]
    for dataset in built:
        assert type(dataset).__name__ == wrapper
        assert type(dataset.dataset) is source
        assert dataset.hide_labels == hide
        info = dataset.get_data_info(0)
        assert (info.get(MONITOR_LABEL_KEY), info.get('label')) == (
            (1, None) if hide else (None, 1))
    if wrapper == 'RobustDataset':
        assert built[0].bad_video_policy == 'raise'
        assert built[0].get_data_info(0)[ANN_LINENO_KEY] == 1  # checked list


@pytest.mark.parametrize('cfg, expected', [
    (dict(type='RobustDataset', dataset='RawframeDataset', ann_file='a',
          hide_labels=True, bad_video_policy='raise', min_frames=2,
          decode_transforms=['X'], lazy_init=True),
     dict(type='RawframeDataset', ann_file='a', lazy_init=True)),
    (dict(type='RobustDataset', bad_video_policy='skip',
          dataset=dict(type='UnlabeledDataset', dataset='VideoDataset',
                       ann_file='a')),
     dict(type='VideoDataset', ann_file='a')),
    (dict(type='RobustUnlabeledVideoDataset', ann_file='a', min_frames=1),
     dict(type='VideoDataset', ann_file='a')),
    (dict(type='VideoDataset', ann_file='a'),
     dict(type='VideoDataset', ann_file='a')),
])
def test_source_config_looks_through_wrappers(cfg, expected):
    assert source_config(cfg) == expected


# --------------------------------------------------------------- the hook
def batch_with(*records, views=False):
    """A collated batch whose samples carry ``records`` (one per sample)."""
    samples = []
    for record in records:
        sample = ActionDataSample()
        if record is not None:
            sample.set_metainfo({BAD_VIDEO_RECORDS_KEY: [record]})
        samples.append(sample)
    if views:  # training batch: data samples grouped by view
        return dict(data_samples=dict(sup=samples, weak=[None] * len(samples)))
    return dict(data_samples=samples)


def test_hook_logs_once_and_merges_the_list(tmp_path):
    out = tmp_path / 'bad_videos.txt'
    out.write_text('old.mp4\tmissing file\n')  # from an earlier run
    runner = SimpleNamespace(
        iter=0, work_dir=str(tmp_path), logger=mock.MagicMock())
    hook = BadVideoHook(interval=2)
    # two workers met a.mp4; old.mp4 is already listed
    hook.after_train_iter(
        runner, 0,
        batch_with(('a.mp4', 'empty file (0 bytes)'), None, views=True))
    runner.iter = 1
    hook.after_train_iter(
        runner, 1,
        batch_with(('a.mp4', 'empty file (0 bytes)'),
                   ('old.mp4', 'missing file'), views=True))
    hook.after_val_iter(runner, 0, batch_with(('v.mp4', 'no frames')))
    hook.after_val_epoch(runner)
    warnings = [c[0][0] for c in runner.logger.warning.call_args_list]
    assert len(warnings) == 3
    assert sum('skipped: a.mp4: empty file (0 bytes)' in w
               for w in warnings) == 1
    infos = [c[0][0] for c in runner.logger.info.call_args_list]
    assert infos[-1].startswith('3 bad videos skipped so far (train: 2, val: '
                                '1)')
    assert read_bad_video_file(str(out)) == {
        'old.mp4': 'missing file',
        'a.mp4': 'empty file (0 bytes)',
        'v.mp4': 'no frames'
    }
    assert len(out.read_text().splitlines()) == 3


def test_hook_wraps_unwrapped_metrics():
    acc = METRICS.build(dict(type='AccMetric'))
    wrapped = METRICS.build(
        dict(type='BadVideoAwareMetric', metric=dict(type='AccMetric')))
    dump = METRICS.build(dict(type='DumpResults', out_file_path='x.pkl'))
    loop = SimpleNamespace(
        evaluator=SimpleNamespace(metrics=[acc, wrapped, dump]))
    runner = SimpleNamespace(val_loop=loop, logger=mock.MagicMock())
    BadVideoHook().before_val(runner)
    first, second, third = loop.evaluator.metrics
    assert type(first).__name__ == 'BadVideoAwareMetric'
    assert first.metric is acc and first.prefix == 'acc'
    assert second is wrapped
    assert third is dump  # the dump keeps an entry per listed video


# -------------------------------------------------------- annotation lists
def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    'text, line, message',
    [
        ('a.mp4 0\nb.mp4 1 2\n', 2, 'got 3 column'),
        ('a.mp4 0\n\nb.mp4 x\n', 3, "label 'x' is not an integer"),
        ('a.mp4 0\nb.mp4 4\n', 2, 'label 4 out of range for 4 classes'),
        ('a.mp4 -1\n', 1, 'negative label'),
        ('a.mp4\n', 1, 'got 1 column'),  # labeled list without a label
    ])
def test_malformed_line_names_file_and_line(tmp_path, text, line, message):
    ann = write(tmp_path, 'list.txt', text)
    with pytest.raises(AnnotationError) as err:
        DATASETS.build(video_cfg(str(tmp_path), ann, num_classes=4))
    assert f'{ann}, line {line}' in str(err.value)
    assert message in str(err.value)


def test_unlabeled_list_layout(tmp_path):
    ann = write(tmp_path, 'u.txt', 'a.mp4\nb.mp4\n')
    dataset = DATASETS.build(video_cfg(str(tmp_path), ann, unlabeled=True))
    assert [dataset.get_data_info(i)[MONITOR_LABEL_KEY]
            for i in range(2)] == [-1, -1]
    ann = write(tmp_path, 'mixed.txt', 'a.mp4 1\nb.mp4\n')
    with pytest.raises(AnnotationError, match=r'mixed\.txt, line 2: no '
                       'label, but line 1 has one'):
        DATASETS.build(video_cfg(str(tmp_path), ann, unlabeled=True))
    ann = write(tmp_path, 'range.txt', 'a.mp4 1\nb.mp4 9\n')
    with pytest.raises(AnnotationError, match=r'range\.txt, line 2: label 9'):
        DATASETS.build(
            video_cfg(str(tmp_path), ann, unlabeled=True, num_classes=4))


def test_missing_and_empty_lists(tmp_path):
    missing = str(tmp_path / 'nope.txt')
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        DATASETS.build(video_cfg(str(tmp_path), missing))
    empty = write(tmp_path, 'empty.txt', '\n  \n')
    with pytest.raises(AnnotationError, match='empty.txt: no entries'):
        DATASETS.build(video_cfg(str(tmp_path), empty))


def test_duplicates_warn_naming_both_lines(tmp_path, monkeypatch):
    ann = write(tmp_path, 'dup.txt', 'a.mp4 0\nb.mp4 1\na.mp4 0\n')
    messages = logged(monkeypatch, annotation_check)
    dataset = DATASETS.build(video_cfg(str(tmp_path), ann))
    assert len(dataset) == 3
    assert messages == [
        f"{ann}, line 3: duplicate entry 'a.mp4', same path as line 1; "
        'both lines are kept'
    ]


def test_rawframe_list_checks(tmp_path):
    cfg = dict(
        type='RobustDataset',
        dataset='RawframeDataset',
        data_prefix=dict(img=str(tmp_path)),
        pipeline=[],
        num_classes=4)
    ann = write(tmp_path, 'raw.txt', 'f1 16 0\nf2 x 1\n')
    with pytest.raises(AnnotationError, match=r"raw\.txt, line 2: "
                       "total_frames 'x' is not an integer"):
        DATASETS.build(dict(cfg, ann_file=ann))
    ann = write(tmp_path, 'raw2.txt', 'f1 16 0\nf2 12 3\n')
    dataset = DATASETS.build(dict(cfg, ann_file=ann))
    info = dataset.get_data_info(1)
    assert info['frame_dir'] == str(tmp_path / 'f2')
    assert (info['total_frames'], info['label']) == (12, 3)


def test_labeled_unlabeled_overlap(tmp_path):
    lab = write(tmp_path, 'lab.txt', 'a.mp4 0\nb.mp4 1\n')
    unl = write(tmp_path, 'unl.txt', 'c.mp4 0\nd.mp4 1\nb.mp4 1\n')
    parts = dict(
        labeled=video_cfg(str(tmp_path), lab),
        unlabeled=video_cfg(str(tmp_path), unl, unlabeled=True))
    with pytest.raises(AnnotationError) as err:
        LabeledUnlabeledDataset(**parts)
    assert f'{unl}, line 3' in str(err.value)
    assert f'{lab}, line 2' in str(err.value)
    assert 'allow_overlap=True' in str(err.value)
    dataset = LabeledUnlabeledDataset(**parts, allow_overlap=True)
    assert len(dataset) == 5
    # checked when a lazily built dataset is loaded
    lazy = LabeledUnlabeledDataset(**parts, lazy_init=True)
    with pytest.raises(AnnotationError):
        lazy.full_init()


# ------------------------------------------------------------- training
def train_args(root, work_dir, max_iters, workers=0, **extra):
    options = dict(tiny_data_options(root), **FAST)
    options.update({
        'train_cfg.max_iters': max_iters,
        'train_dataloader.num_workers': workers,
        'train_dataloader.persistent_workers': workers > 0,
        'val_dataloader.num_workers': workers,
        'val_dataloader.persistent_workers': workers > 0,
    })
    options.update(extra)
    return ['tools/train.py', CONFIG, '--work-dir', work_dir,
            '--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def run(args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable] + args,
                         cwd=REPO_ROOT,
                         capture_output=True,
                         text=True,
                         errors='replace',  # decord echoes random bytes
                         timeout=600,
                         env=env)
    return out.returncode, out.stdout + out.stderr


@pytest.mark.slow
@pytest.mark.parametrize('workers', [0, 2])
def test_training_survives_bad_videos(bad_data, tmp_path, workers):
    root, bad = bad_data
    work_dir = str(tmp_path / 'work')
    # 2 iterations of 4 labeled + 8 unlabeled clips: one pass over the 8
    # labeled and 16 unlabeled videos; validation (8 videos) after each
    code, log = run(
        train_args(root, work_dir, 2, workers,
                   **{'train_cfg.val_interval': 1}))
    assert code == 0, log[-4000:]
    assert 'Iter(train) [2/2]' in log
    listed = read_bad_video_file(osp.join(work_dir, 'bad_videos.txt'))
    assert set(listed) == set(bad)  # exactly the bad files, once each
    lines = open(osp.join(work_dir, 'bad_videos.txt')).read().splitlines()
    assert len(lines) == len(bad)
    for path, kind in bad.items():
        assert listed[path].startswith(REASONS[kind]), (path, listed[path])
        # logged once per run, whichever worker met it first
        assert len(re.findall(rf'skipped: {re.escape(path)}: ', log)) == 1
    assert '7 bad videos skipped so far (train: 5, val: 2)' in log
    assert log.count('2 of 8 videos could not be decoded and were left out '
                     'of the metric') == 2  # both validations
    assert 'acc/top1' in log


@pytest.mark.slow
def test_training_raise_policy_stops_naming_the_file(bad_data, tmp_path):
    root, bad = bad_data
    policy = {
        f'train_dataloader.dataset.{part}.bad_video_policy': 'raise'
        for part in ('labeled', 'unlabeled')
    }
    code, log = run(
        train_args(root, str(tmp_path / 'work'), 2, **policy))
    assert code != 0
    match = re.search(
        r'BadVideoError: bad video (\S+): (.*?) \(bad_video_policy="raise"',
        log)
    assert match, log[-3000:]
    assert match.group(1) in bad
    assert match.group(2).startswith(REASONS[bad[match.group(1)]])
