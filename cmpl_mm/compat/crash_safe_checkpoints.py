"""Crash-safe checkpoints: a kill never leaves a truncated checkpoint.

mmengine 0.10.7 writes checkpoints in place: ``save_checkpoint`` serialises
into memory and hands the bytes to the local file backend
(``LocalBackend.put``: ``open(path, 'wb').write(...)``), and
``CheckpointHook`` writes the ``last_checkpoint`` pointer with a plain
``open(..., 'w')``. A process killed while writing leaves a truncated
``iter_N.pth`` (or an empty ``last_checkpoint``) that ``--resume`` then
picks up and fails on. :func:`apply_crash_safety` (run on ``import
cmpl_mm``) makes every such write atomic, without copying mmengine code:

* :class:`AtomicLocalBackend` replaces mmengine's ``'local'`` file backend
  (``register_backend(..., force=True)``, also for the default prefix
  ``''``): ``put`` / ``put_text`` write a hidden temporary file in the
  same directory (``.NAME.HOST-PID-K.tmp``, never ``*.pth``), flush and
  ``fsync`` it, then ``os.replace`` it onto the final name, so readers see
  either the previous file or the complete new one. This covers
  ``iter_N.pth``, ``best_*.pth``, ``epoch_N.pth`` and anything else mmengine
  ``put``s on a local disk (e.g. ``mmengine.dump``).
* the ``last_checkpoint`` pointer: the ``open`` that ``CheckpointHook`` uses
  is given atomic write modes (:func:`atomic_open`).
* ``CheckpointHook`` deletes the oldest checkpoint (``max_keep_ckpts``) and
  the previous best checkpoint *before* writing the new one, so with
  ``max_keep_ckpts=1`` a kill during the write would leave none at all, and
  ``last_checkpoint`` pointing at a deleted file. Those deletions are
  deferred until the new checkpoint and pointer are in place (disk space
  for one extra checkpoint is needed meanwhile).
* temporary files left by a killed process (same host, process gone) are
  removed by the next atomic write into that directory.

It relies on mmengine internals: ``mmengine.fileio.io.backend_instances``
(backends created before the patch are dropped from it) and the module-level
``open`` of ``mmengine.hooks.checkpoint_hook``.
"""
import builtins
import functools
import io
import itertools
import os
import os.path as osp
import re
import socket
import threading

from .version_guard import warn_if_untested

TESTED_WITH = dict(mmengine=('0.10.0', '0.11.0'))

_HOST = re.sub(r'[^A-Za-z0-9-]', '-', socket.gethostname()) or 'host'
TEMP_RE = re.compile(r'^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)-'
                     r'(?P<pid>\d+)-(?P<k>\d+)\.tmp$')
_counter = itertools.count()
_active_temp_files = set()
_write_recorders = []  # sets collecting the paths atomic_write commits
_lock = threading.Lock()
_CHUNK = 64 << 20


def temp_path_for(path: str) -> str:
    """A fresh temporary name next to ``path`` (``.NAME.HOST-PID-K.tmp``)."""
    directory, name = osp.split(path)
    return osp.join(directory,
                    f'.{name}.{_HOST}-{os.getpid()}-{next(_counter)}.tmp')


def is_temp_file(name: str) -> bool:
    """Whether ``name`` (a base name) is one of our temporary files."""
    return TEMP_RE.match(name) is not None


def _pid_alive(pid: int) -> bool:
    if os.name == 'nt':  # os.kill would terminate it: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temp_files(directory: str) -> list:
    """Delete temporary files of dead writers in ``directory``.

    A file is stale when it was written on this host by a process that no
    longer runs, or by this process id but not by this process (a restarted
    container reusing the pid). Files of live writers and other hosts are
    kept.

    Returns:
        list[str]: The removed paths.
    """
    removed = []
    try:
        names = os.listdir(directory or '.')
    except OSError:
        return removed
    for name in names:
        match = TEMP_RE.match(name)
        if match is None or match['host'] != _HOST:
            continue
        path = osp.join(directory, name)
        pid = int(match['pid'])
        with _lock:
            mine = path in _active_temp_files
        if mine or (pid != os.getpid() and _pid_alive(pid)):
            continue
        try:
            os.remove(path)
            removed.append(path)
        except OSError:
            pass
    return removed


def _write_payload(f, data: bytes) -> None:
    """Write ``data`` to the open temporary file ``f`` (in chunks)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        f.write(view[start:start + _CHUNK])


def _fsync_directory(directory: str) -> None:
    """Persist a rename (POSIX); a no-op where directories can't be opened."""
    try:
        fd = os.open(directory or '.', os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data) -> None:
    """Write ``data`` (bytes or str, UTF-8) to ``path`` all-or-nothing.

    The bytes go to a temporary file in the same directory, which is
    flushed, ``fsync``-ed and renamed onto ``path`` with ``os.replace``.
    On any error the temporary file is removed and ``path`` is untouched.
    """
    path = os.fspath(path)
    if isinstance(data, str):
        data = data.encode('utf-8')
    directory = osp.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    remove_stale_temp_files(directory)
    tmp = temp_path_for(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0)
    fd = os.open(tmp, flags, 0o666)  # the umask applies, as for open()
    with _lock:
        _active_temp_files.add(tmp)
    try:
        with os.fdopen(fd, 'wb') as f:
            _write_payload(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    finally:
        with _lock:
            _active_temp_files.discard(tmp)
    _fsync_directory(directory)
    with _lock:
        for recorder in _write_recorders:
            recorder.add(osp.abspath(path))


class _AtomicFile:
    """A write-mode file kept in memory and committed on a clean close."""

    def __init__(self, path, binary: bool, encoding: str) -> None:
        self.path, self.encoding = path, encoding or 'utf-8'
        self.buffer = io.BytesIO() if binary else io.StringIO()
        self.closed = False

    def write(self, data):
        return self.buffer.write(data)

    def writelines(self, lines):
        self.buffer.writelines(lines)

    def flush(self):
        pass

    def close(self):
        if not self.closed:
            self.closed = True
            data = self.buffer.getvalue()
            atomic_write(self.path, data if isinstance(data, bytes) else
                         data.encode(self.encoding))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:  # an error while writing: keep the previous file
            self.closed = True
        return False


def atomic_open(file, mode='r', buffering=-1, encoding=None, *args,
                **kwargs):
    """``open`` whose plain write modes (``'w'``, ``'wb'``, ``'wt'``) are
    atomic; every other mode is the builtin ``open``."""
    if isinstance(file, (str, os.PathLike)) and set(mode) <= set('wbt') \
            and 'w' in mode:
        return _AtomicFile(os.fspath(file), 'b' in mode, encoding)
    return builtins.open(file, mode, buffering, encoding, *args, **kwargs)


def _atomic_local_backend_class():
    from mmengine.fileio.backends import LocalBackend

    class AtomicLocalBackend(LocalBackend):
        """mmengine's ``LocalBackend`` whose writes are atomic."""

        def put(self, obj: bytes, filepath) -> None:
            atomic_write(filepath, obj)

        def put_text(self, obj: str, filepath, encoding='utf-8') -> None:
            atomic_write(filepath, obj.encode(encoding))

    return AtomicLocalBackend


AtomicLocalBackend = None  # set by apply_crash_safety


class _DeferredRemovals:
    """A file backend proxy that records ``remove`` / ``rmtree`` calls."""

    def __init__(self, backend) -> None:
        self._backend, self.pending = backend, []

    def remove(self, path):
        self.pending.append(('remove', path))

    def rmtree(self, path):
        self.pending.append(('rmtree', path))

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def flush(self, written: set) -> None:
        """Do the recorded removals, except of files just (re)written."""
        for action, path in self.pending:
            if osp.abspath(path) in written:
                continue
            try:
                getattr(self._backend, action)(path)
            except OSError:
                pass


def _remove_after_saving(method):
    """Run a ``CheckpointHook`` save method, deleting old files at the end."""
    if getattr(method, '_cmpl_crash_safe', False):
        return method

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        backend = getattr(self, 'file_backend', None)
        if backend is None or isinstance(backend, _DeferredRemovals):
            return method(self, *args, **kwargs)  # nested: outer call flushes
        proxy, written = _DeferredRemovals(backend), set()
        self.file_backend = proxy
        with _lock:
            _write_recorders.append(written)
        try:
            result = method(self, *args, **kwargs)
        finally:
            self.file_backend = backend
            with _lock:
                for i, recorder in enumerate(_write_recorders):
                    if recorder is written:
                        del _write_recorders[i]
                        break
        proxy.flush(written)
        return result

    wrapper._cmpl_crash_safe = True
    return wrapper


def apply_crash_safety() -> None:
    """Install atomic checkpoint writes (idempotent)."""
    global AtomicLocalBackend
    from mmengine.fileio import io as fileio_io
    from mmengine.fileio import register_backend
    from mmengine.fileio.backends import LocalBackend
    from mmengine.hooks import CheckpointHook
    from mmengine.hooks import checkpoint_hook as checkpoint_hook_module

    if AtomicLocalBackend is None:
        warn_if_untested(
            'crash-safe checkpoints', TESTED_WITH,
            'that mmengine.fileio.io.backend_instances, the module-level '
            'open() of mmengine.hooks.checkpoint_hook and CheckpointHook.'
            '_save_checkpoint_with_step / _save_best_checkpoint still exist '
            '(tests/test_crash_resume.py).')
        AtomicLocalBackend = _atomic_local_backend_class()
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    # drop singletons created before this (mmengine.fileio.get/put/dump)
    for key, backend in list(fileio_io.backend_instances.items()):
        if type(backend) is LocalBackend:
            del fileio_io.backend_instances[key]
    # CheckpointHook writes `last_checkpoint` with the builtin open()
    checkpoint_hook_module.open = atomic_open
    for name in ('_save_checkpoint_with_step', '_save_best_checkpoint'):
        setattr(CheckpointHook, name,
                _remove_after_saving(getattr(CheckpointHook, name)))
