"""A Runner whose console shows only warnings and errors; the log file in
the work dir keeps everything (environment, config, hook table, losses)."""
import logging

from mmengine.runner import Runner
from mmaction.registry import RUNNERS


# mmengine deprecation notices that mmaction2 1.2.0's decoders trigger in
# every dataloader worker; nothing a user can act on
CONSOLE_NOISE = ('"FileClient" will be deprecated',
                 '"HardDiskBackend" is the alias of "LocalBackend"')


class DropConsoleNoise(logging.Filter):
    """Drop the records listed in :data:`CONSOLE_NOISE` (console only)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in CONSOLE_NOISE)


@RUNNERS.register_module()
class QuietConsoleRunner(Runner):
    """MMEngine's :class:`~mmengine.runner.Runner`, with the console handler
    of its logger raised to ``console_log_level``.

    The environment table, the full config and the hook order, which the
    Runner logs at INFO before the first iteration (several hundred lines),
    then go to ``WORK_DIR/<timestamp>/<timestamp>.log`` only. Pair it with
    :class:`~cmpl_mm.engine.hooks.ConsoleProgressHook` for a progress bar.
    Select it with ``runner_type = 'QuietConsoleRunner'`` in a config
    (``console_log_level = 'WARNING'`` is the default). mmengine's
    ``FileClient`` / ``HardDiskBackend`` deprecation notices, which
    mmaction2's decoders trigger in every worker, are kept off the console
    too.
    """

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        """Build mmengine's logger, then raise its console handler's level.

        Args:
            log_level (int | str): Level of the log file. Defaults to
                ``'INFO'``.
            log_file (str, optional): As for :class:`Runner`.
            **kwargs: Passed to :meth:`Runner.build_logger`.

        Returns:
            MMLogger: The runner's logger.
        """
        logger = super().build_logger(log_level, log_file, **kwargs)
        level = self.cfg.get('console_log_level', 'WARNING')
        level = logging.getLevelName(level) if isinstance(level, str) \
            else int(level)
        if not isinstance(level, int):
            raise ValueError(f'console_log_level: unknown level {level!r}')
        for handler in logger.handlers:
            # the console handler only: FileHandler subclasses StreamHandler
            if type(handler) is logging.StreamHandler:
                handler.setLevel(max(handler.level, level))
                if not any(isinstance(f, DropConsoleNoise)
                           for f in handler.filters):
                    handler.addFilter(DropConsoleNoise())
        return logger
