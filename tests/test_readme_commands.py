"""Every shell command in README.md and docs/*.md is checked here: the
script exists and accepts every option the docs give it, the test and
install commands are the ones CI runs. (The demo itself runs in
``test_cli.py``; training, testing and the analysis tools in their own
tests.)"""
import contextlib
import glob
import io
import os.path as osp
import re
import runpy
import shlex
import sys

import pytest

from helpers import REPO_ROOT

DOCS = [osp.join(REPO_ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(REPO_ROOT, 'docs', '*.md')))


def doc_commands():
    """``(doc, command)`` for each command in a ```bash block (continuation
    lines joined, comments dropped)."""
    found = []
    for path in DOCS:
        text = open(path, encoding='utf-8').read()
        for block in re.findall(r'```bash\n(.*?)```', text, flags=re.S):
            block = block.replace('\\\n', ' ')
            for line in block.splitlines():
                line = line.split(' #')[0].strip()
                if line and not line.startswith('#'):
                    found.append((osp.relpath(path, REPO_ROOT), line))
    return found


COMMANDS = doc_commands()


def ci_lines():
    return [line.strip() for line in
            open(osp.join(REPO_ROOT, '.ci', 'run')).read().splitlines()]


def options_of(command):
    """Long options a command uses, optional ``[...]`` parts included."""
    return sorted(set(re.findall(r'(?<![\w-])(--[a-z][\w-]*)', command)))


@contextlib.contextmanager
def isolated(argv):
    saved_argv, saved_path = sys.argv, list(sys.path)
    sys.argv = argv
    try:
        yield
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path


def help_text(script):
    out = io.StringIO()
    with isolated([script, '--help']), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as info:
            runpy.run_path(osp.join(REPO_ROOT, script), run_name='__main__')
    assert info.value.code in (0, None), f'{script} --help failed'
    return out.getvalue()


def test_docs_have_commands():
    readme = [c for doc, c in COMMANDS if doc == 'README.md']
    assert 'python tools/run_demo.py' in readme
    assert 'python -m pytest tests -q -n auto --dist loadgroup' in readme


@pytest.mark.parametrize('doc, command', COMMANDS,
                         ids=[f'{d}:{c[:60]}' for d, c in COMMANDS])
def test_doc_command(doc, command):
    words = shlex.split(command.replace('[', ' ').replace(']', ' '))
    while words and re.fullmatch(r'[A-Z_]+=\S*', words[0]):
        words.pop(0)  # an environment setting before the command
    if words[:3] == ['python', '-m', 'pytest']:
        # a marker selection (the quick loop) runs a subset of CI's command
        full = command.split(' -m "')[0]
        assert full in ci_lines() or f'python {full}' in ci_lines(), \
            f'{doc}: CI does not run `{full}`'
        return
    if words[:2] == ['pip', 'install']:
        setup = open(osp.join(REPO_ROOT, 'setup.py')).read()
        for extra in re.findall(r'\.\[(\w+)\]', command):
            assert f"'{extra}':" in setup, f'{doc}: no extra [{extra}]'
        pins = [w for w in words if w.startswith('torch==')]
        ci_pin = re.search(r'torch==\S+', '\n'.join(ci_lines())).group(0)
        assert all(p == ci_pin for p in pins), f'{doc}: {pins} != {ci_pin}'
        return
    if words[0] == 'bash':
        assert osp.isfile(osp.join(REPO_ROOT, words[1])), command
        return
    assert words[0] == 'python' and words[1].startswith('tools/'), \
        f'{doc}: no check for `{command}`; add one to this test'
    script = words[1]
    assert osp.isfile(osp.join(REPO_ROOT, script)), f'{doc}: no {script}'
    text = help_text(script)
    missing = [o for o in options_of(command) if o not in text]
    assert not missing, f'{doc}: {script} has no {missing}'
