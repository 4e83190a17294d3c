"""Catch what native code writes to the process's stderr around one call.

Libraries such as decord (through dmlc's logging and ffmpeg's) write their
messages straight to file descriptor 2, out of reach of Python's
``sys.stderr`` and ``warnings``. :class:`CapturedNativeStderr` points fd 2
at a private temporary file for the duration of a ``with`` block and then
puts it back. On success what was caught is written to the real stderr,
made printable (:func:`printable`); when the block raises, it is folded,
made printable and short (:func:`summarize`), into the exception's message
instead, so the caller's own one-line report carries it.
"""
import os
import re
import sys
import tempfile
from typing import Optional

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


def _name_or_size(match) -> bytes:
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
    data = _OPENING.sub(_name_or_size, data)
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
