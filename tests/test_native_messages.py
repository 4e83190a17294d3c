"""Native messages and missing optional packages reach the console as one
readable line: decord's raw-bytes "ERROR opening" of a corrupt file joins
the exception, printable; a missing tensorboard names the project's
extra."""
import sys
from unittest import mock

import pytest

import cmpl_mm  # noqa: F401  (compat layer applied)
from cmpl_mm.cli import user_errors
from cmpl_mm.compat import decord_messages
from cmpl_mm.compat.decord_messages import (CapturedNativeStderr, printable,
                                            summarize)
from cmpl_mm.compat.optional_backends import (check_optional_backends,
                                              missing_backend_problems)
from cmpl_mm.config_check import ConfigError

# not a video: bytes of every value, no NUL before the 20th
CORRUPT = bytes((i * 37 + 11) % 255 + 1 for i in range(4000))
TB_LINE = ('visualizer.vis_backends: TensorboardVisBackend needs the '
           "'tensorboard' package, which is not installed: pip install -e "
           '".[tensorboard]" (or drop --tensorboard / the backend)')


def is_readable(text):
    return all(c.isprintable() or c in '\n\t' for c in text)


def test_decord_corrupt_file_prints_no_raw_bytes(tmp_path, capfd):
    from mmaction.datasets.transforms.loading import DecordInit
    path = tmp_path / 'corrupt.mp4'
    path.write_bytes(CORRUPT)
    with pytest.raises(Exception) as info:
        DecordInit().transform(dict(filename=str(path)))
    out, err = capfd.readouterr()
    assert 'ERROR opening' not in err and is_readable(err)
    message = str(info.value)
    assert '[native: ' in message and is_readable(message)
    assert 'ERROR opening: <binary data>, Invalid data found' in message


def test_printable_and_summary_of_hand_made_output():
    raw = (b'[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55f1b9f7cf80] moov atom not '
           b'found\n[14:16:55] /src/video/video_reader.cc:83: ERROR '
           b'opening: \x9f\xcaR\x1b\xef$\n\x93~, Invalid data found when '
           b'processing input\n')
    text = printable(raw)
    assert text.endswith('ERROR opening: <binary data>, Invalid data found '
                         'when processing input\n')
    assert summarize(raw) == (
        'moov atom not found; ERROR opening: <binary data>, Invalid data '
        'found when processing input')
    # a real file name is kept; stray bytes elsewhere become '?'
    assert printable(b'ERROR opening: a.mp4, Bad thing\nx\x01\xff\n') == \
        'ERROR opening: a.mp4, Bad thing\nx??\n'


def test_capture_passes_output_of_a_success_on_printable(capfd):
    import os
    with CapturedNativeStderr():
        os.write(2, b'note \x07 from native code\n')
    assert capfd.readouterr().err == 'note ? from native code\n'
    with pytest.raises(RuntimeError) as info:
        with CapturedNativeStderr():
            os.write(2, b'why it failed\n')
            raise RuntimeError('failed')
    assert str(info.value) == 'failed [native: why it failed]'
    assert capfd.readouterr().err == ''
    # a new process (forked worker) gets a sink of its own
    with mock.patch.object(decord_messages, '_sink', (-1, None)):
        with CapturedNativeStderr():
            os.write(2, b'worker\n')
    assert capfd.readouterr().err == 'worker\n'


def tensorboard_cfg():
    return dict(visualizer=dict(type='ActionVisualizer', vis_backends=[
        dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]))


def test_missing_tensorboard_found_before_the_runner():
    with mock.patch('importlib.util.find_spec', return_value=None):
        assert missing_backend_problems(tensorboard_cfg()) == [TB_LINE]
        with pytest.raises(ConfigError):
            check_optional_backends(tensorboard_cfg())
    assert missing_backend_problems(
        dict(visualizer=dict(vis_backends=[dict(type='LocalVisBackend')]))
    ) == []


def test_missing_tensorboard_at_runner_start_is_one_line(tmp_path, capsys):
    from mmengine.visualization import TensorboardVisBackend
    backend = TensorboardVisBackend(save_dir=str(tmp_path))
    hidden = {'tensorboard': None, 'torch.utils.tensorboard': None}
    with mock.patch.dict(sys.modules, hidden):
        with pytest.raises(SystemExit) as info:
            with user_errors('train.py'):
                backend.add_scalar('loss', 1.0)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f'train.py: error: {TB_LINE}'
    assert len(err) == 2 and 'Traceback' not in err[1]
