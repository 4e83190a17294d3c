"""Moves every EMA teacher after each optimizer step."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict
from mmaction.registry import HOOKS

from cmpl_mm.models.recognizers.ema_teachers import EMATeachersMixin


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """Update the recognizer's EMA copies (``EMATeacher``) after every
    optimizer step.

    The update follows the optimizer, not the iteration: a step skipped for
    a non-finite loss, or an iteration that only accumulates gradients,
    moves no EMA. It works through the distributed wrapper (whose
    ``train_step`` bypasses the model's). A no-op for models without EMA
    teachers, so the base runtime config always carries it.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self) -> None:
        self.stepped = False
        self.handles = []

    def before_train(self, runner) -> None:
        model = self._model(runner)
        if not (isinstance(model, EMATeachersMixin) and model.ema_networks):
            return
        model.mark_ema_hooked()
        wrappers = runner.optim_wrapper
        wrappers = (wrappers.values() if isinstance(wrappers,
                                                    OptimWrapperDict)
                    else [wrappers])
        for wrapper in wrappers:
            self.handles.append(wrapper.optimizer.register_step_post_hook(
                self._mark_step))

    def _mark_step(self, optimizer, args, kwargs) -> None:
        self.stepped = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.stepped:
            self._model(runner).update_ema_networks()
            self.stepped = False

    def after_train(self, runner) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model
