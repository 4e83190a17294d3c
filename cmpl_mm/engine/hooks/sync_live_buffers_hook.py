"""``SyncBuffersHook`` that leaves the EMA copies alone."""
from mmengine.dist import all_reduce_params
from mmengine.hooks import SyncBuffersHook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS


@HOOKS.register_module()
class SyncLiveBuffersHook(SyncBuffersHook):
    """Average the buffers (batch-norm statistics) across ranks, as
    mmengine's ``SyncBuffersHook`` does, except the weights of EMA teachers:
    they are buffers that every rank already updates identically, and
    averaging a copy of a whole network would be wasted communication.
    """

    def _sync(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        guarded = getattr(model, 'guarded_buffers', model.named_buffers)
        all_reduce_params([b for _, b in guarded()], op='mean')

    def before_val_epoch(self, runner) -> None:
        if self.distributed:
            if not self.called_in_train:
                self._sync(runner)
            self.called_in_train = False

    def after_train_epoch(self, runner) -> None:
        if self.distributed:
            self._sync(runner)
            self.called_in_train = True
