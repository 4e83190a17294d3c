"""Log how good the pseudo-labels are while a semi-supervised run trains."""
import json
import os.path as osp
from collections import deque
from typing import Dict, Optional

import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import Hook
from mmaction.registry import HOOKS

from ...datasets.unlabeled_dataset import MONITOR_LABEL_KEY
from ...models.pseudo_label.record import PseudoLabelRecord, take_record


#: per-network figures that also go to the logger and the scalars
SCALAR_KEYS = ('mask_ratio', 'mean_weight', 'precision', 'teacher_accuracy',
               'threshold_mean', 'threshold_min', 'threshold_max')


@HOOKS.register_module()
class PseudoLabelStatsHook(Hook):
    """Pseudo-label statistics per logging interval, for each network.

    For every network taught by pseudo-labels (``primary``, and for CMPL
    ``auxiliary``) it reports the mask ratio (share of unlabeled clips whose
    teacher confidence passes the threshold), the precision of accepted
    pseudo-labels against the unlabeled set's monitoring-only labels (when
    the list file has them), and the per-class histogram of accepted
    pseudo-labels; for CMPL also the agreement rate of the two networks'
    weak-view predictions. The figures come from the
    :class:`~cmpl_mm.models.pseudo_label.PseudoLabelRecord` the recognizer
    publishes each step. The monitoring labels are read from the raw data
    batch here, outside the model: they never reach a loss.

    For adaptive rules it also reports, per taught network, the mean clip
    weight and the rule's threshold at the end of the interval
    (``current_threshold`` of the mask: FlexMatch / FreeMatch one per
    class, SoftMatch the confidence mean above which a clip counts
    fully): mean, min and max over classes to the logger and scalars, the
    value of every class to the jsonl (``threshold``).

    Figures go to the logger, to the visualizer's backends (``pseudo/...``
    scalars; TensorBoard when configured) and, one JSON object per
    interval, to ``WORK_DIR/pseudo_label_stats.jsonl``. Counts are summed
    over ranks (the thresholds are the same on every rank).

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
        # per network: the accepted-per-class histograms of the last
        # ``collapse_window`` intervals
        self.collapse_evidence: Dict[str, deque] = {}
        self.out_file = out_file
        self.counts: Dict[str, torch.Tensor] = {}
        self.thresholds: Dict[str, torch.Tensor] = {}
        self.collapse_warned = set()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        record = take_record()
        if record is not None and record.students:
            self._accumulate(record, data_batch)
        if self.every_n_train_iters(runner, self.interval) and self.counts:
            self._report(runner)

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
        known = monitor >= 0
        for network, student in students.items():
            labels = student.labels
            accepted = student.weights > 0
            correct = accepted & known & (labels == monitor)
            hist = torch.bincount(
                labels[accepted], minlength=record.num_classes)
            row = torch.cat([
                torch.tensor([
                    len(accepted),
                    accepted.sum(), (accepted & known).sum(),
                    correct.sum(), (known & (labels == monitor)).sum(),
                    known.sum(), student.weights.sum()
                ],
                             device=device), hist
            ]).double()
            if student.threshold is not None:
                self.thresholds[network] = student.threshold.detach(
                ).reshape(-1).double().cpu()
            self.counts[network] = self.counts.get(network, 0) + row
        if len(record.predictions) == 2:
            first, second = record.predictions.values()
            agree = torch.tensor([len(first), (first == second).sum()],
                                 device=device).double()
            self.counts['agreement'] = self.counts.get('agreement', 0) + agree

    def _report(self, runner) -> None:
        stats = dict(iter=runner.iter + 1)
        for name, counts in self.counts.items():
            all_reduce(counts, op='sum')
            counts = counts.cpu().tolist()
            if name == 'agreement':
                stats['agreement_rate'] = counts[1] / max(counts[0], 1)
                continue
            total, accepted, known_acc, correct, hits, known = counts[:6]
            hist = [int(c) for c in counts[7:]]
            stats[name] = dict(
                num_unlabeled=int(total),
                mask_ratio=accepted / max(total, 1),
                mean_weight=counts[6] / max(total, 1),
                precision=correct / known_acc if known_acc else None,
                teacher_accuracy=hits / known if known else None,
                accepted_per_class=hist)
            threshold = self.thresholds.get(name)
            if threshold is not None:
                stats[name].update(
                    threshold=threshold.tolist(),
                    threshold_mean=threshold.mean().item(),
                    threshold_min=threshold.min().item(),
                    threshold_max=threshold.max().item())
            self._check_collapse(runner, name, hist)
        self.counts, self.thresholds = {}, {}
        scalars = {}
        for name, value in stats.items():
            if isinstance(value, dict):
                for key in SCALAR_KEYS:
                    if value.get(key) is not None:
                        scalars[f'pseudo/{name}_{key}'] = value[key]
            elif name != 'iter':
                scalars[f'pseudo/{name}'] = value
        runner.logger.info('pseudo-labels: ' + ', '.join(
            f'{k[7:]}: {v:.4f}' for k, v in scalars.items()))
        if is_main_process():
            runner.visualizer.add_scalars(scalars, step=runner.iter + 1)
            with open(osp.join(runner.work_dir, self.out_file), 'a') as f:
                f.write(json.dumps(stats) + '\n')

    def _check_collapse(self, runner, network: str, hist: list) -> bool:
        """Pool ``hist`` into the network's evidence window; warn (once per
        network) when the pooled labels are enough and one class dominates.

        Args:
            runner: The runner (its logger receives the warning).
            network (str): The taught network, e.g. ``'primary'``.
            hist (list[int]): Pseudo-labels accepted per class in the
                interval just reported.

        Returns:
            bool: True when the warning was issued now.
        """
        if self.collapse_share is None or network in self.collapse_warned:
            return False
        window = self.collapse_evidence.setdefault(
            network, deque(maxlen=self.collapse_window))
        window.append(list(hist))
        pooled = [sum(column) for column in zip(*window)]
        total = sum(pooled)
        if total < self.collapse_min_accepted:
            return False
        top = max(range(len(pooled)), key=pooled.__getitem__)
        share = pooled[top] / total
        if share <= self.collapse_share:
            return False
        self.collapse_warned.add(network)
        runner.logger.warning(
            f'Pseudo-label collapse? class {top} takes {share:.1%} of '
            f"the {total} pseudo-labels accepted for '{network}' over the "
            f'last {len(window) * self.interval} iterations (warns when '
            f'one class takes more than {self.collapse_share:.0%} of at '
            f'least {self.collapse_min_accepted}; warned once). See '
            'docs/reliability.md, "Pseudo-label collapse".')
        return True
