"""Every patch cmpl_mm applies to its dependency stack, in one place.

Each module fixes or reaches into one thing of torch / mmengine / mmaction2
that is not a public, stable API, states the versions it was tested with
(``TESTED_WITH``) and warns once (:class:`UntestedStackWarning`) with what to
check when the installed versions are outside them:

* :mod:`.missing_drn`: a placeholder for the DRN localizer missing from
  mmaction2 1.2.0's wheel;
* :mod:`.multimodal_guard`: mmaction2's VindLU models skipped next to a
  transformers they cannot import;
* :mod:`.bfloat16_head_scores`: mmaction2's heads given float32 scores under
  bfloat16 AMP;
* :mod:`.safe_checkpoint_load`: checkpoints loaded with torch's weights-only
  unpickler, with an error that names a refused object;
* :mod:`.crash_safe_checkpoints`: atomic checkpoint writes;
* :mod:`.cpu_distributed`: mmengine's ``pytorch`` / ``slurm`` launchers on
  CPU (gloo);
* :mod:`.infinite_dataloader`: mmengine's private dataloader iterator used by
  the fast resume loop;
* :mod:`.decord_messages`: decord's native messages about a file it cannot
  open kept off the console (they join the exception, printable);
* :mod:`.optional_backends`: a visualization backend whose package is
  missing is a one-line config error naming the project's extra.

:func:`apply_all` runs on ``import cmpl_mm``; ``cpu_distributed`` and
``infinite_dataloader`` act when called (``tools/train.py``, the loop).
"""
from .bfloat16_head_scores import upcast_bfloat16_head_scores
from .cpu_distributed import (finish_cpu_distributed_run,
                              setup_cpu_distributed)
from .crash_safe_checkpoints import apply_crash_safety
from .decord_messages import quiet_decord_open
from .missing_drn import provide_missing_drn
from .multimodal_guard import skip_incompatible_multimodal
from .optional_backends import name_missing_extras
from .safe_checkpoint_load import (UnsafeCheckpointError,
                                   allow_mmengine_checkpoint_globals,
                                   register_safe_local_loader,
                                   safe_torch_load)
from .version_guard import UntestedStackWarning, warn_if_untested


def apply_all() -> None:
    """Apply every patch that acts on import (idempotent)."""
    provide_missing_drn()
    skip_incompatible_multimodal()
    upcast_bfloat16_head_scores()
    allow_mmengine_checkpoint_globals()
    register_safe_local_loader()
    apply_crash_safety()
    quiet_decord_open()
    name_missing_extras()


__all__ = [
    'apply_all', 'UntestedStackWarning', 'warn_if_untested',
    'UnsafeCheckpointError', 'safe_torch_load', 'setup_cpu_distributed',
    'finish_cpu_distributed_run'
]
