"""Keep decord's native messages about a bad file off the console.

``mmaction2==1.2.0``'s ``DecordInit`` hands decord the video as an
in-memory file; when it cannot be opened, decord's native logger prints
``ERROR opening: <file name>, <reason>`` to the process's stderr with the
file's raw bytes as the name (binary garbage on the console, as long as
the file), next to ffmpeg's own message. ``decord.logging.set_level``
quiets ffmpeg only, not that line. :func:`quiet_decord_open` opens the
reader inside :class:`~.native_stderr.CapturedNativeStderr`: for a file
that fails, the native messages join the exception, made printable and
short (``Error reading 2000 bytes... [native: ERROR opening: <binary
data>, Invalid data found when processing input]``), and reach the console only through the project's one-line
bad-video warning; a file that opens passes any message on, printable.
"""
from .native_stderr import CapturedNativeStderr
from .version_guard import warn_if_untested

TESTED_WITH = dict(mmaction2=('1.2.0', '1.3.0'), decord=('0.6.0', '0.7.0'))


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
