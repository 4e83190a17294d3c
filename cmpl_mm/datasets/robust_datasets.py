"""A dataset wrapper that survives bad videos and checks its list.

A semi-supervised run on Kinetics reads hundreds of thousands of videos for
days; a missing, empty, truncated or undecodable file, or one with fewer
frames than a clip needs, must not stop it. :class:`RobustDataset` wraps
any MMAction2 dataset (``VideoDataset``, ``RawframeDataset``, a subclass or
a dataset type of your own, labeled or with ``hide_labels=True``
unlabeled; see :mod:`~.dataset_wrappers` for the ways to name it) and adds
``bad_video_policy``:

* ``'skip'`` (default): a bad video is replaced by the next index of the
  same dataset that decodes (``idx + 1``, ``idx + 2``, ... wrapping around;
  a fixed function of the index, independent of workers and random state;
  under a seeded sample, see :mod:`~.sample_seeding`, the ``k``-th
  replacement draws from the ``k``-th sub-stream of the sample's key).
  Training batches therefore keep their size and their labeled / unlabeled
  layout. In ``test_mode`` (validation and test) the replacement is a
  *placeholder*: its data sample carries ``bad_video`` (the bad path) and
  ``bad_video_reason`` in its metainfo so that
  :class:`~cmpl_mm.evaluation.metrics.BadVideoAwareMetric` leaves it out of
  the metric and says how many were left out.
* ``'raise'``: :class:`BadVideoError` naming the file and the reason.

What went wrong travels with the data: a sample produced after skipping
newly found bad videos carries ``bad_video_records`` (a list of
``(path, reason)``) in the metainfo of its first data sample. Dataloader
workers are separate processes, so the main process learns about bad files
only through the batches; :class:`~cmpl_mm.engine.hooks.BadVideoHook` reads
the records there, logs each file once per run, keeps
``WORK_DIR/bad_videos.txt`` and logs the running count. Each process also
remembers the indices it found bad and skips them without decoding again.

Only errors raised by the *decoding* transforms (``DecordInit``,
``SampleFrames``, ``DecordDecode``, ... see :data:`DECODE_TRANSFORMS`)
mark a video bad; an error in any other transform is a bug and propagates.
A video is also bad when it has fewer frames than ``min_frames`` (by default
the ``clip_len`` of the pipeline's frame sampler: the clip needs that many
distinct frames) or when decoding yields no frame. A truncated file whose
index is intact decodes until a clip reaches the missing part; it is found
(and then skipped by that process) the first time that happens.

When the wrapper builds a source that reads MMAction2's list formats with
MMAction2's own reader (``VideoDataset``, ``RawframeDataset`` and
subclasses that keep their ``load_data_list``), it reads the list with
:func:`~.annotation_check.read_annotation_list` instead: a missing file, a
malformed line, a label outside ``[0, num_classes)`` (when ``num_classes``
is given) or an empty list is an error naming the file and line; a
duplicate path is a warning naming both lines. A source with its own list
reader keeps it.

The dataset types ``RobustVideoDataset``, ``RobustUnlabeledVideoDataset``,
``RobustRawframeDataset`` and ``RobustUnlabeledRawframeDataset`` of earlier
versions still build (``RobustDataset`` with ``dataset='VideoDataset'`` /
``'RawframeDataset'`` and ``hide_labels`` for the unlabeled ones) and warn
once that they are deprecated.
"""
import functools
from contextlib import nullcontext
import logging
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.registry import DATASETS

from .annotation_check import ANN_LINENO_KEY, read_annotation_list
from .dataset_wrappers import SourceDatasetWrapper, deprecated_alias
from .sample_seeding import sub_random

__all__ = [
    'BadVideoError', 'RobustDataset', 'RobustVideoDataset',
    'RobustUnlabeledVideoDataset', 'RobustRawframeDataset',
    'RobustUnlabeledRawframeDataset', 'BAD_VIDEO_KEY', 'BAD_VIDEO_REASON_KEY',
    'BAD_VIDEO_RECORDS_KEY', 'DECODE_TRANSFORMS', 'BAD_VIDEO_POLICIES',
    'records_of'
]

# metainfo keys of data samples
BAD_VIDEO_KEY = 'bad_video'  # placeholder: the bad path it stands for
BAD_VIDEO_REASON_KEY = 'bad_video_reason'
BAD_VIDEO_RECORDS_KEY = 'bad_video_records'  # [(path, reason), ...]

BAD_VIDEO_POLICIES = ('skip', 'raise')

# transforms whose errors mean "this video cannot be read"; names ending in
# ``Init`` or ``Decode`` count too
DECODE_TRANSFORMS = frozenset({
    'DecordInit', 'DecordDecode', 'OpenCVInit', 'OpenCVDecode', 'PyAVInit',
    'PyAVDecode', 'PyAVDecodeMotionVector', 'PIMSInit', 'PIMSDecode',
    'RawFrameDecode', 'ImageDecode', 'ArrayDecode', 'SampleFrames',
    'DenseSampleFrames', 'UntrimmedSampleFrames', 'SampleAVAFrames',
    'UniformSample', 'UniformSampleFrames', 'AudioDecodeInit', 'AudioDecode',
    'LoadAudioFeature', 'LoadRGBFromFile', 'LoadFlowForFrames'
})

_MAX_REASON = 200


class BadVideoError(RuntimeError):
    """A video that cannot be used, with ``bad_video_policy='raise'``.

    Args:
        path (str): The video file (or frame folder).
        reason (str): What is wrong with it.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(
            f'bad video {path}: {reason} (bad_video_policy="raise"; with '
            '"skip" such samples are replaced and listed in '
            'WORK_DIR/bad_videos.txt)')

    def __reduce__(self):  # picklable across dataloader workers
        return type(self), (self.path, self.reason)


def _short(text: str) -> str:
    text = ' '.join(str(text).split())
    text = re.sub(r'[^\x20-\x7e]', '?', text)
    return text if len(text) <= _MAX_REASON else text[:_MAX_REASON] + '...'


def _all_data_samples(data) -> List[BaseDataElement]:
    samples = data.get('data_samples') if isinstance(data, dict) else None
    if isinstance(samples, BaseDataElement):
        return [samples]
    if isinstance(samples, dict):
        samples = list(samples.values())
    if isinstance(samples, (list, tuple)):
        return [s for s in samples if isinstance(s, BaseDataElement)]
    return []


@DATASETS.register_module()
class RobustDataset(SourceDatasetWrapper):
    """Any dataset with bad-video handling (and checked lists).

    Examples:
        >>> # flat: the source's keys where an unwrapped dataset has them
        >>> dict(type='RobustDataset', dataset='VideoDataset',
        ...      ann_file='train.txt', pipeline=[...])
        >>> # nested, as mmengine's wrappers
        >>> dict(type='RobustDataset', bad_video_policy='raise',
        ...      dataset=dict(type='RawframeDataset', ann_file=...))
        >>> # an unlabeled part
        >>> dict(type='RobustDataset', dataset='VideoDataset',
        ...      hide_labels=True, ann_file='unlabeled.txt', ...)

    Args:
        dataset (dict | str | BaseDataset): The source dataset (see
            :class:`~.dataset_wrappers.SourceDatasetWrapper`).
        bad_video_policy (str): ``'skip'`` or ``'raise'`` (see the module
            doc). Defaults to ``'skip'``.
        min_frames (int, optional): A video with fewer frames is bad. None:
            the ``clip_len`` of the first pipeline transform that has one
            (1 if none has). 0 or 1 only rejects videos without frames.
            Defaults to None.
        decode_transforms (Sequence[str]): More transform class names whose
            errors mark a video bad, next to :data:`DECODE_TRANSFORMS`.
            Defaults to ().
        hide_labels (bool): An unlabeled part: labels become monitor-only
            (see :mod:`~.unlabeled_dataset`) and checked lists may omit
            them. Defaults to False.
        lazy_init (bool): Defer loading the list. Defaults to False.
        **dataset_kwargs: The source's arguments (``ann_file``,
            ``pipeline``, ``num_classes``, ...) with ``dataset`` a type
            name.
    """

    def __init__(self,
                 dataset,
                 bad_video_policy: str = 'skip',
                 min_frames: Optional[int] = None,
                 decode_transforms: Sequence[str] = (),
                 hide_labels: bool = False,
                 lazy_init: bool = False,
                 **dataset_kwargs) -> None:
        if bad_video_policy not in BAD_VIDEO_POLICIES:
            raise ValueError(f'bad_video_policy must be one of '
                             f'{BAD_VIDEO_POLICIES}, got {bad_video_policy!r}')
        if min_frames is not None and (isinstance(min_frames, bool)
                                       or not isinstance(min_frames, int)
                                       or min_frames < 0):
            raise ValueError(f'min_frames must be None or an integer >= 0, '
                             f'got {min_frames!r}')
        self.bad_video_policy = bad_video_policy
        self.decode_transforms = DECODE_TRANSFORMS | set(decode_transforms)
        # index -> (path, reason), per process
        self.bad_videos: Dict[int, Tuple[str, str]] = {}
        super().__init__(
            dataset, hide_labels=hide_labels, lazy_init=True, **dataset_kwargs)
        if min_frames is None:
            min_frames = 1
            for transform in getattr(self.dataset.pipeline, 'transforms', []):
                clip_len = getattr(transform, 'clip_len', None)
                if isinstance(clip_len, int) and clip_len > 0:
                    min_frames = clip_len
                    break
        self.min_frames = max(int(min_frames), 1)
        if not lazy_init:
            self.full_init()

    def _load_source(self) -> None:
        """Load the source, with the checked list reader if it has one."""
        reader = CHECKED_READERS.get(
            getattr(type(self.dataset), 'load_data_list', None))
        if reader is None or not self._built_here:
            return self.dataset.full_init()
        # only for this call: the source stays an ordinary instance
        self.dataset.load_data_list = functools.partial(
            reader, self.dataset, label_optional=self.hide_labels)
        try:
            self.dataset.full_init()
        finally:
            del self.dataset.load_data_list

    # ------------------------------------------------------------ loading
    def _is_decode_transform(self, transform) -> bool:
        name = type(transform).__name__
        return name in self.decode_transforms or name.endswith(
            ('Init', 'Decode'))

    def _diagnose(self, path: Optional[str], exc: BaseException) -> str:
        """The reason a decoding transform failed on ``path``."""
        if isinstance(path, str) and '://' not in path:
            if not osp.exists(path):
                return 'missing file'
            if osp.isfile(path) and osp.getsize(path) == 0:
                return 'empty file (0 bytes)'
        return _short(f'cannot decode ({type(exc).__name__}: {exc})')

    def _check_frames(self, results: dict) -> Optional[str]:
        total = results.get('total_frames')
        if isinstance(total, int) and total < self.min_frames:
            if total <= 0:
                return 'no frames'
            return (f'too short: {total} frame(s), the clip needs '
                    f'{self.min_frames}')
        imgs = results.get('imgs')
        if imgs is not None and len(imgs) == 0:
            return 'no frames decoded'
        return None

    def prepare_checked(self, idx: int):
        """Run the pipeline on ``idx``.

        Returns:
            tuple: ``(data, path, reason)``: ``reason`` is None for a good
            video (``data`` may then still be None when a transform drops
            the sample); otherwise ``data`` is None.
        """
        return self._prepare(idx)[:3]

    def _prepare(self, idx: int):
        """:meth:`prepare_checked` plus the decoding error (or None)."""
        results = self.get_data_info(idx)
        path = results.get('filename', results.get('frame_dir'))
        for transform in self.dataset.pipeline.transforms:
            if self._is_decode_transform(transform):
                try:
                    results = transform(results)
                except Exception as exc:  # the video, not the code
                    return None, path, self._diagnose(path, exc), exc
                if results is not None:
                    reason = self._check_frames(results)
                    if reason is not None:
                        return None, path, reason, None
            else:
                results = transform(results)
            if results is None:
                return None, path, None, None
        return results, path, None, None

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        size = len(self)
        new_records: List[Tuple[str, str]] = []
        current = idx
        max_refetch = self.dataset.max_refetch
        test_mode = self.dataset.test_mode
        for attempt in range(max_refetch + 1):
            if current not in self.bad_videos:
                # a replacement draws from its own sub-stream
                with sub_random(attempt) if attempt else nullcontext():
                    data, path, reason, error = self._prepare(current)
                if reason is not None:
                    if self.bad_video_policy == 'raise':
                        raise BadVideoError(path, reason) from error
                    error = None  # drop its traceback (and decoder) now
                    self.bad_videos[current] = (path, reason)
                    new_records.append((path, reason))
                elif data is not None:
                    return self._finish(data, idx, current, new_records)
                elif test_mode:
                    raise Exception('Test time pipline should not get `None` '
                                    'data_sample')
            current = (current + 1) % size
        first = self.bad_videos.get(idx)
        raise RuntimeError(
            f'{getattr(self.dataset, "ann_file", type(self.dataset).__name__)}'
            f': no usable sample in {max_refetch + 1} consecutive indices '
            f'from {idx} (max_refetch={max_refetch})'
            + (f'; {first[0]}: {first[1]}' if first else '') +
            '. Are most videos of this list bad, or does the pipeline drop '
            'every sample?')

    def _finish(self, data, idx: int, used: int,
                new_records: List[Tuple[str, str]]):
        if used != idx and self.dataset.test_mode:
            path, reason = self.bad_videos[idx]
            for sample in _all_data_samples(data):
                sample.set_metainfo({
                    BAD_VIDEO_KEY: path,
                    BAD_VIDEO_REASON_KEY: reason
                })
        if new_records:
            samples = _all_data_samples(data)
            if samples:
                samples[0].set_metainfo({BAD_VIDEO_RECORDS_KEY: new_records})
            else:  # nowhere to carry them: say it here, in this process
                for path, reason in new_records:
                    print_log(
                        f'bad video skipped: {path}: {reason}',
                        logger='current',
                        level=logging.WARNING)
        return data


def records_of(data_samples) -> List[Tuple[str, str]]:
    """All ``(path, reason)`` records carried by a batch's data samples.

    Args:
        data_samples: A data sample, or a (nested) list / dict of them or of
            their ``to_dict()`` dicts, as found in a data batch.
    """
    found = []
    stack = [data_samples]
    while stack:
        item = stack.pop()
        if isinstance(item, BaseDataElement):
            records = item.metainfo.get(BAD_VIDEO_RECORDS_KEY)
        elif isinstance(item, dict) and BAD_VIDEO_RECORDS_KEY in item:
            records = item[BAD_VIDEO_RECORDS_KEY]
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
            continue
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
            continue
        else:
            continue
        for record in records or ():
            found.append((str(record[0]), str(record[1])))
    return found


def _check_delimiter(dataset) -> None:
    if getattr(dataset, 'delimiter', ' ') not in (' ', None):
        raise ValueError(
            f'{type(dataset).__name__} reads whitespace-separated lists; '
            f'delimiter={dataset.delimiter!r} is not supported')


def read_video_list(dataset: VideoDataset,
                    label_optional: bool = False) -> List[dict]:
    """``VideoDataset.load_data_list`` with checked lines: ``path label``
    (several labels with ``multi_class=True``; ``path`` alone too with
    ``label_optional``)."""
    _check_delimiter(dataset)
    entries = read_annotation_list(
        dataset.ann_file,
        label_optional=label_optional,
        multi_label=dataset.multi_class,
        num_classes=dataset.num_classes)
    prefix = dataset.data_prefix.get('video')
    data_list = []
    for entry in entries:
        filename = entry.path if prefix is None else osp.join(
            prefix, entry.path)
        if dataset.multi_class:
            label = list(entry.labels)
        else:
            label = entry.labels[0] if entry.labels else -1
        data_list.append({
            'filename': filename,
            'label': label,
            ANN_LINENO_KEY: entry.lineno
        })
    return data_list


def read_rawframe_list(dataset: RawframeDataset,
                       label_optional: bool = False) -> List[dict]:
    """``RawframeDataset.load_data_list`` with checked lines:
    ``frame_dir total_frames label`` (``frame_dir offset total_frames
    label`` with ``with_offset=True``). A missing frame folder or image is
    a bad video."""
    names = ('offset', 'total_frames') if dataset.with_offset else (
        'total_frames', )
    entries = read_annotation_list(
        dataset.ann_file,
        num_ints=len(names),
        label_optional=label_optional,
        multi_label=dataset.multi_class,
        num_classes=dataset.num_classes,
        int_names=names)
    prefix = dataset.data_prefix.get('img')
    data_list = []
    for entry in entries:
        info = {
            'frame_dir':
            entry.path if prefix is None else osp.join(prefix, entry.path)
        }
        info.update(zip(names, entry.ints))
        labels = list(entry.labels) or [-1]
        info['label'] = labels if dataset.multi_class else labels[0]
        info[ANN_LINENO_KEY] = entry.lineno
        data_list.append(info)
    return data_list


# MMAction2's list readers -> their checked versions (a subclass with its own
# load_data_list reads another format and keeps its reader)
CHECKED_READERS = {
    VideoDataset.load_data_list: read_video_list,
    RawframeDataset.load_data_list: read_rawframe_list,
}

# the dataset types of earlier versions: (name, source type, hide_labels)
(RobustVideoDataset, RobustUnlabeledVideoDataset, RobustRawframeDataset,
 RobustUnlabeledRawframeDataset) = [
     deprecated_alias(name, RobustDataset, dataset=source, hide_labels=hide)
     for name, source, hide in (
         ('RobustVideoDataset', 'VideoDataset', False),
         ('RobustUnlabeledVideoDataset', 'VideoDataset', True),
         ('RobustRawframeDataset', 'RawframeDataset', False),
         ('RobustUnlabeledRawframeDataset', 'RawframeDataset', True))
 ]
