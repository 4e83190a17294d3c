"""Training steps on fixed batches, recorded as a reference for refactors.

``python tests/reference_steps.py OUT.json`` records, for FixMatch and CMPL
(joint and separate unlabeled forward), the logged losses of three
training steps of the demo configs' optimizer on fixed batches and seeds,
and a checksum of every parameter afterwards.
``tests/data/reference_steps_24f589b.json`` was recorded by main at commit
24f589b, before pseudo-labeling was split into parts;
``test_pseudo_label_parts.py`` checks that the composed recognizers still
produce these numbers (``reference_problems`` says to what precision).
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
             threshold: float = THRESHOLD, unsup_weight: float = 1.0) -> dict:
    """Losses of ``steps`` training steps and the parameter checksums."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{algorithm}_r3d18q_synthetic.py'))
    # a threshold that some but not all clips of an untrained net pass
    cfg.model.semi_train_cfg.update(
        warmup_iters=0, threshold=threshold, unlabeled_forward=forward,
        unsup_weight=unsup_weight)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    torch.manual_seed(1)
    history = []
    for step in range(steps):
        log_vars = model.train_step(fixed_batch(seed=step), optim)
        history.append({k: float(torch.as_tensor(v).detach())
                        for k, v in log_vars.items()})
    checksums = {name: float(p.detach().double().sum())
                 for name, p in model.named_parameters()}
    return dict(losses=history, checksums=checksums)


def reference_problems(now: dict, reference: dict) -> list:
    """Where a ``run_case`` result differs from a recorded one.

    Mask ratios and accuracies (counts) must match exactly. Losses and weight
    sums are compared to float32 rounding carried through three steps: CPUs
    with other vector units sum in another order, and on CI's machine and on
    an AMD EPYC the losses differed by up to 7e-6 relative (allowed: 1e-4).
    A weight sum cancels thousands of signed weights, so its rounding is
    absolute (up to 3.4e-4 seen; allowed: 2e-3 + rel 1e-3); the losses of
    steps 2 and 3 are the sharp check of the earlier updates.
    """
    def close(a, b, rel, abs_=0.0):
        return abs(a - b) <= rel * abs(b) + abs_

    problems = []
    if len(now['losses']) != len(reference['losses']):
        return [f"{len(now['losses'])} steps, expected "
                f"{len(reference['losses'])}"]
    for step, (got, want) in enumerate(zip(now['losses'],
                                           reference['losses'])):
        if sorted(got) != sorted(want):
            problems.append(f'step {step}: keys {sorted(got)}')
            continue
        for key, value in want.items():
            ok = (close(got[key], value, 1e-4) if 'loss' in key
                  else got[key] == value)
            if not ok:
                problems.append(f'step {step} {key}: {got[key]} != {value}')
    if sorted(now['checksums']) != sorted(reference['checksums']):
        problems.append('other parameters')
    else:
        problems += [f'{name}: {now["checksums"][name]} != {value}'
                     for name, value in reference['checksums'].items()
                     if not close(now['checksums'][name], value, 1e-3, 2e-3)]
    return problems


def main(out_file: str) -> None:
    import cmpl_mm  # noqa: F401
    record = {f'{a}-{f}': run_case(a, f) for a, f in CASES}
    with open(out_file, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)
    for case, value in record.items():
        print(case, value['losses'][-1])


if __name__ == '__main__':
    main(sys.argv[1])
