"""Which classes each teacher labels, and how precisely.

``PseudoLabelStatsHook`` writes, per reporting interval and taught network,
the pseudo-labels accepted per class (``accepted_per_class``) and, since
the per-class precision was added, how many of them equal the clip's
monitoring label (``correct_per_class``; ``accepted_known_per_class`` too
when some accepted clips have no monitoring label, else it equals the
accepted counts) and the teacher's name (``teacher``). Summed over a run's
intervals, they show what CMPL is about: the auxiliary network teaching
the primary some classes well, the primary teaching the auxiliary others.

Lines of older runs lack ``correct_per_class``; :func:`class_tables`
leaves them out and :func:`missing_reason` says why a run has none.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

#: what the per-class figure needs in a stats line
CORRECT_KEY = 'correct_per_class'
NEEDS_NEWER_RUN = (
    'per-class pseudo-label precision needs a run whose '
    'pseudo_label_stats.jsonl has "correct_per_class" (written by '
    'PseudoLabelStatsHook since the per-class figure was added); this '
    "run's file is older: train again for it")


@dataclass
class ClassTable:
    """Pseudo-labels one network was taught, per class, summed over
    intervals.

    Args:
        network (str): The taught network (``'primary'``).
        teacher (str, optional): Who taught it (``'auxiliary'``); None in
            lines that do not say.
        accepted (list[int]): Accepted pseudo-labels per class.
        known (list[int]): Of those, the ones with a monitoring label.
        correct (list[int]): Of those, the ones equal to it.
        first_iter (int): Iteration of the first interval summed.
        last_iter (int): Iteration of the last interval summed.
    """
    network: str
    teacher: Optional[str]
    accepted: List[int]
    known: List[int]
    correct: List[int]
    first_iter: int
    last_iter: int

    def precision(self) -> List[Optional[float]]:
        """Per class ``correct / known``; None where nothing is known."""
        return [c / k if k else None for c, k in zip(self.correct,
                                                     self.known)]

    def overall_precision(self) -> Optional[float]:
        """``sum(correct) / sum(known)``; None where nothing is known."""
        known = sum(self.known)
        return sum(self.correct) / known if known else None

    def label(self) -> str:
        """``'auxiliary -> primary'`` (teacher, taught network)."""
        teacher = self.teacher or '?'
        return f'{teacher} \u2192 {self.network}'


def _add(total: Optional[List[int]], counts: Sequence) -> List[int]:
    counts = [int(c) for c in counts]
    if total is None:
        return counts
    if len(total) != len(counts):
        raise ValueError(f'per-class counts of {len(counts)} classes after '
                         f'{len(total)}: lines of different runs mixed?')
    return [a + b for a, b in zip(total, counts)]


def class_tables(records: Sequence[dict]) -> Dict[str, ClassTable]:
    """Per taught network, the per-class counts of every stats line that
    has them (``correct_per_class``), summed.

    Args:
        records (list[dict]): ``pseudo_label_stats.jsonl`` lines
            (``RunLog.pseudo``), in iteration order.

    Returns:
        dict[str, ClassTable]: By taught network, in order of first
        appearance; empty when no line has per-class precision.
    """
    sums: Dict[str, dict] = {}
    for record in records:
        for network, stats in record.items():
            if not isinstance(stats, dict) or CORRECT_KEY not in stats \
                    or 'accepted_per_class' not in stats:
                continue
            accepted = stats['accepted_per_class']
            entry = sums.setdefault(network, dict(
                teacher=None, accepted=None, known=None, correct=None,
                first_iter=record.get('iter', 0)))
            entry['accepted'] = _add(entry['accepted'], accepted)
            entry['known'] = _add(
                entry['known'], stats.get('accepted_known_per_class',
                                          accepted))
            entry['correct'] = _add(entry['correct'], stats[CORRECT_KEY])
            entry['teacher'] = stats.get('teacher', entry['teacher'])
            entry['last_iter'] = record.get('iter', 0)
    return {network: ClassTable(network=network, **entry)
            for network, entry in sums.items()}


def missing_reason(records: Sequence[dict]) -> Optional[str]:
    """Why :func:`class_tables` of ``records`` is empty (None when it is
    not): no pseudo-label statistics at all, or lines of an older run."""
    if class_tables(records):
        return None
    if not any(isinstance(v, dict) for r in records for v in r.values()):
        return 'no pseudo-label statistics (supervised run, or ' \
               'PseudoLabelStatsHook not configured)'
    return NEEDS_NEWER_RUN


def read_class_names(path: Optional[str]) -> Optional[List[str]]:
    """Class names, one per line (e.g. the demo data's ``classes.txt``);
    None when ``path`` is None or not a file."""
    import os.path as osp
    if not path or not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]
