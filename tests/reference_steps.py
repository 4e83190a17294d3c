"""Training steps on fixed batches, and a frozen copy of the old FixMatch /
CMPL rule to check the composed recognizers against.

``run_case`` runs three training steps of the demo configs' optimizer on
fixed batches and seeds, with the recognizer's own ``loss`` or, with
``frozen=True``, with :func:`frozen_loss` in its place, and returns the
logged losses and a checksum of every weight and batch-norm statistic.
``test_pseudo_label_parts.py`` runs both in one process, so both sides do
the same float operations on the same machine and must agree exactly;
nothing is compared to numbers recorded on another CPU.
"""
import functools
import os.path as osp
import types
from typing import Dict, List

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from cmpl_mm.models.utils import frozen_bn_running_stats

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
THRESHOLD = 0.3
CASES = [(a, f) for a in ('fixmatch', 'cmpl') for f in ('joint', 'separate')]
#: the network each network learns from, by algorithm
TEACHERS = dict(
    fixmatch=dict(primary='primary'),
    cmpl=dict(primary='auxiliary', auxiliary='primary'))
PREFIX = dict(primary='', auxiliary='aux_')


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


def frozen_loss(model, inputs: Dict[str, torch.Tensor],
                data_samples: Dict[str, list], *, teachers: Dict[str, str],
                unlabeled_forward: str, threshold: float,
                sup_weight: float = 1.0,
                unsup_weight: float = 1.0) -> Dict[str, torch.Tensor]:
    """FixMatch / CMPL losses as main computed them at commit 24f589b,
    before pseudo-labeling was split into parts (``SemiBaseRecognizer``'s
    ``loss``, ``network_scores``, ``view_scores`` and ``unsup_losses``
    there, and its ``PseudoLabelCrossEntropy``).

    FROZEN ON PURPOSE: this is the yardstick the composed recognizers are
    held to. Do not change it to follow the package; if the package's
    FixMatch / CMPL may rightly compute something else, say so in the test
    instead. It takes every setting as an argument (none from the model's
    config), so a recognizer configured otherwise is caught. It assumes the
    supervised warm-up is over and the batch has unlabeled views.

    Swap it in for ``model.loss`` as ``types.MethodType(functools.partial(
    frozen_loss, teachers=..., ...), model)`` (see :func:`run_case`).

    Args:
        model: A FixMatch / CMPL recognizer; only ``model.networks()`` (the
            networks in order, ``primary`` first) is used.
        inputs, data_samples: By view (``'sup'``, ``'weak'``, ``'strong'``).
        teachers (dict): Taught network -> the network whose weak view
            labels it (FixMatch: itself; CMPL: the other one).
        unlabeled_forward (str): ``'joint'``: one forward of all views
            concatenated; ``'separate'``: ``sup`` alone, then weak + strong
            with the batch-norm running statistics left alone.
        threshold (float): Confidence a pseudo-label needs.
        sup_weight, unsup_weight (float): Weights of the two losses.
    """
    networks = model.networks()
    views = ['sup', 'weak', 'strong']

    def forward(net, names):
        sizes = [inputs[v].shape[0] for v in names]
        feats, _ = net.extract_feat(torch.cat([inputs[v] for v in names]))
        return dict(zip(names, net.cls_head(feats).split(sizes)))

    # every network forwards every view, in networks() order
    scores = {}
    for name, net in networks.items():
        if unlabeled_forward == 'joint':
            scores[name] = forward(net, views)
        else:
            scores[name] = forward(net, ['sup'])
            with frozen_bn_running_stats(net):
                scores[name].update(forward(net, ['weak', 'strong']))

    losses = {}
    for name, net in networks.items():
        sup = net.cls_head.loss_by_feat(scores[name]['sup'],
                                        data_samples['sup'])
        for key, value in sup.items():
            if 'loss' in key:
                value = value * sup_weight
            losses[f'sup_{PREFIX[name]}{key}'] = value

    for student, teacher in teachers.items():
        probs = scores[teacher]['weak'].detach().softmax(dim=1)
        confidence, labels = probs.max(dim=1)
        mask = (confidence >= threshold).float()
        per_clip = F.cross_entropy(scores[student]['strong'], labels,
                                   reduction='none')
        losses[f'unsup_{PREFIX[student]}loss_cls'] = (
            (per_clip * mask).mean() * unsup_weight)
        losses[f'unsup_{PREFIX[student]}mask_ratio'] = mask.mean()
    return losses


def run_case(algorithm: str, forward: str, steps: int = 3,
             threshold: float = THRESHOLD, unsup_weight: float = 1.0,
             frozen: bool = False) -> dict:
    """Losses of ``steps`` training steps and the checksums of the
    networks' weights and buffers afterwards.

    The recognizer is built from the demo config with ``threshold`` and
    ``unsup_weight``; with ``frozen`` its ``loss`` is :func:`frozen_loss`
    given the same two values. Both start from the same seeds.
    """
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{algorithm}_r3d18q_synthetic.py'))
    # a threshold that some but not all clips of an untrained net pass
    cfg.model.semi_train_cfg.update(
        warmup_iters=0, threshold=threshold, unlabeled_forward=forward,
        unsup_weight=unsup_weight)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if frozen:
        model.loss = types.MethodType(
            functools.partial(frozen_loss, teachers=TEACHERS[algorithm],
                              unlabeled_forward=forward, threshold=threshold,
                              unsup_weight=unsup_weight), model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    torch.manual_seed(1)
    history = []
    for step in range(steps):
        log_vars = model.train_step(fixed_batch(seed=step), optim)
        history.append({k: float(torch.as_tensor(v).detach())
                        for k, v in log_vars.items()})
    checksums = {
        f'{net_name}.{name}': float(t.detach().double().sum())
        for net_name, net in model.networks().items()
        for name, t in list(net.named_parameters()) + list(
            net.named_buffers())}
    return dict(losses=history, checksums=checksums)


def differences(got: dict, want: dict) -> List[str]:
    """Where two ``run_case`` results differ; exact comparison (both must
    come from this process)."""
    problems = []
    if len(got['losses']) != len(want['losses']):
        return [f"{len(got['losses'])} steps, expected "
                f"{len(want['losses'])}"]
    for step, (g, w) in enumerate(zip(got['losses'], want['losses'])):
        if sorted(g) != sorted(w):
            problems.append(f'step {step}: keys {sorted(g)}, expected '
                            f'{sorted(w)}')
            continue
        problems += [f'step {step} {key}: {g[key]!r} != {value!r}'
                     for key, value in w.items() if g[key] != value]
    if sorted(got['checksums']) != sorted(want['checksums']):
        problems.append('other weights / buffers')
    else:
        problems += [f'{name}: {got["checksums"][name]!r} != {value!r}'
                     for name, value in want['checksums'].items()
                     if got['checksums'][name] != value]
    return problems
