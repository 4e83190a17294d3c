"""LTG: the cross-modal alignment loss against a hand computation, the
pooled pseudo-labels and which network the alignment trains."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import ConfigError, check_config
from cmpl_mm.models.losses import (CrossModalAlignmentLoss,
                                   CrossModalContrastiveLoss)
from cmpl_mm.models.losses.cross_modal_contrastive import info_nce
from cmpl_mm.models.pseudo_label import take_record
from helpers import REPO_ROOT
from reference_steps import fixed_batch

CONFIG = f'{REPO_ROOT}/configs/ltg_r3d18q_synthetic.py'


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


def test_alignment_loss_by_hand():
    """sum over stages of 1 - mean over (n, t, h, w) of cos over c."""
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).T.reshape(1, 2, 2, 1, 1)
    b = torch.tensor([[1.0, 0.0], [1.0, 1.0]]).T.reshape(1, 2, 2, 1, 1)
    # position 0: cos((1, 0), (1, 0)) = 1; position 1: cos((0, 1), (1, 1))
    expected = 1 - (1 + 2**-0.5) / 2
    loss = CrossModalAlignmentLoss(loss_weight=2.0)
    assert float(loss([a], [b])) == pytest.approx(2 * expected)
    assert float(loss([a, a], [b, a])) == pytest.approx(2 * expected)
    # the other modality's map is pooled to the student's size
    longer = torch.cat([b, b], dim=2)
    assert float(loss([a], [longer])) == pytest.approx(
        2 * float(1 - F.cosine_similarity(
            a, F.adaptive_avg_pool3d(longer, (2, 1, 1)), dim=1).mean()))
    with pytest.raises(ValueError, match='same clips and channels'):
        loss([a], [torch.zeros(1, 3, 2, 1, 1)])


def test_pseudo_labels_pool_both_networks_and_alignment_trains_rgb_only():
    cfg = Config.fromfile(CONFIG)
    cfg.model.semi_train_cfg.update(warmup_iters=0, threshold=0.0)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.eval()  # no dropout: the hand computation sees the same logits
    data = model.data_preprocessor(fixed_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    record = take_record()
    weak = data['inputs']['weak']
    with torch.no_grad():
        rgb = model.primary.cls_head(model.primary.extract_feat(weak)[0])
        tg_in = model.network_inputs('auxiliary', weak)
        tg = model.auxiliary.cls_head(model.auxiliary.extract_feat(tg_in)[0])
    pooled = ((rgb + tg) / 2).softmax(1)
    assert torch.equal(record.students['primary'].labels, pooled.argmax(1))
    assert torch.equal(record.students['auxiliary'].labels,
                       pooled.argmax(1))
    assert record.students['primary'].teacher == 'primary+auxiliary'
    # the alignment moves the RGB network only (the TG side is detached)
    model.zero_grad()
    losses['loss_align'].backward(retain_graph=True)
    rgb_grad = model.primary.backbone.conv1.conv.weight.grad
    tg_grad = model.auxiliary.backbone.conv1.conv.weight.grad
    assert rgb_grad is not None and rgb_grad.abs().sum() > 0
    assert tg_grad is None or tg_grad.abs().sum() == 0
    # the contrastive term moves both networks and its own heads
    model.zero_grad()
    losses['loss_contrast'].backward()
    for net in (model.primary, model.auxiliary):
        assert net.backbone.conv1.conv.weight.grad.abs().sum() > 0
    assert all(p.grad is not None for p in model.contrastive.parameters())
    # the heads are not part of the deployed network
    assert not any(m is model.contrastive for m in model.primary.modules())


def test_info_nce_by_hand():
    """-log softmax_k(q_i . k_k / tau) at k = i, vectors normalised."""
    q = torch.tensor([[3.0, 0.0], [0.0, 2.0]])
    k = torch.tensor([[1.0, 1.0], [0.0, 1.0]])
    s = 2**-0.5
    sims = torch.tensor([[s, 0.0], [s, 1.0]]) / 0.5
    expected = (-sims[0].log_softmax(0)[0] - sims[1].log_softmax(0)[1]) / 2
    assert float(info_nce(q, k, 0.5)) == pytest.approx(float(expected))


def test_contrastive_loss_is_symmetric_and_weighted():
    torch.manual_seed(0)
    loss = CrossModalContrastiveLoss(in_channels=4, hidden_channels=8,
                                     out_channels=6, loss_weight=0.5)
    a, b = torch.randn(5, 4, 2, 3, 3), torch.randn(5, 4, 1, 3, 3)
    value = loss(a, b)
    z_a, z_b = loss.heads[0](a), loss.heads[1](b)
    # the last batch norm has no affine parameters: unit-variance outputs
    assert torch.allclose(z_a.mean(0), torch.zeros(6), atol=1e-5)
    expected = 0.5 * (info_nce(z_a, z_b, 0.5) + info_nce(z_b, z_a, 0.5))
    assert float(value.detach()) == pytest.approx(float(expected.detach()),
                                                  rel=1e-5)
    with pytest.raises(ValueError, match='same clips and channels'):
        loss(a, torch.randn(4, 4, 1, 3, 3))
    with pytest.raises(ValueError, match='temperature'):
        CrossModalContrastiveLoss(in_channels=4, temperature=0)


@pytest.mark.parametrize('options,expected', [
    ({'model.auxiliary.backbone.base_channels': 8},
     'model.auxiliary.backbone.base_channels=8 differs from '
     'model.primary.backbone.base_channels=16'),
    ({'model.semi_train_cfg.teacher': dict(type='EMATeacher')},
     "LTGRecognizer pools both live networks' weak views"),
])
def test_bad_ltg_configs_are_named_before_the_run(options, expected):
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(options)
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)
