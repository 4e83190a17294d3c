"""The compatibility layer applied on ``import cmpl_mm``."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

import cmpl_mm  # noqa: F401
from cmpl_mm.utils import compat
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


@pytest.mark.slow
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


def test_multimodal_skipped_only_for_incompatible_transformers(
        tmp_path, monkeypatch):
    import importlib.util
    package = tmp_path / 'transformers'
    package.mkdir()
    (package / '__init__.py').write_text('')
    spec = importlib.util.spec_from_file_location(
        'transformers', str(package / '__init__.py'))
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: spec if name == 'transformers' else
                        None)
    (package / 'modeling_utils.py').write_text(
        'from .pytorch_utils import apply_chunking_to_forward\n')
    assert not compat.multimodal_is_incompatible()  # transformers 4.x
    (package / 'modeling_utils.py').write_text('class PreTrainedModel: ...\n')
    assert compat.multimodal_is_incompatible()  # transformers 5.x
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a: None)
    assert not compat.multimodal_is_incompatible()  # no transformers


def test_head_loss_accepts_bfloat16_scores():
    from mmaction.models import I3DHead
    from mmaction.structures import ActionDataSample
    head = I3DHead(num_classes=4, in_channels=8)
    samples = [ActionDataSample().set_gt_label(i) for i in (0, 3)]
    scores = torch.randn(2, 4)
    expected = head.loss_by_feat(scores, samples)
    got = head.loss_by_feat(scores.bfloat16(), samples)
    assert got['loss_cls'].dtype == torch.float32
    torch.testing.assert_close(
        got['loss_cls'], expected['loss_cls'], atol=0.05, rtol=0.05)
    assert set(got) == set(expected)
    assert compat.upcast_bfloat16_head_scores() is False  # idempotent


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


@pytest.mark.slow
def test_convert_checkpoint_makes_foreign_file_loadable(tmp_path):
    src, dst = str(tmp_path / 'bad.pth'), str(tmp_path / 'good.pth')
    ckpt = _runner_like_checkpoint()
    ckpt['meta']['payload'] = Foreign()
    torch.save(ckpt, src)
    # the trusted file's classes must be importable to unpickle it
    env = dict(os.environ, PYTHONPATH=os.path.dirname(__file__))
    out = subprocess.run(
        [sys.executable, 'tools/convert_checkpoint.py', src, dst],
        cwd=osp.dirname(osp.dirname(osp.abspath(__file__))),
        capture_output=True,
        text=True,
        env=env)
    assert out.returncode == 0, out.stderr
    loaded = CheckpointLoader.load_checkpoint(dst, map_location='cpu')
    assert torch.equal(loaded['state_dict']['w'], torch.ones(2))
    assert 'payload' not in loaded['meta']
