"""The compatibility layer applied on ``import cmpl_mm``."""
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import cmpl_mm  # noqa: F401
from cmpl_mm.utils import compat
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def test_mmaction_models_imports_after_cmpl_mm():
    code = ('import cmpl_mm, mmaction.models; '
            'from mmaction.models import Recognizer3D; print("ok")')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith('ok')


def test_drn_placeholder_only_when_missing(tmp_path, monkeypatch):
    complete = tmp_path / 'mmaction'
    (complete / 'models' / 'localizers' / 'drn').mkdir(parents=True)
    monkeypatch.setattr(compat, '_mmaction_dir', lambda: str(complete))
    assert not compat.drn_is_missing()
    assert compat.provide_missing_drn() is False
    broken = tmp_path / 'broken'
    (broken / 'models' / 'localizers').mkdir(parents=True)
    monkeypatch.setattr(compat, '_mmaction_dir', lambda: str(broken))
    assert compat.drn_is_missing()


def test_drn_placeholder_refuses_to_build():
    from mmaction.models.localizers import DRN
    if not compat.drn_is_missing():
        pytest.skip('this mmaction2 install has the real DRN')
    with pytest.raises(ImportError, match='DRN is not available'):
        DRN()


def _runner_like_checkpoint():
    buffer = HistoryBuffer()
    buffer.update(1.5)
    return dict(
        meta=dict(epoch=0, iter=4, seed=3),
        state_dict=dict(w=torch.ones(2)),
        message_hub=dict(
            log_scalars={'train/loss': buffer},
            runtime_info=dict(
                np_value=np.float64(2.0), arr=np.arange(3, dtype=np.int64))))


def test_safe_loading_accepts_runner_checkpoint(tmp_path):
    path = str(tmp_path / 'ok.pth')
    torch.save(_runner_like_checkpoint(), path)
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['iter'] == 4
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert buffer.current() == 1.5
    assert ckpt['message_hub']['runtime_info']['arr'].tolist() == [0, 1, 2]


class Foreign:
    """Stands for any object a checkpoint should not carry."""


def test_safe_loading_refuses_foreign_object(tmp_path):
    path = str(tmp_path / 'bad.pth')
    ckpt = _runner_like_checkpoint()
    ckpt['meta']['payload'] = Foreign()
    torch.save(ckpt, path)
    with pytest.raises(compat.UnsafeCheckpointError) as err:
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    message = str(err.value)
    assert 'bad.pth' in message and 'Foreign' in message
    assert 'convert_checkpoint.py' in message


def test_convert_checkpoint_makes_foreign_file_loadable(tmp_path):
    src, dst = str(tmp_path / 'bad.pth'), str(tmp_path / 'good.pth')
    ckpt = _runner_like_checkpoint()
    ckpt['meta']['payload'] = Foreign()
    torch.save(ckpt, src)
    # the trusted file's classes must be importable to unpickle it
    env = dict(os.environ, PYTHONPATH=os.path.dirname(__file__))
    out = subprocess.run(
        [sys.executable, 'tools/convert_checkpoint.py', src, dst],
        capture_output=True,
        text=True,
        env=env)
    assert out.returncode == 0, out.stderr
    loaded = CheckpointLoader.load_checkpoint(dst, map_location='cpu')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    assert 'payload' not in loaded['meta']
