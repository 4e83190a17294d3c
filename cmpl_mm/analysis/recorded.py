"""Runs recorded in the ``results.json`` of comparisons, for merging the
seeds of several comparisons (``tools/analysis/merge_comparisons.py``)."""
import json
from collections import OrderedDict

from .run_logs import RunLog


class ResultsError(ValueError):
    """``results.json`` files that cannot be merged (the message says why)."""


class RecordedRun:
    """A finished run as ``results.json`` recorded it."""

    def __init__(self, record: dict, source: str) -> None:
        self.config = record['config']
        self.name = record['name']
        self.seed = record['seed']
        self.ok = bool(record.get('ok'))
        self.final_val = record.get('final_val')
        self.command_line = record.get('command_line', '')
        self.options = training_options(record.get('command', []))
        self.source = source
        # the curves compare_algorithms recorded, for the plots
        self.log = None
        if record.get('val'):
            self.log = RunLog.from_curves(
                record['val'], record.get('pseudo') or [], source)

    def final(self):
        return self.final_val if self.ok else None


def training_options(command) -> list:
    """The ``--cfg-options`` of a recorded ``tools/train.py`` command."""
    if '--cfg-options' not in command:
        return []
    return list(command[command.index('--cfg-options') + 1:])


def load_runs(paths):
    """Finished runs by (config name, seed), and each config's label.

    Raises:
        ResultsError: A file is not a readable ``results.json``, or one
            config and seed has different results in two files.
    """
    runs, labels = OrderedDict(), {}
    for path in paths:
        try:
            with open(path) as f:
                results = json.load(f)
        except (OSError, ValueError) as e:
            raise ResultsError(f'{path}: not a readable results.json ({e})')
        if 'runs' not in results:
            raise ResultsError(f'{path}: no "runs" key; is it a '
                               'compare_algorithms.py results.json?')
        for entry in results.get('algorithms', []):
            labels.setdefault(entry['name'], entry.get('algorithm', '?'))
        for record in results['runs']:
            run = RecordedRun(record, path)
            if not run.ok:
                continue
            key = (run.name, run.seed)
            seen = runs.get(key)
            if seen is not None and seen.final_val != run.final_val:
                why = ('trained with different --cfg-options'
                       if seen.options != run.options else
                       'with the same options')
                raise ResultsError(
                    f'{run.name} seed {run.seed} has different results in '
                    f'{seen.source} and {path} ({why}); merge one of them')
            runs.setdefault(key, run)
    return runs, labels


def option_conflicts(runs):
    """Per config name, the distinct option lists with their sources."""
    by_config = OrderedDict()
    for run in runs.values():
        variants = by_config.setdefault(run.name, OrderedDict())
        variants.setdefault(tuple(run.options), []).append(
            f'seed {run.seed} ({run.source})')
    return {n: v for n, v in by_config.items() if len(v) > 1}
