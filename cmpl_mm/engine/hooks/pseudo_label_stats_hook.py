"""Log how good the pseudo-labels are while a semi-supervised run trains."""
import json
import os.path as osp
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Dict, List, Optional

import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import Hook
from mmaction.registry import HOOKS

from ...datasets.unlabeled_dataset import MONITOR_LABEL_KEY
from ...models.pseudo_label.record import (PseudoLabelRecord, StudentRecord,
                                           take_record)

#: per-network figures that also go to the logger and the scalars
SCALAR_KEYS = ('mask_ratio', 'mean_weight', 'precision', 'teacher_accuracy',
               'threshold_mean', 'threshold_min', 'threshold_max')

#: a clip counts as an accepted pseudo-label where its weight is at least
#: this (hard masks: weight 1; SoftMatch: its Gaussian tail stays below)
ACCEPT_WEIGHT = 0.5


class TensorFields:
    """Add, flatten and unflatten a dataclass whose fields are tensors."""

    def flatten(self) -> torch.Tensor:
        """Every field, in declaration order, as one float64 vector."""
        return torch.cat([
            getattr(self, f.name).reshape(-1).double() for f in fields(self)
        ])

    def unflatten(self, flat: torch.Tensor):
        """Counts shaped as these, read from ``flat`` as :meth:`flatten`
        lays them out.

        Args:
            flat (Tensor): A vector of :meth:`flatten`'s length.

        Returns:
            The same type, one tensor per field, taken by name.
        """
        shapes = {f.name: getattr(self, f.name).shape for f in fields(self)}
        total = sum(shape.numel() for shape in shapes.values())
        if flat.numel() != total:
            raise ValueError(f'{type(self).__name__}: {flat.numel()} values '
                             f'to unflatten, the fields hold {total}')
        values, start = {}, 0
        for name, shape in shapes.items():
            values[name] = flat[start:start + shape.numel()].reshape(shape)
            start += shape.numel()
        return type(self)(**values)

    def __add__(self, other):
        return type(self)(**{
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
        })


@dataclass
class NetworkCounts(TensorFields):
    """Running counts of one taught network (float64 tensors, summed over
    steps and ranks).

    Args:
        clips (Tensor): Unlabeled clips.
        accepted (Tensor): Clips with weight >= ``ACCEPT_WEIGHT``.
        accepted_known (Tensor): Accepted clips with a monitoring label.
        accepted_correct (Tensor): Accepted clips whose pseudo-label is
            their monitoring label.
        known (Tensor): Clips with a monitoring label.
        teacher_correct (Tensor): Clips with a monitoring label equal to
            the teacher's top class (accepted or not).
        weight_sum (Tensor): Sum of the clip weights.
        accepted_per_class (Tensor): Accepted clips per pseudo-label
            ``(C,)``.
        accepted_known_per_class (Tensor): Accepted clips with a
            monitoring label, per pseudo-label ``(C,)``.
        correct_per_class (Tensor): Accepted clips whose pseudo-label is
            their monitoring label, per pseudo-label ``(C,)``.
    """
    clips: torch.Tensor
    accepted: torch.Tensor
    accepted_known: torch.Tensor
    accepted_correct: torch.Tensor
    known: torch.Tensor
    teacher_correct: torch.Tensor
    weight_sum: torch.Tensor
    accepted_per_class: torch.Tensor
    accepted_known_per_class: torch.Tensor
    correct_per_class: torch.Tensor

    @classmethod
    def of_step(cls, student: StudentRecord, monitor: torch.Tensor,
                num_classes: int) -> 'NetworkCounts':
        """The counts of one step.

        Args:
            student (StudentRecord): The network's pseudo-labels.
            monitor (Tensor): Monitoring label per unlabeled clip ``(N,)``,
                -1 where unknown.
            num_classes (int): Width of the histogram.
        """
        labels = student.labels
        accepted = student.weights >= ACCEPT_WEIGHT
        known = monitor >= 0
        hits = known & (labels == monitor)

        def count(x):
            return torch.as_tensor(x, device=labels.device).double()

        def per_class(mask):
            return torch.bincount(labels[mask],
                                  minlength=num_classes).double()

        return cls(
            clips=count(len(labels)),
            accepted=count(accepted.sum()),
            accepted_known=count((accepted & known).sum()),
            accepted_correct=count((accepted & hits).sum()),
            known=count(known.sum()),
            teacher_correct=count(hits.sum()),
            weight_sum=count(student.weights.detach().double().sum()),
            accepted_per_class=per_class(accepted),
            accepted_known_per_class=per_class(accepted & known),
            correct_per_class=per_class(accepted & hits))

    def figures(self) -> dict:
        """What the report shows of these counts (``precision`` and
        ``teacher_accuracy`` are None without monitoring labels).

        Per class: ``accepted_per_class``, ``correct_per_class`` and, only
        where some accepted clip has no monitoring label (else it equals
        ``accepted_per_class``), ``accepted_known_per_class``.
        """
        clips = max(self.clips.item(), 1)
        known_accepted, known = (self.accepted_known.item(),
                                 self.known.item())
        per_class = {}
        if known_accepted != self.accepted.item():
            per_class['accepted_known_per_class'] = _ints(
                self.accepted_known_per_class)
        per_class['correct_per_class'] = _ints(self.correct_per_class)
        return dict(
            num_unlabeled=int(self.clips.item()),
            mask_ratio=self.accepted.item() / clips,
            mean_weight=self.weight_sum.item() / clips,
            precision=(self.accepted_correct.item() / known_accepted
                       if known_accepted else None),
            teacher_accuracy=(self.teacher_correct.item() / known
                              if known else None),
            accepted_per_class=_ints(self.accepted_per_class),
            **per_class)


def _ints(counts: torch.Tensor) -> List[int]:
    return [int(c) for c in counts.tolist()]


@dataclass
class AgreementCounts(TensorFields):
    """How often two teachers' weak-view predictions agree.

    Args:
        clips (Tensor): Unlabeled clips.
        agreed (Tensor): Clips where both predict the same class.
    """
    clips: torch.Tensor
    agreed: torch.Tensor

    def rate(self) -> float:
        return self.agreed.item() / max(self.clips.item(), 1)


@dataclass
class IntervalCounts:
    """Everything the hook counts over one interval, by name.

    Args:
        networks (dict[str, NetworkCounts]): By taught network, in the
            order of the record.
        agreement (AgreementCounts, optional): For two teachers.
    """
    networks: Dict[str, NetworkCounts] = field(default_factory=dict)
    agreement: Optional[AgreementCounts] = None

    def __bool__(self) -> bool:
        return bool(self.networks) or self.agreement is not None

    def add(self, network: str, counts: TensorFields) -> None:
        """Add a step's counts to ``network`` (``'agreement'`` for the
        agreement of the teachers)."""
        if network == 'agreement':
            self.agreement = counts if self.agreement is None else \
                self.agreement + counts
        else:
            old = self.networks.get(network)
            self.networks[network] = counts if old is None else old + counts

    def parts(self) -> List[tuple]:
        """``(name, counts)`` in the order of :meth:`flatten`."""
        parts = list(self.networks.items())
        if self.agreement is not None:
            parts.append(('agreement', self.agreement))
        return parts

    def flatten(self) -> torch.Tensor:
        """All counts as one vector (for a single all-reduce)."""
        return torch.cat([counts.flatten() for _, counts in self.parts()])

    def unflatten(self, flat: torch.Tensor) -> 'IntervalCounts':
        """Counts with these names and shapes, read from ``flat``.

        Args:
            flat (Tensor): A vector laid out as :meth:`flatten`'s.
        """
        sizes = [(name, counts, counts.flatten().numel())
                 for name, counts in self.parts()]
        total = sum(size for _, _, size in sizes)
        if flat.numel() != total:
            raise ValueError(f'IntervalCounts: {flat.numel()} values to '
                             f'unflatten, the parts hold {total}')
        out, start = IntervalCounts(), 0
        for name, counts, size in sizes:
            out.add(name, counts.unflatten(flat[start:start + size]))
            start += size
        return out


@HOOKS.register_module()
class PseudoLabelStatsHook(Hook):
    """Pseudo-label statistics per logging interval, for each network.

    For every network taught by pseudo-labels (``primary``, and for CMPL
    ``auxiliary``) it reports the mask ratio (share of unlabeled clips
    accepted as pseudo-labels), the mean clip weight, the precision of
    accepted pseudo-labels against the unlabeled set's monitoring-only
    labels (when the list file has them), and per class the accepted
    pseudo-labels and how many of them are right (what
    ``tools/analysis/plot_run.py`` draws as ``pseudo_label_classes.png``:
    which classes each teacher labels, how precisely); for CMPL also the
    agreement rate of the two networks' weak-view predictions. A clip counts as accepted where its
    weight is >= 0.5 (``ACCEPT_WEIGHT``): with a hard mask (0 / 1) where
    the confidence passes the threshold; SoftMatch's Gaussian tail weights
    (small but > 0) are not accepted, and show in ``mean_weight`` only.
    The figures come from the
    :class:`~cmpl_mm.models.pseudo_label.PseudoLabelRecord` the recognizer
    publishes each step. The monitoring labels are read from the raw data
    batch here, outside the model: they never reach a loss.

    For adaptive rules it also reports, per taught network, the rule's
    threshold at the end of the interval (``current_threshold`` of the
    mask: FlexMatch / FreeMatch one per class, SoftMatch the confidence
    mean above which a clip counts fully): mean, min and max over classes
    to the logger and scalars, the value of every class to the jsonl
    (``threshold``).

    Figures go to the logger, to the visualizer's backends (``pseudo/...``
    scalars; TensorBoard when configured) and, one JSON object per
    interval, to ``WORK_DIR/pseudo_label_stats.jsonl``. Counts are summed
    over ranks in one all-reduce per report (the thresholds are the same
    on every rank). When training ends inside an interval (910 iterations,
    interval 50), the last 10 are reported at the end of training, their
    line marked ``"partial": true`` with ``"steps": 10``: the last line is
    the end of training.

    Args:
        interval (int): Iterations per report. Defaults to 50.
        collapse_share (float, optional): Warn once per network when one
            class takes more than this share of the pseudo-labels accepted
            over the last ``collapse_window`` intervals, and those are at
            least ``collapse_min_accepted``. None disables it. Defaults to
            0.8.
        collapse_min_accepted (int): Fewest accepted pseudo-labels in the
            window before a share counts as evidence (11 labels, 10 of one
            class, say nothing about a collapse). Defaults to 200.
        collapse_window (int): Number of consecutive reporting intervals
            whose accepted pseudo-labels are pooled. Defaults to 4.
        out_file (str): File name in the work dir. Defaults to
            ``'pseudo_label_stats.jsonl'``.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 50,
                 collapse_share: Optional[float] = 0.8,
                 out_file: str = 'pseudo_label_stats.jsonl',
                 collapse_min_accepted: int = 200,
                 collapse_window: int = 4) -> None:
        if collapse_share is not None and not 0 < collapse_share <= 1:
            raise ValueError('PseudoLabelStatsHook: collapse_share must be '
                             f'in (0, 1] or None, got {collapse_share}')
        if collapse_min_accepted < 1 or collapse_window < 1:
            raise ValueError(
                'PseudoLabelStatsHook: collapse_min_accepted and '
                'collapse_window must be >= 1, got '
                f'{collapse_min_accepted} and {collapse_window}')
        self.interval = interval
        self.collapse_share = collapse_share
        self.collapse_min_accepted = collapse_min_accepted
        self.collapse_window = collapse_window
        # per network: (accepted-per-class histogram, iterations) of the
        # last ``collapse_window`` reports
        self.collapse_evidence: Dict[str, deque] = {}
        self.out_file = out_file
        self.counts = IntervalCounts()
        self.thresholds: Dict[str, torch.Tensor] = {}
        # taught network -> the name of its teacher (last seen)
        self.teachers: Dict[str, str] = {}
        self.collapse_warned = set()
        # iterations since the last interval boundary, and the last one seen
        self.steps = 0
        self.last_iter = 0

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        record = take_record()
        if record is not None and record.students:
            self._accumulate(record, data_batch)
        self.steps += 1
        self.last_iter = runner.iter + 1
        if self.every_n_train_iters(runner, self.interval):
            if self.counts:
                self._report(runner)
            self.steps = 0

    def after_train(self, runner) -> None:
        """Report the interval cut short by the end of training, if any."""
        if self.counts:
            self._report(runner, partial=True)
        self.steps = 0

    def _accumulate(self, record: PseudoLabelRecord,
                    data_batch: dict) -> None:
        is_unlabeled = [x is not None for x in data_batch['inputs']['weak']]
        monitor = [
            label for label, unl in zip(data_batch[MONITOR_LABEL_KEY],
                                        is_unlabeled) if unl
        ]
        students = record.students
        device = next(iter(students.values())).labels.device
        monitor = torch.as_tensor(monitor, device=device)
        for network, student in students.items():
            self.teachers[network] = student.teacher
            self.counts.add(
                network,
                NetworkCounts.of_step(student, monitor, record.num_classes))
            if student.threshold is not None:
                self.thresholds[network] = student.threshold.detach(
                ).reshape(-1).double().cpu()
        if len(record.predictions) == 2:
            first, second = record.predictions.values()
            self.counts.add(
                'agreement',
                AgreementCounts(
                    clips=torch.tensor(float(len(first)), device=device,
                                       dtype=torch.float64),
                    agreed=(first == second).sum().double()))

    def _report(self, runner, partial: bool = False) -> None:
        """Sum the interval's counts over ranks and write them out.

        Args:
            runner: The runner (logger, visualizer, work dir).
            partial (bool): The interval was cut short by the end of
                training: the line is marked with its number of steps.
        """
        flat = self.counts.flatten()
        all_reduce(flat, op='sum')
        counts = self.counts.unflatten(flat.cpu())
        stats = dict(iter=self.last_iter)
        if partial:
            stats.update(partial=True, steps=self.steps)
        for name, network in counts.networks.items():
            stats[name] = network.figures()
            if name in self.teachers:
                stats[name]['teacher'] = self.teachers[name]
            threshold = self.thresholds.get(name)
            if threshold is not None:
                stats[name].update(
                    threshold=threshold.tolist(),
                    threshold_mean=threshold.mean().item(),
                    threshold_min=threshold.min().item(),
                    threshold_max=threshold.max().item())
            self._check_collapse(runner, name,
                                 stats[name]['accepted_per_class'],
                                 self.steps)
        if counts.agreement is not None:
            stats['agreement_rate'] = counts.agreement.rate()
        self.counts, self.thresholds = IntervalCounts(), {}
        scalars = {}
        for name, value in stats.items():
            if isinstance(value, dict):
                for key in SCALAR_KEYS:
                    if value.get(key) is not None:
                        scalars[f'pseudo/{name}_{key}'] = value[key]
            elif name == 'agreement_rate':
                scalars[f'pseudo/{name}'] = value
        cut = f' (last {self.steps} iterations, partial)' if partial else ''
        runner.logger.info(f'pseudo-labels{cut}: ' + ', '.join(
            f'{k[7:]}: {v:.4f}' for k, v in scalars.items()))
        if is_main_process():
            runner.visualizer.add_scalars(scalars, step=self.last_iter)
            with open(osp.join(runner.work_dir, self.out_file), 'a') as f:
                f.write(json.dumps(stats) + '\n')

    def _check_collapse(self, runner, network: str, hist: list,
                        steps: Optional[int] = None) -> bool:
        """Pool ``hist`` into the network's evidence window; warn (once per
        network) when the pooled labels are enough and one class dominates.

        Args:
            runner: The runner (its logger receives the warning).
            network (str): The taught network, e.g. ``'primary'``.
            hist (list[int]): Pseudo-labels accepted per class in the
                interval just reported.
            steps (int, optional): Iterations of that interval. Defaults
                to ``interval``.

        Returns:
            bool: True when the warning was issued now.
        """
        if self.collapse_share is None or network in self.collapse_warned:
            return False
        window = self.collapse_evidence.setdefault(
            network, deque(maxlen=self.collapse_window))
        window.append((list(hist), steps or self.interval))
        pooled = [sum(column) for column in zip(*(h for h, _ in window))]
        total = sum(pooled)
        if total < self.collapse_min_accepted:
            return False
        top = max(range(len(pooled)), key=pooled.__getitem__)
        share = pooled[top] / total
        if share <= self.collapse_share:
            return False
        self.collapse_warned.add(network)
        iters = sum(s for _, s in window)
        runner.logger.warning(
            f'Pseudo-label collapse? class {top} takes {share:.1%} of '
            f"the {total} pseudo-labels accepted for '{network}' over the "
            f'last {iters} iterations (warns when '
            f'one class takes more than {self.collapse_share:.0%} of at '
            f'least {self.collapse_min_accepted}; warned once). See '
            'docs/reliability.md, "Pseudo-label collapse".')
        return True
