"""A progress bar and a few lines on the console for a quiet run."""
import sys
from typing import Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmaction.registry import HOOKS


@HOOKS.register_module()
class ConsoleProgressHook(Hook):
    """Draw a ``tqdm`` bar over the training iterations and print one line
    per validation, for runs whose logger keeps the console quiet
    (:class:`~cmpl_mm.engine.runner.QuietConsoleRunner`).

    The bar shows the total loss and every logged value whose name ends in
    ``mask_ratio`` (the share of unlabeled clips given a pseudo-label), as
    averaged over the last ``window`` iterations. Only the main process
    draws.

    Args:
        keys (Sequence[str]): Logged values shown on the bar when present;
            names ending in ``mask_ratio`` are always added. Defaults to
            ``('loss', )``.
        window (int): Iterations averaged for the values shown. Defaults
            to 20.
        stream: Where to draw. Defaults to ``sys.stderr``.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self,
                 keys: Sequence[str] = ('loss', ),
                 window: int = 20,
                 stream=None) -> None:
        self.keys = tuple(keys)
        self.window = window
        self.stream = stream
        self.bar = None

    def before_train(self, runner) -> None:
        if not is_main_process():
            return
        from tqdm import tqdm
        self.bar = tqdm(
            total=runner.max_iters,
            initial=runner.iter,
            desc='train',
            unit='it',
            dynamic_ncols=True,
            file=self.stream or sys.stderr)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        if (runner.iter + 1) % 10 and runner.iter + 1 != runner.max_iters:
            return
        hub = runner.message_hub
        shown = {}
        for key in hub.log_scalars:
            name = key[len('train/'):] if key.startswith('train/') else None
            if name and (name in self.keys or name.endswith('mask_ratio')):
                shown[name.replace('unsup_', '')] = hub.get_scalar(
                    key).mean(self.window)
        self.bar.set_postfix(
            {k: f'{v:.3f}'
             for k, v in shown.items()}, refresh=False)

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        if not is_main_process() or not metrics:
            return
        text = ', '.join(f'{k} {v:.4f}' for k, v in metrics.items()
                         if isinstance(v, (int, float)) and 'top1' in k)
        self.write(f'iteration {runner.iter}: validation {text}')

    def write(self, line: str) -> None:
        """Print ``line`` above the bar (or plainly without one)."""
        if self.bar is not None:
            self.bar.write(line, file=self.stream or sys.stderr)
        else:
            print(line, file=self.stream or sys.stderr)

    def after_train(self, runner) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
