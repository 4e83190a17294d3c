"""What a run's dumped config says that its plots draw: the chance level
and where the unsupervised loss starts and ramps.

Read from the config a run dumped (``WORK_DIR/<timestamp>/vis_data/
config.py``, see :func:`~cmpl_mm.analysis.run_logs.find_config`) as a
plain dict, without importing the training stack.
"""
from dataclasses import dataclass
from typing import Optional


@dataclass
class RunFacts:
    """Figures of a run's config for its plots.

    Args:
        num_classes (int, optional): Classes of the deployed network's head
            (chance top-1 is ``1 / num_classes``).
        warmup_iters (int): Iterations with the supervised loss only
            (``model.semi_train_cfg.warmup_iters``). Defaults to 0.
        ramp_iters (int): Iterations the unsupervised weight then ramps up
            over (the longest ``ramp_iters`` of ``unsup_weight``'s
            schedules; 0 for a constant weight). Defaults to 0.
        semi (bool): The model learns from unlabeled clips (it has a
            ``semi_train_cfg``). Defaults to False.
    """
    num_classes: Optional[int] = None
    warmup_iters: int = 0
    ramp_iters: int = 0
    semi: bool = False

    @property
    def chance(self) -> Optional[float]:
        """Top-1 accuracy at chance; None when the class count is unknown."""
        return 1. / self.num_classes if self.num_classes else None


def _positive_int(value) -> Optional[int]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def facts_from_dict(cfg: dict) -> RunFacts:
    """:class:`RunFacts` of a config dict (missing parts: the defaults).

    Args:
        cfg (dict): The run's config, e.g. ``Config.to_dict()``.
    """
    model = cfg.get('model') if isinstance(cfg, dict) else None
    if not isinstance(model, dict):
        return RunFacts()
    num_classes = None
    for net in (model.get('primary'), model):
        head = net.get('cls_head') if isinstance(net, dict) else None
        if isinstance(head, dict) and _positive_int(head.get('num_classes')):
            num_classes = head['num_classes']
            break
    semi = model.get('semi_train_cfg')
    if not isinstance(semi, dict):
        return RunFacts(num_classes=num_classes)
    warmup = _positive_int(semi.get('warmup_iters', 0)) or 0
    weight = semi.get('unsup_weight')
    schedules = [weight] if isinstance(weight, dict) and 'type' in weight \
        else list(weight.values()) if isinstance(weight, dict) else []
    ramps = [_positive_int(s.get('ramp_iters')) or 0 for s in schedules
             if isinstance(s, dict)]
    return RunFacts(num_classes=num_classes, warmup_iters=warmup,
                    ramp_iters=max(ramps, default=0), semi=True)


def read_run_facts(config_path: Optional[str]) -> RunFacts:
    """:class:`RunFacts` of a dumped config file; the defaults when there is
    none or it cannot be read.

    Args:
        config_path (str, optional): The config file.
    """
    if not config_path:
        return RunFacts()
    try:
        from mmengine.config import Config
        cfg = Config.fromfile(config_path, import_custom_modules=False)
        return facts_from_dict(cfg.to_dict())
    except Exception:  # noqa: BLE001  (best effort: a plot without marks)
        return RunFacts()
