"""Mixing the student's unlabeled clips: the mixes, the mixed targets and
the loss the recognizer computes with them."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import ConfigError, check_config
from cmpl_mm.models.pseudo_label import (MixDraw, MixupClips, TubeCutMix,
                                         take_record)
from helpers import REPO_ROOT
from reference_steps import fixed_batch


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


def clips(n=4):
    torch.manual_seed(0)
    return torch.randn(n, 1, 3, 4, 8, 8)


def test_mixup_blends_clips_and_targets_alike():
    x = clips()
    draw = MixDraw(torch.tensor([1, 0, 3, 2]), torch.full((4, ), 0.7))
    mixed = MixupClips().mix_inputs(x, draw)
    assert torch.allclose(mixed, 0.7 * x + 0.3 * x[[1, 0, 3, 2]])
    q = torch.eye(4)
    w = torch.tensor([1.0, 0.0, 1.0, 1.0])
    targets, weights = MixupClips.mix_targets(q, w, draw)
    assert torch.allclose(targets[0], torch.tensor([0.7, 0.3, 0, 0]))
    assert torch.allclose(weights, torch.tensor([0.7, 0.3, 1.0, 1.0]))


def test_tube_cutmix_pastes_one_box_through_every_frame():
    torch.manual_seed(3)
    x = clips()
    mix = TubeCutMix(alpha=1.0)
    draw = mix.draw(x)
    x1, y1, x2, y2 = draw.box
    area = (x2 - x1) * (y2 - y1)
    assert 0 < area < 64
    assert torch.allclose(draw.lam, torch.full((4, ), 1 - area / 64))
    mixed = mix.mix_inputs(x, draw)
    inside = torch.zeros(8, 8, dtype=torch.bool)
    inside[y1:y2, x1:x2] = True
    assert torch.equal(mixed[..., inside], x[draw.perm][..., inside])
    assert torch.equal(mixed[..., ~inside], x[..., ~inside])
    with pytest.raises(ValueError, match='alpha'):
        TubeCutMix(alpha=0)


def test_the_student_fits_mixed_targets_on_the_mixed_clips(monkeypatch):
    """FixMatch + MixupClips with a known draw: the loss is the soft CE of
    the mixed strong clips against the mixed one-hot targets, weighted by
    the mixed mask, over the whole batch."""
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/fixmatch_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.update(
        warmup_iters=0, threshold=0.15, mix=dict(type='MixupClips'),
        loss=dict(type='SoftPseudoLabelCrossEntropy'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.eval()  # no dropout
    draw = MixDraw(torch.tensor([1, 0, 3, 2]), torch.full((4, ), 0.6))
    monkeypatch.setattr(model.pseudo_labelers['primary'].mix, 'draw',
                        lambda x: draw)
    data = model.data_preprocessor(fixed_batch(), True)

    def logits(x):
        return model.primary.cls_head(model.primary.extract_feat(x)[0])

    with torch.no_grad():
        probs = logits(data['inputs']['weak']).softmax(1)
        # a threshold between the clips' confidences: some pass, some not
        model.pseudo_labelers['primary'].mask.threshold = float(
            probs.max(1)[0].median())
        strong = data['inputs']['strong']
        student = logits(0.6 * strong + 0.4 * strong[[1, 0, 3, 2]])
    losses = model.loss(data['inputs'], data['data_samples'])
    take_record()
    conf, labels = probs.max(1)
    w = (conf >= float(conf.median())).float()
    q = F.one_hot(labels, probs.shape[1]).float()
    q_mix = 0.6 * q + 0.4 * q[[1, 0, 3, 2]]
    w_mix = 0.6 * w + 0.4 * w[[1, 0, 3, 2]]
    expected = (w_mix * -(q_mix * student.log_softmax(1)).sum(1)).mean()
    assert 0 < float(w.mean()) < 1  # the mask mattered
    assert float(losses['unsup_loss_cls'].detach()) == pytest.approx(
        float(expected), rel=1e-4)
    assert float(losses['unsup_mask_ratio']) == float(w.mean())


def test_each_cmpl_network_mixes_its_own_strong_view():
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/cmpl-ema_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.update(
        warmup_iters=0, mix=dict(type='TubeCutMix'),
        loss=dict(type='SoftPseudoLabelMSE'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.mark_ema_hooked()
    data = model.data_preprocessor(fixed_batch(), True)
    inputs = {n: model.network_inputs(n, data['inputs'])
              for n in model.networks()}
    before = {n: x['strong'].clone() for n, x in inputs.items()}
    draws = model.mix_student_inputs(inputs)
    assert sorted(draws) == ['auxiliary', 'primary']
    for name, draw in draws.items():
        mixed = inputs[name]['strong']
        assert torch.equal(mixed, model.pseudo_labelers[name].mix.mix_inputs(
            before[name], draw))
    losses = model.loss(data['inputs'], data['data_samples'])
    take_record()
    assert {'unsup_loss_cls', 'unsup_aux_loss_cls'} <= set(losses)


@pytest.mark.parametrize('config,semi_train_cfg,expected', [
    ('fixmatch', dict(mix=dict(type='TubeCutMix')),
     'TubeCutMix mixes the targets into distributions, but '
     'PseudoLabelCrossEntropy fits hard ones'),
    ('fixmatch', dict(mix=dict(type='TubeMix')),
     "mix.type='TubeMix': not a registered student-input mix"),
    ('mvpl', dict(mix=dict(type='MixupClips'),
                  loss=dict(type='SoftPseudoLabelCrossEntropy')),
     'MvPLRecognizer does not mix'),
])
def test_bad_mixes_are_named_before_the_run(config, semi_train_cfg, expected):
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/{config}_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.update(semi_train_cfg)
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)
