"""EMA copies of the trained networks, for ``EMATeacher`` parts."""
import logging
from typing import Dict, List, Tuple

import torch.nn as nn
from mmengine.logging import print_log

from ..pseudo_label import EMANetwork, EMATeacher


def ema_settings(labelers: Dict[str, nn.Module],
                 prefix: str = 'semi_train_cfg.'
                 ) -> Tuple[Dict[str, dict], List[str]]:
    """``({network: EMANetwork arguments}, [problems])`` of the EMA
    teachers among the pseudo-labelers: one EMA copy, so one setting, per
    network."""
    settings, problems = {}, []
    for labeler in labelers.values():
        teacher = labeler.teacher
        if isinstance(teacher, EMATeacher):
            known = settings.setdefault(teacher.network,
                                        teacher.ema_settings())
            if known != teacher.ema_settings():
                problems.append(
                    f'{prefix}teacher: two settings ({known}, '
                    f'{teacher.ema_settings()}) for the EMA of '
                    f"'{teacher.network}'; one EMA copy per network")
    return settings, problems


class EMATeachersMixin:
    """Holds ``ema_networks`` (an :class:`EMANetwork` per averaged network)
    beside the networks of a recognizer with a ``networks()`` method.

    The copies start from the live networks (after ``init_weights`` and
    when a checkpoint lacks them), move by :meth:`update_ema_networks`
    (``EMATeacherHook``, after each optimizer step), are saved in
    checkpoints, and are left out of the buffers a skipped step restores.
    The host class provides ``networks()`` and ``unsup_active()`` (False
    during the supervised warm-up).
    """

    #: set by ``EMATeacherHook`` (:meth:`mark_ema_hooked`); a model with
    #: EMA copies refuses to train without it
    ema_hooked = False

    def mark_ema_hooked(self) -> None:
        """Record that a hook moves the EMA copies after each step."""
        self.ema_hooked = True

    def build_ema_networks(self, settings: Dict[str, dict]) -> None:
        """One EMA copy per ``{network: EMANetwork arguments}``."""
        networks = self.networks()
        self.ema_networks = nn.ModuleDict({
            name: EMANetwork(networks[name], **kwargs)
            for name, kwargs in settings.items()
        })
        self.register_load_state_dict_post_hook(self._start_missing_ema)

    def init_weights(self) -> None:
        """Initialise the networks, then start every EMA copy from its
        live network."""
        super().init_weights()
        networks = self.networks()
        for name, ema in self.ema_networks.items():
            ema.copy_from(networks[name])

    def update_ema_networks(self) -> None:
        """One moving-average step of every EMA copy (``EMATeacherHook``
        calls it after each optimizer step); a ``start='warmup_end'`` copy
        follows its live network while the supervised warm-up lasts."""
        networks = self.networks()
        warming_up = not self.unsup_active()
        for name, ema in self.ema_networks.items():
            if ema.start == 'warmup_end' and warming_up:
                ema.follow(networks[name])
            else:
                ema.update(networks[name])

    def guarded_buffers(self):
        """Buffers a skipped step restores: not the EMA copies, which a
        forward pass never changes."""
        return ((k, b) for k, b in self.named_buffers()
                if not k.startswith('ema_networks.'))

    def _start_missing_ema(self, module, incompatible) -> None:
        """``load_state_dict`` post-hook: an EMA copy that the checkpoint
        lacks (written before it existed) starts from its live network,
        with a warning, instead of failing or keeping its initial state.
        EMA weights without their update counter (``num_updates``, which
        drives the warm-up) are kept and taken as warmed up, with a
        warning."""
        networks = self.networks()
        for name, ema in self.ema_networks.items():
            key = f'ema_networks.{name}.'
            missing = [k for k in incompatible.missing_keys if key in k]
            if f'{key}num_updates' not in missing:
                continue
            if missing != [f'{key}num_updates']:
                ema.copy_from(networks[name])
            else:
                ema.num_updates.fill_(ema.WARMED_UP)
                incompatible.missing_keys.remove(f'{key}num_updates')
                print_log(
                    f"The checkpoint's EMA of '{name}' has no update count; "
                    'its momentum warm-up is taken as finished.',
                    logger='current', level=logging.WARNING)
                continue
            incompatible.missing_keys[:] = [
                k for k in incompatible.missing_keys if key not in k]
            print_log(
                f"The checkpoint has no EMA weights of '{name}' (written "
                'before EMA teachers existed, or by another algorithm); the '
                "EMA starts from the live network's weights.",
                logger='current', level=logging.WARNING)
