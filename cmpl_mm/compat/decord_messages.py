"""Keep decord's native messages about a bad file off the console.

``mmaction2==1.2.0``'s ``DecordInit`` hands decord the video as an
in-memory file; when it cannot be opened, decord's native logger prints
``ERROR opening: <file name>, <reason>`` to the process's stderr with the
file's raw bytes as the name (binary garbage on the console, as long as
the file), next to ffmpeg's own message. ``decord.logging.set_level``
quiets ffmpeg only, not that line. :func:`quiet_decord_open` opens the
reader inside :class:`CapturedNativeStderr`: for a file that fails, the
native messages join the exception, made printable and short (``Error reading 2000 bytes... [native: ERROR opening: <binary
data>, Invalid data found when processing input]``), and reach the
console only through the project's one-line bad-video warning; a file
that opens passes any message on, printable.

:class:`CapturedNativeStderr` points fd 2 (where native code writes,
out of reach of ``sys.stderr``) at a private temporary file for the
duration of a ``with`` block and then puts it back.
"""
import os
import re
import sys
import tempfile
from typing import Optional

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmaction2=('1.2.0', '1.3.0'), decord=('0.6.0', '0.7.0'))

#: at most this much caught output is read back (a raw-bytes dump of a
#: corrupt file can be as long as the file)
MAX_READ = 64 * 1024
#: longest summary folded into an exception message
MAX_SUMMARY = 240

# decord's "ERROR opening: <file name>, <ffmpeg's reason>": for a video
# read from memory the "file name" is the file's raw bytes
_OPENING = re.compile(
    rb'ERROR opening: (.*?), ([A-Z][A-Za-z ]*[a-z])(?=\r?\n|$)', re.S)
# "[12:00:00] /path/video_reader.cc:83: " and "[mov,mp4,... @ 0x55d0] "
_PREFIXES = re.compile(
    r'^(\[\d\d:\d\d:\d\d\] \S+:\d+: |\[[^\]]* @ 0x[0-9a-f]+\] )')

# one sink per process: forked workers must not share the parent's offset
_sink = None


def _name_or_placeholder(match) -> bytes:
    name = match.group(1)
    try:
        text = name.decode('utf-8')
    except UnicodeDecodeError:
        text = None
    if text is None or not text.isprintable() or len(text) > 300:
        name = b'<binary data>'
    return b'ERROR opening: ' + name + b', ' + match.group(2)


def printable(data: bytes) -> str:
    """Native output as text a console can show: decord's raw-bytes "file
    name" replaced by ``<binary data>``, undecodable bytes and control
    characters (other than newlines and tabs) by ``?``.

    Args:
        data (bytes): What was caught.
    """
    data = _OPENING.sub(_name_or_placeholder, data)
    text = data.decode('utf-8', errors='replace').replace('\ufffd', '?')
    return ''.join(c if c.isprintable() or c in '\n\t' else '?'
                   for c in text)


def summarize(data: bytes) -> str:
    """One short line of native output: its non-empty lines without the
    timestamp / source and ffmpeg context prefixes, joined by ``; ``.

    Args:
        data (bytes): What was caught.
    """
    lines = [_PREFIXES.sub('', line.strip())
             for line in printable(data).splitlines()]
    text = '; '.join(line for line in lines if line)
    return text if len(text) <= MAX_SUMMARY else \
        text[:MAX_SUMMARY - 3] + '...'


def _sink_file():
    global _sink
    if _sink is None or _sink[0] != os.getpid():
        _sink = (os.getpid(), tempfile.TemporaryFile())
    return _sink[1]


class CapturedNativeStderr:
    """Within the block, fd 2 writes go to a temporary file.

    On leaving, fd 2 is restored; caught output is written to the real
    stderr (:func:`printable`) when the block succeeded, and appended to
    the message of the exception it raised (``'<message> [native:
    <summary>]'``, :func:`summarize`) when it failed, for exceptions whose
    ``args`` are one string (others are left as they are). Where fd 2
    cannot be duplicated the block runs unchanged.

    Examples:
        >>> with CapturedNativeStderr():
        ...     reader = decord.VideoReader(file_obj)
    """

    def __init__(self) -> None:
        self._saved: Optional[int] = None

    def __enter__(self) -> 'CapturedNativeStderr':
        try:
            sys.stderr.flush()
        except (AttributeError, ValueError, OSError):
            pass
        try:
            sink = _sink_file()
            sink.seek(0)
            sink.truncate()
            self._saved = os.dup(2)
            os.dup2(sink.fileno(), 2)
        except OSError:
            if self._saved is not None:
                os.close(self._saved)
            self._saved = None
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self._saved is None:
            return False
        try:
            sys.stderr.flush()
        except (AttributeError, ValueError, OSError):
            pass
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._saved = None
        sink = _sink_file()
        sink.seek(0)
        data = sink.read(MAX_READ)
        if not data:
            return False
        if exc is None:
            text = printable(data)
            os.write(2, (text if text.endswith('\n') else text +
                         '\n').encode('utf-8', errors='replace'))
        elif len(exc.args) == 1 and isinstance(exc.args[0], str):
            exc.args = (f'{exc.args[0]} [native: {summarize(data)}]', )
        return False


def quiet_decord_open() -> bool:
    """Open decord's readers of mmaction2's ``DecordInit`` with native
    stderr caught (see the module doc).

    Returns:
        bool: True when ``DecordInit._get_video_reader`` was wrapped now.
    """
    from mmaction.datasets.transforms.loading import DecordInit
    original = DecordInit._get_video_reader
    if getattr(original, '_cmpl_mm_quiet', False):
        return False
    warn_if_untested(
        'decord messages', TESTED_WITH,
        'whether mmaction.datasets.transforms.loading.DecordInit.'
        '_get_video_reader(self, filename) still opens the reader.')

    def _get_video_reader(self, filename):
        with CapturedNativeStderr():
            return original(self, filename)

    _get_video_reader._cmpl_mm_quiet = True
    _get_video_reader.__doc__ = original.__doc__
    DecordInit._get_video_reader = _get_video_reader
    return True
