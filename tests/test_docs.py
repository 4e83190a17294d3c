"""The parts and algorithms tables of the README and docs/algorithms.md
list what the registries hold, with today's line counts."""
import os.path as osp
import re

import pytest
from mmaction.registry import MODELS

from cmpl_mm.models.pseudo_label import PART_KINDS, BaseWeightSchedule
from cmpl_mm.models.recognizers import (CONFIG_ONLY_ALGORITHMS,
                                        algorithm_classes)
from helpers import REPO_ROOT


def _read(path):
    with open(osp.join(REPO_ROOT, path), encoding='utf-8') as f:
        return f.read()


def registered_parts():
    """Every registered part and weight schedule (not the base classes)."""
    bases = [base for base, _ in PART_KINDS.values()] + [BaseWeightSchedule]
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if isinstance(cls, type) and issubclass(cls, tuple(bases))
                  and not name.startswith('Base'))


def section(text, title):
    """The text of a Markdown section, up to the next heading of its level."""
    level = re.match(r'#+', title).group()
    start = text.index(title)
    rest = text[start + len(title):]
    end = re.search(rf'^{level} ', rest, re.M)
    return rest[:end.start()] if end else rest


@pytest.mark.parametrize('doc,title', [('README.md', '## Algorithms'),
                                       ('docs/algorithms.md', '# How')])
def test_every_registered_part_is_documented(doc, title):
    text = section(_read(doc), title)
    missing = [p for p in registered_parts() if f'`{p}' not in text]
    assert missing == [], f'{doc} does not list {missing}'


@pytest.mark.parametrize('doc', ['README.md', 'docs/algorithms.md'])
def test_every_algorithm_is_in_the_algorithms_table(doc):
    text = _read(doc)
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    for name, cls in algorithm_classes().items():
        assert any(f'`{cls}`' in row for row in rows), (doc, cls)
        if name in CONFIG_ONLY_ALGORITHMS:  # named by their configs
            assert f'{name}_' in text, (doc, name)


def test_line_counts_in_the_algorithms_tables_are_today_s():
    """``(`file.py`, N`` in the algorithms table and ``| `path` | N (new)``
    rows of "Add an algorithm" give the file's current length."""
    text = _read('docs/algorithms.md')
    found = 0
    for file, count in re.findall(r"\(`(\w+\.py)`, (\d+)", text):
        path = osp.join(REPO_ROOT, 'cmpl_mm/models/recognizers', file)
        assert len(open(path).read().splitlines()) == int(count), file
        found += 1
    for path, count in re.findall(r'^\| `([\w/.-]+)` \| (\d+) \(new\)', text,
                                  re.M):
        assert len(open(osp.join(REPO_ROOT, path)).read().splitlines()) \
            == int(count), path
        found += 1
    assert found >= 10
