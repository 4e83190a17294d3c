"""The compatibility layer applied on ``import cmpl_mm``."""
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import cmpl_mm  # noqa: F401
from cmpl_mm.compat import (bfloat16_head_scores, missing_drn,
                            multimodal_guard, safe_checkpoint_load,
                            version_guard)
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
    monkeypatch.setattr(missing_drn, '_mmaction_dir', lambda: str(complete))
    assert not missing_drn.drn_is_missing()
    assert missing_drn.provide_missing_drn() is False
    broken = tmp_path / 'broken'
    (broken / 'models' / 'localizers').mkdir(parents=True)
    monkeypatch.setattr(missing_drn, '_mmaction_dir', lambda: str(broken))
    assert missing_drn.drn_is_missing()


def test_drn_placeholder_refuses_to_build():
    from mmaction.models.localizers import DRN
    if not missing_drn.drn_is_missing():
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
    assert not multimodal_guard.multimodal_is_incompatible()  # transformers 4.x
    (package / 'modeling_utils.py').write_text('class PreTrainedModel: ...\n')
    assert multimodal_guard.multimodal_is_incompatible()  # transformers 5.x
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name, *a: None)
    assert not multimodal_guard.multimodal_is_incompatible()  # no transformers


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
    assert bfloat16_head_scores.upcast_bfloat16_head_scores() is False  # idempotent


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
    with pytest.raises(safe_checkpoint_load.UnsafeCheckpointError) as err:
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


# -- version guards ----------------------------------------------------------
def test_every_patch_names_the_versions_it_was_tested_with():
    import importlib
    import inspect
    import pkgutil

    import cmpl_mm.compat as package
    patches = [name for _, name, _ in pkgutil.iter_modules(package.__path__)
               if name != 'version_guard']
    # the package docstring is the one list of patches: each module in it
    assert patches and sorted(patches) == sorted(
        re.findall(r':mod:`\.(\w+)`', package.__doc__))
    for name in patches:
        module = importlib.import_module(f'cmpl_mm.compat.{name}')
        tested = module.TESTED_WITH
        # the range is checked where the patch acts, not only declared
        assert 'warn_if_untested(' in inspect.getsource(module), name
        assert tested and all(
            len(bounds) == 2 for bounds in tested.values()), name
        # the stack this suite runs on is the tested one
        assert version_guard.untested_versions(tested) == {}, name


def test_an_untested_version_warns_once_with_what_to_check(monkeypatch):
    versions = dict(mmengine='0.11.2', torch='2.13.0+cpu')
    monkeypatch.setattr(version_guard, 'installed_version', versions.get)
    monkeypatch.setattr(version_guard, '_warned', set())
    tested = dict(mmengine=('0.10.0', '0.11.0'), torch=('2.1.0', '2.14.0'))
    assert version_guard.untested_versions(tested) == dict(mmengine='0.11.2')
    with pytest.warns(version_guard.UntestedStackWarning) as record:
        assert version_guard.warn_if_untested('a patch', tested,
                                              'that X exists.')
        assert not version_guard.warn_if_untested('a patch', tested,
                                                  'that X exists.')
    assert len(record) == 1
    message = str(record[0].message)
    assert all(text in message for text in (
        '"a patch"', 'mmengine>=0.10.0,<0.11.0', 'mmengine 0.11.2',
        'that X exists.'))
    # a distribution that is not installed is not a reason to warn
    assert version_guard.untested_versions(dict(nothing=('1', '2'))) == {}


def test_a_patch_applied_on_untested_versions_warns(monkeypatch):
    monkeypatch.setattr(version_guard, 'installed_version',
                        lambda name: '9.0.0')
    monkeypatch.setattr(version_guard, '_warned', set())
    from mmaction.models.heads.base import BaseHead
    monkeypatch.setattr(BaseHead, 'loss_by_feat',
                        lambda self, scores, samples: scores)
    with pytest.warns(version_guard.UntestedStackWarning,
                      match='bfloat16 head scores.*loss_by_feat'):
        assert bfloat16_head_scores.upcast_bfloat16_head_scores()
