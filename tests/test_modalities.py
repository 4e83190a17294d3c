"""Temporal-gradient views: the formula, which network sees what, and the
checks before a run."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import ConfigError, check_config
from cmpl_mm.models.modalities import temporal_gradient, to_modality
from cmpl_mm.models.pseudo_label import take_record
from helpers import REPO_ROOT
from reference_steps import fixed_batch

CONFIG = f'{REPO_ROOT}/configs/cmpl-tg_r3d18q_synthetic.py'


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


def test_temporal_gradient_of_a_known_clip():
    """Frame t of channel c holds c * t^2: its gradient is c * (2t + 1)."""
    t = torch.arange(5.0)
    c = torch.arange(1.0, 4.0)
    clip = (c[:, None] * t[None]**2)[:, :, None, None].expand(3, 5, 2, 2)
    batch = clip[None, None].clone()  # (N, num_crops, C, T, H, W)
    tg = temporal_gradient(batch)
    assert tg.shape == (1, 1, 3, 4, 2, 2)
    expected = (c[:, None] * (2 * t[:4] + 1)[None])[:, :, None, None]
    assert torch.equal(tg[0, 0], expected.expand(3, 4, 2, 2))
    assert to_modality(batch, 'rgb') is batch
    with pytest.raises(ValueError, match='at least 2 frames'):
        temporal_gradient(batch[..., :1, :, :])
    with pytest.raises(ValueError, match="'flow' needs clips with flow"):
        to_modality(batch, 'flow')  # RGB clips (tests/test_flow_view.py)
    with pytest.raises(ValueError, match="modality='depth'"):
        to_modality(batch, 'depth')


def test_the_tg_auxiliary_sees_the_gradient_of_the_same_clips():
    """In CMPL-TG every view reaching the auxiliary is the TG of the clip
    the primary sees (after the same preprocessing and augmentation)."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.semi_train_cfg.update(warmup_iters=0, threshold=0.0)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    seen = {}

    def spy(name, net):
        extract = net.extract_feat

        def wrapped(inputs, *args, **kwargs):
            seen.setdefault(name, []).append(inputs.detach().clone())
            return extract(inputs, *args, **kwargs)
        net.extract_feat = wrapped

    spy('primary', model.primary)
    spy('auxiliary', model.auxiliary)
    batch = fixed_batch()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0))
    losses = model.train_step(batch, optim)
    take_record()
    (primary, ), (auxiliary, ) = seen['primary'], seen['auxiliary']
    assert primary.shape[-3] == 8 and auxiliary.shape[-3] == 7
    assert torch.allclose(auxiliary, temporal_gradient(primary))
    views = torch.cat([data['inputs'][v] for v in ('sup', 'weak', 'strong')])
    assert torch.allclose(primary, views)
    assert 'unsup_aux_loss_cls' in losses
    # predict: primary on RGB; the auxiliary (when evaluated) on TG
    model.evaluate_auxiliary = True
    seen.clear()
    val = data['inputs']['sup']
    samples = model.predict(val, copy.deepcopy(data['data_samples']['sup']))
    assert seen['primary'][0].shape[-3] == 8
    assert seen['auxiliary'][0].shape[-3] == 7
    assert 'aux_pred_score' in samples[0]


@pytest.mark.parametrize('modality,expected', [
    (dict(auxiliary='depth'),
     "model.semi_train_cfg.modality.auxiliary='depth': must be one of"),
    (dict(helper='tg'),
     'model.semi_train_cfg.modality.helper: no such network'),
    ('depth', "model.semi_train_cfg.modality='depth': must be one of"),
])
def test_bad_modalities_are_named_before_the_run(modality, expected):
    cfg = Config.fromfile(CONFIG)
    cfg.model.semi_train_cfg.modality = modality
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)
    with pytest.raises(ConfigError):
        MODELS.build(cfg.model)


def test_a_tg_view_of_one_frame_clips_is_refused():
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(
        {'train_dataloader.dataset.labeled.pipeline.1.clip_len': 1})
    with pytest.raises(ConfigError, match=r"'tg' needs clips of at least 2 "
                       r'frames, but train_dataloader.dataset.labeled.'
                       r'pipeline.1.clip_len=1'):
        check_config(cfg)
