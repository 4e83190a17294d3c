"""Video datasets that survive bad videos and check their lists.

A semi-supervised run on Kinetics reads hundreds of thousands of videos for
days; a missing, empty, truncated or undecodable file, or one with fewer
frames than a clip needs, must not stop it. The datasets here take the
arguments of their MMAction2 / cmpl_mm counterparts plus
``bad_video_policy``:

* ``'skip'`` (default): a bad video is replaced by the next index of the
  same dataset that decodes (``idx + 1``, ``idx + 2``, ... wrapping around;
  a fixed function of the index, independent of workers and random state).
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

The lists are read by :func:`~.annotation_check.read_annotation_list`:
a missing file, a malformed line, a label outside ``[0, num_classes)``
(when ``num_classes`` is given) or an empty list is an error naming the file
and line; a duplicate path is a warning naming both lines.
"""
import logging
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmengine.structures import BaseDataElement
from mmaction.datasets import RawframeDataset, VideoDataset
from mmaction.registry import DATASETS

from .annotation_check import ANN_LINENO_KEY, read_annotation_list
from .unlabeled_dataset import hide_labels

__all__ = [
    'BadVideoError', 'BadVideoMixin', 'RobustVideoDataset',
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
    'LoadAudioFeature', 'LoadRGBFromFile'
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


class BadVideoMixin:
    """Bad-video handling for an mmengine ``BaseDataset`` (put it first).

    Args:
        bad_video_policy (str): ``'skip'`` or ``'raise'`` (see the module
            doc). Defaults to ``'skip'``.
        min_frames (int, optional): A video with fewer frames is bad. None:
            the ``clip_len`` of the first pipeline transform that has one
            (1 if none has). 0 or 1 only rejects videos without frames.
            Defaults to None.
        decode_transforms (Sequence[str]): More transform class names whose
            errors mark a video bad, next to :data:`DECODE_TRANSFORMS`.
            Defaults to ().
        *args, **kwargs: Arguments of the dataset class.
    """

    def __init__(self,
                 *args,
                 bad_video_policy: str = 'skip',
                 min_frames: Optional[int] = None,
                 decode_transforms: Sequence[str] = (),
                 **kwargs) -> None:
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
        super().__init__(*args, **kwargs)
        if min_frames is None:
            min_frames = 1
            for transform in getattr(self.pipeline, 'transforms', []):
                clip_len = getattr(transform, 'clip_len', None)
                if isinstance(clip_len, int) and clip_len > 0:
                    min_frames = clip_len
                    break
        self.min_frames = max(int(min_frames), 1)

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
        for transform in self.pipeline.transforms:
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
        for _ in range(self.max_refetch + 1):
            if current not in self.bad_videos:
                data, path, reason, error = self._prepare(current)
                if reason is not None:
                    if self.bad_video_policy == 'raise':
                        raise BadVideoError(path, reason) from error
                    error = None  # drop its traceback (and decoder) now
                    self.bad_videos[current] = (path, reason)
                    new_records.append((path, reason))
                elif data is not None:
                    return self._finish(data, idx, current, new_records)
                elif self.test_mode:
                    raise Exception('Test time pipline should not get `None` '
                                    'data_sample')
            current = (current + 1) % size
        first = self.bad_videos.get(idx)
        raise RuntimeError(
            f'{self.ann_file}: no usable sample in {self.max_refetch + 1} '
            f'consecutive indices from {idx} (max_refetch={self.max_refetch})'
            + (f'; {first[0]}: {first[1]}' if first else '') +
            '. Are most videos of this list bad, or does the pipeline drop '
            'every sample?')

    def _finish(self, data, idx: int, used: int,
                new_records: List[Tuple[str, str]]):
        if used != idx and self.test_mode:
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


@DATASETS.register_module()
class RobustVideoDataset(BadVideoMixin, VideoDataset):
    """``VideoDataset`` with bad-video handling and checked lists.

    Lines are ``path label`` (several labels with ``multi_class=True``).

    Args:
        bad_video_policy, min_frames, decode_transforms: See
            :class:`BadVideoMixin`.
        num_classes (int, optional): If given, labels must be
            ``< num_classes``. Defaults to None.
        **kwargs: Other arguments of ``VideoDataset``.
    """

    label_optional = False

    def load_data_list(self) -> List[dict]:
        _check_delimiter(self)
        entries = read_annotation_list(
            self.ann_file,
            label_optional=self.label_optional,
            multi_label=self.multi_class,
            num_classes=self.num_classes)
        prefix = self.data_prefix.get('video')
        data_list = []
        for entry in entries:
            filename = entry.path if prefix is None else osp.join(
                prefix, entry.path)
            if self.multi_class:
                label = list(entry.labels)
            else:
                label = entry.labels[0] if entry.labels else -1
            data_list.append({
                'filename': filename,
                'label': label,
                ANN_LINENO_KEY: entry.lineno
            })
        return data_list


@DATASETS.register_module()
class RobustUnlabeledVideoDataset(RobustVideoDataset):
    """:class:`~.UnlabeledVideoDataset` with bad-video handling.

    Lines are ``path`` or ``path label`` (the label is kept for monitoring
    only, see :mod:`~cmpl_mm.datasets.unlabeled_dataset`).
    """

    label_optional = True

    def load_data_list(self) -> List[dict]:
        return hide_labels(super().load_data_list())


@DATASETS.register_module()
class RobustRawframeDataset(BadVideoMixin, RawframeDataset):
    """``RawframeDataset`` with bad-video handling and checked lists.

    Lines are ``frame_dir total_frames label`` (``frame_dir offset
    total_frames label`` with ``with_offset=True``). A missing frame folder
    or image is a bad video.

    Args:
        bad_video_policy, min_frames, decode_transforms: See
            :class:`BadVideoMixin`.
        num_classes (int, optional): If given, labels must be
            ``< num_classes``. Defaults to None.
        **kwargs: Other arguments of ``RawframeDataset``.
    """

    label_optional = False

    def load_data_list(self) -> List[dict]:
        names = ('offset', 'total_frames') if self.with_offset else (
            'total_frames', )
        entries = read_annotation_list(
            self.ann_file,
            num_ints=len(names),
            label_optional=self.label_optional,
            multi_label=self.multi_class,
            num_classes=self.num_classes,
            int_names=names)
        prefix = self.data_prefix.get('img')
        data_list = []
        for entry in entries:
            info = {
                'frame_dir':
                entry.path if prefix is None else osp.join(prefix, entry.path)
            }
            info.update(zip(names, entry.ints))
            labels = list(entry.labels) or [-1]
            info['label'] = labels if self.multi_class else labels[0]
            info[ANN_LINENO_KEY] = entry.lineno
            data_list.append(info)
        return data_list


@DATASETS.register_module()
class RobustUnlabeledRawframeDataset(RobustRawframeDataset):
    """:class:`~.UnlabeledRawframeDataset` with bad-video handling.

    Lines are ``frame_dir total_frames [label]`` (label for monitoring).
    """

    label_optional = True

    def load_data_list(self) -> List[dict]:
        return hide_labels(super().load_data_list())
