"""Training steps on fixed batches, recorded as a reference for refactors.

``python tests/reference_steps.py OUT.json`` records, for FixMatch and CMPL
(joint and separate unlabeled forward), the logged losses of three
training steps of the demo configs' optimizer on fixed batches and seeds,
and a checksum of every parameter afterwards.
``tests/data/reference_steps_24f589b.json`` was recorded by main at commit
24f589b, before pseudo-labeling was split into parts;
``test_pseudo_label_parts.py`` checks that the composed recognizers still
produce exactly these numbers.
"""
import json
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
THRESHOLD = 0.3
CASES = [(a, f) for a in ('fixmatch', 'cmpl') for f in ('joint', 'separate')]


def fixed_batch(batch=2, mu=2, seed=0):
    """A batch as ``MultiView`` + ``pseudo_collate`` make it."""
    g = torch.Generator().manual_seed(seed)

    def clip():
        return torch.randint(0, 255, (1, 3, 8, 56, 56), dtype=torch.uint8,
                             generator=g)

    def sample(label=None):
        ds = ActionDataSample()
        if label is not None:
            ds.set_gt_label(label)
        return ds

    n = batch * mu
    return dict(
        inputs=dict(sup=[clip() for _ in range(batch)] + [None] * n,
                    weak=[None] * batch + [clip() for _ in range(n)],
                    strong=[None] * batch + [clip() for _ in range(n)]),
        data_samples=dict(
            sup=[sample(i) for i in range(batch)] + [None] * n,
            weak=[None] * batch + [sample() for _ in range(n)],
            strong=[None] * batch + [sample() for _ in range(n)]),
        monitor_only_gt_label=[-1] * batch + list(range(n)))


def run_case(algorithm: str, forward: str, steps: int = 3,
             threshold: float = THRESHOLD) -> dict:
    """Losses of ``steps`` training steps and the parameter checksums."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{algorithm}_r3d18q_synthetic.py'))
    # a threshold that some but not all clips of an untrained net pass
    cfg.model.semi_train_cfg.update(
        warmup_iters=0, threshold=threshold, unlabeled_forward=forward)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    torch.manual_seed(1)
    history = []
    for step in range(steps):
        log_vars = model.train_step(fixed_batch(seed=step), optim)
        history.append({k: float(v) for k, v in log_vars.items()})
    checksums = {name: float(p.detach().double().sum())
                 for name, p in model.named_parameters()}
    return dict(losses=history, checksums=checksums)


def main(out_file: str) -> None:
    import cmpl_mm  # noqa: F401
    record = {f'{a}-{f}': run_case(a, f) for a, f in CASES}
    with open(out_file, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)
    for case, value in record.items():
        print(case, value['losses'][-1])


if __name__ == '__main__':
    main(sys.argv[1])
