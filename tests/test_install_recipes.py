"""The install recipes of docs/install.md (and the README's copy of them)
are consistent: later pip commands keep the earlier commands' version caps,
and (slow, needs the package index, opt-in with CMPL_MM_CHECK_INSTALL=1)
each recipe resolves, with pip's dry
run, to one OpenCV distribution and a numpy that its torch was built for.
"""
import json
import os
import os.path as osp
import re
import shlex
import socket
import subprocess
import sys
from urllib.parse import urlparse

import pytest

from helpers import REPO_ROOT

INSTALL_DOC = osp.join(REPO_ROOT, 'docs', 'install.md')
STUB = './requirements/opencv-python-stub'
OPENCV = ('opencv-python', 'opencv-contrib-python', 'opencv-python-headless',
          'opencv-contrib-python-headless')


def recipes():
    """``{title: (python_range, [pip command words, ...])}`` for every
    ``### Recipe: ...`` section of docs/install.md."""
    text = open(INSTALL_DOC, encoding='utf-8').read()
    found = {}
    for title, body in re.findall(r'^### Recipe: (.+?)\n(.*?)(?=^#|\Z)', text,
                                  re.S | re.M):
        block = re.search(r'```(?:bash|sh)\n(.*?)```', body, re.S).group(1)
        lines = [shlex.split(line.split(' #')[0])
                 for line in block.splitlines() if line.strip()]
        lo, hi = re.search(r'Python (3\.\d+)-(3\.\d+)', title).groups()
        found[title] = ((lo, hi), [w for w in lines if w[:1] == ['pip']])
    return found


RECIPES = recipes()


def constraint_files(words):
    return [words[i + 1] for i, w in enumerate(words) if w in ('-c',
                                                                '--constraint')]


def requirement_args(words):
    """What a ``pip install`` command asks for, index options dropped."""
    args, skip = [], False
    for w in words[2:]:
        if skip:
            skip = False
        elif w in ('--index-url', '-i', '--extra-index-url', '-f',
                   '--find-links'):
            skip = True
        elif w in ('-c', '--constraint', '-e'):
            args.append(w)
        elif not w.startswith('-') or args[-1:] in (['-c'], ['-e']):
            args.append(w)
    return args


def caps(words):
    """``{name: specifier}`` for requirements with a version bound other
    than an exact pin of torch (setup.py bounds torch)."""
    found = {}
    for w in requirement_args(words):
        m = re.fullmatch(r'([A-Za-z0-9_.-]+)\s*([<>!~=].*)', w)
        if m and m.group(1).lower() != 'torch':
            found[m.group(1).lower()] = m.group(2)
    for path in constraint_files(words):
        for line in open(osp.join(REPO_ROOT, path)):
            m = re.match(r'([A-Za-z0-9_.-]+)\s*([<>!~=][^#\s]*)', line)
            if m:
                found.setdefault(m.group(1).lower(), m.group(2))
    return found


def test_docs_have_the_recipes():
    assert set(RECIPES) >= {'CPU, Python 3.10-3.14', 'GPU, Python 3.10-3.14',
                            'GPU with full mmcv, Python 3.10-3.11'}
    readme = open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8').read()
    for title in ('CPU, Python 3.10-3.14', 'GPU, Python 3.10-3.14'):
        for words in RECIPES[title][1]:
            # the README quotes the two short recipes word for word
            assert ' '.join(shlex.quote(w) for w in words).replace(
                "'.[tests]'", '".[tests]"') in readme, words
    for title, (_, commands) in RECIPES.items():
        installs = [w for w in commands if w[1] == 'install']
        assert any(STUB in w for w in installs), f'{title}: no OpenCV stub'
        for words in installs:
            for path in constraint_files(words):
                assert osp.isfile(osp.join(REPO_ROOT, path)), path


def later_commands_drop(commands):
    """The caps an earlier ``pip install`` sets that a later one drops."""
    dropped, seen = [], {}
    for words in commands:
        if words[1] != 'install':
            continue
        now = caps(words)
        dropped += [f'{n}{s}' for n, s in seen.items() if now.get(n) != s]
        seen.update(now)
    return dropped


@pytest.mark.parametrize('title', sorted(RECIPES))
def test_later_commands_keep_the_version_caps(title):
    assert later_commands_drop(RECIPES[title][1]) == []


def test_the_old_full_mmcv_recipe_fails_the_cap_check():
    old = [['pip', 'install', 'torch==2.1.2', 'numpy<2'],
           ['pip', 'install', '-e', '.']]
    assert later_commands_drop(old) == ['numpy<2']


# ------------------------------------------------ dry-run resolve (slow)
def version_tuple(v):
    return tuple(int(x) for x in re.findall(r'\d+', v.split('+')[0])[:2])


def resolve_problems(report):
    """What is wrong with a ``pip install --report`` resolve."""
    got = {i['metadata']['name'].lower(): i for i in report['install']}
    version = {n: i['metadata']['version'] for n, i in got.items()}
    problems = []
    real_cv = [n for n in OPENCV if n in got and not got[n]['download_info'][
        'url'].startswith('file:')]
    if len(real_cv) != 1:
        problems.append(f'OpenCV distributions: {real_cv}')
    torch = version.get('torch')
    if torch is None:
        problems.append('no torch')
    else:
        if not (2, 1) <= version_tuple(torch) < (2, 14):
            problems.append(f'torch {torch} outside setup.py range')
        numpy = version_tuple(version.get('numpy', '0'))
        if version_tuple(torch) < (2, 4) and numpy >= (2, 0):
            problems.append(f'numpy {version["numpy"]} with torch {torch} '
                            '(built against numpy 1.x)')
    return problems


def index_reachable():
    """The configured index (or PyPI) answers a TCP connection (behind a
    proxy, pip's own failure decides: see ``dry_run``)."""
    if any(os.environ.get(k) for k in ('HTTPS_PROXY', 'https_proxy')):
        return True
    out = subprocess.run([sys.executable, '-m', 'pip', 'config', 'list'],
                         capture_output=True, text=True).stdout
    urls = re.findall(r"index-url='([^']+)'", out) + ['https://pypi.org']
    for url in urls:
        host = urlparse(url.split()[0])
        if host.scheme == 'file':
            continue
        try:
            socket.create_connection(
                (host.hostname, host.port or 443), timeout=5).close()
            return True
        except OSError:
            continue
    return False


def dry_run(args, tmp_path):
    report = tmp_path / 'report.json'
    cmd = [sys.executable, '-m', 'pip', 'install', '--dry-run',
           '--ignore-installed', '--no-build-isolation', '--quiet',
           '--report', str(report)] + args
    out = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=540)
    if out.returncode != 0:
        if re.search(r'(?i)connection|network|temporary failure|timed out',
                     out.stderr):
            pytest.skip('package index unreachable: ' + out.stderr[-300:])
        pytest.fail(f'{args} did not resolve:\n{out.stderr[-2000:]}')
    return json.loads(report.read_text())


@pytest.fixture(scope='module')
def online():
    # each resolve downloads wheels (torch 2.1.2's: minutes): opt-in, so
    # the README's test command stays within its time budget
    if os.environ.get('CMPL_MM_CHECK_INSTALL') != '1':
        pytest.skip('set CMPL_MM_CHECK_INSTALL=1 to resolve the install '
                    'recipes against the package index (minutes)')
    if not index_reachable():
        pytest.skip('package index unreachable')


def python_in(lo_hi):
    lo, hi = (version_tuple(v) for v in lo_hi)
    return lo <= sys.version_info[:2] <= hi


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize('title', sorted(RECIPES))
def test_recipe_resolves_to_a_consistent_set(title, tmp_path, online):
    python, commands = RECIPES[title]
    if not python_in(python):
        pytest.skip(f'{title}: not for Python {sys.version.split()[0]}')
    args = []
    for words in commands:
        # a command that names a wheel index of its own (-f: OpenMMLab's
        # mmcv wheels) is left out: only the package registry is reached
        if words[1] == 'install' and not {'-f', '--find-links'} & set(words):
            args += [a for a in requirement_args(words) if a not in args]
    assert resolve_problems(dry_run(args, tmp_path)) == []


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_check_catches_numpy_2_next_to_torch_2_1(tmp_path, online):
    """The full-mmcv recipe without its numpy cap: the newest OpenCV pulls
    numpy 2 next to torch 2.1, and the check says so."""
    if not python_in(('3.10', '3.11')):
        pytest.skip('torch 2.1.2 has no wheels for this Python')
    report = dry_run(['torch==2.1.2', '-e', '.', STUB], tmp_path)
    problems = resolve_problems(report)
    assert len(problems) == 1 and problems[0].startswith('numpy 2.'), \
        problems
