"""Evaluate a checkpoint on a config's validation set with MMEngine's
TestLoop (shared by the analysis tools)."""
import tempfile


def validate_checkpoint(cfg, checkpoint: str, evaluator=None) -> dict:
    """Metrics of ``checkpoint`` on ``cfg``'s validation set.

    Args:
        cfg (mmengine.Config): The run's config; modified in place (its
            test dataloader becomes the validation one, single process,
            no custom hooks or visualizer backends).
        checkpoint (str): The checkpoint to load.
        evaluator (dict | list, optional): Evaluator config; defaults to
            the config's ``val_evaluator``.

    Returns:
        dict: What ``Runner.test()`` returns (metric name -> value).
    """
    from mmengine.runner import Runner

    import cmpl_mm  # noqa: F401  (registers the project's components)

    cfg.test_dataloader = cfg.val_dataloader
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.test_evaluator = evaluator if evaluator is not None else \
        cfg.val_evaluator
    cfg.test_cfg = dict(type='TestLoop')
    cfg.load_from = checkpoint
    cfg.resume = False
    cfg.launcher = 'none'
    with tempfile.TemporaryDirectory() as tmp:
        cfg.work_dir = tmp
        cfg.custom_hooks = []
        cfg.visualizer = dict(type='Visualizer', vis_backends=[])
        return Runner.from_cfg(cfg).test()
