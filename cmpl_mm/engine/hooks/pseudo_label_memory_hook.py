"""Sizes the per-clip memories of pseudo-labeling parts before training."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmaction.registry import HOOKS

from cmpl_mm.models.pseudo_label import BasePart


@HOOKS.register_module()
class PseudoLabelMemoryHook(Hook):
    """Tell every part with a per-clip memory (``FlexMatchThreshold``) how
    many clips the unlabeled training set has, before the first step.

    It runs after a resume, so a memory restored from a checkpoint is
    checked against the dataset (another unlabeled set fails with a clear
    message) instead of being replaced. The unlabeled set is
    ``train_dataloader.dataset.unlabeled`` (``LabeledUnlabeledDataset``).
    A no-op for models without such parts, so the base runtime config
    always carries it.
    """

    priority = 'ABOVE_NORMAL'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        parts = [m for m in model.modules()
                 if isinstance(m, BasePart) and m.remembers_clips]
        if not parts:
            return
        dataset = runner.train_dataloader.dataset
        unlabeled = getattr(dataset, 'unlabeled', None)
        if unlabeled is None:
            raise RuntimeError(
                f'{type(parts[0]).__name__} remembers every unlabeled clip, '
                'but train_dataloader.dataset has no unlabeled part '
                '(expected a LabeledUnlabeledDataset with unlabeled=...)')
        for part in parts:
            part.set_num_unlabeled(len(unlabeled))
