"""SVFormer: TubeTokenMix on tiny video transformers, and the recognizer's
two unlabeled terms against hand computations."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import ConfigError
from cmpl_mm.models.model_check import model_problems
from cmpl_mm.models.pseudo_label import MixDraw, TubeTokenMix, take_record
from cmpl_mm.models.pseudo_label.mixing import mixed_forward
from helpers import REPO_ROOT
from reference_steps import fixed_batch

BACKBONES = {
    'VisionTransformer': dict(
        type='VisionTransformer', img_size=32, patch_size=8, embed_dims=24,
        depth=1, num_heads=2, num_frames=4, tubelet_size=2,
        norm_cfg=dict(type='LN', eps=1e-6)),
    'TimeSformer': dict(
        type='TimeSformer', num_frames=4, img_size=32, patch_size=8,
        embed_dims=24, num_heads=2, num_transformer_layers=1),
}


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')
    take_record()


def tiny_net(backbone):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='Recognizer3D', backbone=BACKBONES[backbone],
        cls_head=dict(type='TimeSformerHead', num_classes=3, in_channels=24)))


def tokens_of(net, x):
    out = net.backbone.patch_embed(x)
    return out[0] if isinstance(out, tuple) else out


def patch_swap(clips, partner, take, patch=8):
    """Pixel-level reference: the patches at ``take`` (row-major over the
    patch grid) copied from ``partner`` on every frame."""
    out = clips.clone()
    grid_w = clips.shape[-1] // patch
    for pos in torch.nonzero(take).flatten().tolist():
        r, c = divmod(pos, grid_w)
        rows, cols = slice(r * patch, (r + 1) * patch), slice(
            c * patch, (c + 1) * patch)
        out[..., rows, cols] = partner[..., rows, cols]
    return out


@pytest.mark.parametrize('backbone', list(BACKBONES))
def test_tube_token_mix_swaps_one_patch_set_in_every_frame_of_mixed_rows(
        backbone):
    """The same positions on every frame (temporal token) and clip, equal
    to swapping those pixel patches; the labeled rows untouched."""
    net = tiny_net(backbone)
    sup, strong = torch.randn(2, 1, 3, 4, 32, 32), torch.randn(
        3, 1, 3, 4, 32, 32)
    torch.manual_seed(2)
    draw = TubeTokenMix(alpha=1.0).draw_for(strong, net)
    count = int(draw.tokens.sum())
    assert draw.tokens.shape == (16, ) and 0 < count < 16
    assert torch.allclose(draw.lam, torch.full((3, ), 1 - count / 16))
    x = torch.cat([sup, strong]).flatten(0, 1)
    with torch.no_grad():
        plain = tokens_of(net, x)
        with mixed_forward(net, ('strong', draw), ['sup', 'strong'],
                           [sup, strong]):
            mixed = tokens_of(net, x)
        # the patch embedding is linear per patch: swapping tokens equals
        # embedding the clips with those patches swapped on every frame
        s = strong.flatten(0, 1)
        swapped = tokens_of(net, patch_swap(s, s[draw.perm], draw.tokens))
    assert torch.equal(mixed[:plain.shape[0] * 2 // 5], plain[
        :plain.shape[0] * 2 // 5])  # the labeled rows are untouched
    assert torch.allclose(mixed[plain.shape[0] * 2 // 5:], swapped,
                          atol=1e-6)
    assert not torch.allclose(mixed, plain)
    # outside the hook the network is itself again
    assert torch.equal(tokens_of(net, x).detach(), plain)


def test_mixed_targets_sum_to_one_and_weigh_each_clip_by_its_tokens():
    draw = MixDraw(torch.tensor([2, 0, 1]), torch.full((3, ), 1 - 5 / 16),
                   tokens=torch.arange(16) < 5)
    y = torch.tensor([[1., 0, 0], [0.2, 0.5, 0.3], [0, 0, 1]])
    m = torch.tensor([1., 0., 1.])
    targets, weights = TubeTokenMix.mix_targets(y, m, draw)
    assert torch.allclose(targets.sum(1), torch.ones(3))
    assert torch.allclose(targets[0], 11 / 16 * y[0] + 5 / 16 * y[2])
    assert torch.allclose(weights, 11 / 16 * m + 5 / 16 * m[[2, 0, 1]])


def svformer(**semi_train_cfg):
    """The demo SVFormer config with a one-block ViT (fast)."""
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/svformer_vit-tiny_synthetic.py')
    cfg.model.primary.backbone.update(depth=1, embed_dims=24, num_heads=2)
    cfg.model.primary.cls_head.in_channels = 24
    cfg.model.semi_train_cfg.update(warmup_iters=0, **semi_train_cfg)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.mark_ema_hooked()
    return model


def test_svformer_losses_against_a_hand_computation(monkeypatch):
    """L_un: masked CE of the unmixed strong view, whole colour channels
    dropped (p 0.2, kept ones scaled by 1.25), against the EMA's hard
    labels; L_mix: squared error of the token-mixed strong view's logits
    against lam t_i + (1 - lam) t_perm(i), t = one-hot if confident else
    p, weighted by lam m_i + (1 - lam) m_perm(i)."""
    model = svformer(mix_weight=2.0)
    model.eval()
    lam = 1 - 17 / 49  # 17 of the 7x7 patch positions from the partner
    draw = MixDraw(torch.tensor([1, 0, 3, 2]), torch.full((4, ), lam),
                   tokens=torch.arange(49) % 3 == 0)
    monkeypatch.setattr(model.mix_term, 'draw_for', lambda x, net: draw)
    data = model.data_preprocessor(fixed_batch(), True)
    net, ema = model.primary, model.ema_networks['primary'].network

    def logits(network, x):
        return network.cls_head(network.extract_feat(x)[0])

    with torch.no_grad():
        probs = logits(ema, data['inputs']['weak']).softmax(1)
        conf, labels = probs.max(1)
        threshold = float(conf.median())
        model.pseudo_labelers['primary'].mask.threshold = threshold
        strong = data['inputs']['strong']
        torch.manual_seed(5)  # the step's first draw is the dropout's
        keep = torch.rand(strong.shape[:-3] + (1, 1, 1)) >= 0.2
        assert 0 < int(keep.sum()) < keep.numel()
        plain = logits(net, strong * keep / 0.8)
        # the mixed clips are taken before the dropout
        with mixed_forward(net, ('mixed', draw), ['mixed'], [strong]):
            mixed = logits(net, strong)
    with torch.no_grad():
        torch.manual_seed(5)
        losses = model.loss(data['inputs'], data['data_samples'])
    m = (conf >= threshold).float()
    assert 0 < float(m.mean()) < 1  # some clips confident, some not
    l_un = (m * F.cross_entropy(plain, labels, reduction='none')).mean()
    t = torch.where(m[:, None] > 0, F.one_hot(labels, 8).float(), probs)
    y = lam * t + (1 - lam) * t[[1, 0, 3, 2]]
    w = lam * m + (1 - lam) * m[[1, 0, 3, 2]]
    l_mix = (w * ((mixed - y)**2).mean(1)).mean()
    assert float(losses['unsup_loss_cls']) == pytest.approx(
        float(l_un), rel=1e-4)
    assert float(losses['unsup_loss_mix']) == pytest.approx(
        2 * float(l_mix), rel=1e-4)
    assert float(losses['unsup_mask_ratio']) == float(m.mean())
    assert take_record().students['primary'].teacher == 'ema_primary'


def test_unlabeled_labels_never_reach_the_losses():
    """The same step twice, the unlabeled samples carrying different
    labels: identical losses and gradients."""
    runs = []
    for labels in ([0, 1, 2, 3], [3, 2, 1, 0]):
        model = svformer(threshold=0.0)
        batch = fixed_batch()
        for view in ('weak', 'strong'):
            for sample, label in zip(batch['data_samples'][view][2:],
                                     labels):
                sample.set_gt_label(label)
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        torch.manual_seed(1)
        losses = model.train_step(batch, optim)
        take_record()
        runs.append((losses, [p.detach().clone()
                              for p in model.parameters()]))
    (loss_a, params_a), (loss_b, params_b) = runs
    assert {'unsup_loss_cls', 'unsup_loss_mix'} <= set(loss_a)
    assert float(loss_a['unsup_loss_mix'].detach()) > 0
    for key in loss_a:
        assert torch.equal(loss_a[key], loss_b[key]), key
    for a, b in zip(params_a, params_b):
        assert torch.equal(a, b)


@pytest.mark.parametrize('config,key,semi_train_cfg', [
    ('fixmatch', 'mix', dict(mix=dict(type='TubeTokenMix'),
                             loss=dict(type='SoftPseudoLabelCrossEntropy'))),
    ('svformer', 'mix_term', dict(mix_term=dict(type='TubeTokenMix'))),
])
def test_a_token_mix_on_a_cnn_is_refused_in_one_line(config, key,
                                                     semi_train_cfg):
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/{config}_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.update(semi_train_cfg)
    problems = model_problems(cfg.model)
    assert len(problems) == 1
    assert problems[0].startswith(f'model.semi_train_cfg.{key}: TubeTokenMix')
    assert 'ResNet3d' in problems[0]
    with pytest.raises(ConfigError, match=f'semi_train_cfg.{key}: '):
        MODELS.build(cfg.model)


def test_svformer_keeps_its_own_mix_keys_apart():
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/svformer_r3d18q_synthetic.py')
    cfg.model.semi_train_cfg.update(
        mix=dict(type='MixupClips'), mix_weight=-1,
        loss=dict(type='SoftPseudoLabelCrossEntropy'))
    problems = model_problems(cfg.model)
    assert any(p.startswith('model.semi_train_cfg.mix: SVFormer')
               for p in problems), problems
    cfg.model.semi_train_cfg.update(mix=dict(type='NoMix'),
                                    loss=dict(type='PseudoLabelCrossEntropy'))
    assert model_problems(cfg.model) == [
        'model.semi_train_cfg.mix_weight=-1: must be a finite number >= 0']
    cfg.model.semi_train_cfg.update(mix_weight=1.0, strong_dropout=1.0)
    assert model_problems(cfg.model) == [
        'model.semi_train_cfg.strong_dropout=1.0: must be a probability in '
        '[0, 1)']


def test_channel_dropout_drops_whole_channels_of_each_clip():
    from cmpl_mm.models.recognizers.svformer import channel_dropout
    clips = torch.ones(64, 1, 3, 4, 5, 5)
    torch.manual_seed(0)
    out = channel_dropout(clips, 0.25)
    per_channel = out.flatten(3)
    # each (clip, channel) is all zero or all 1 / (1 - p)
    values = per_channel.amin(3).unique()
    assert torch.allclose(values, torch.tensor([0.0, 4 / 3]))
    assert torch.equal(per_channel.amin(3), per_channel.amax(3))
    assert 0.15 < float((per_channel[..., 0] == 0).float().mean()) < 0.35
    assert channel_dropout(clips, 0.0) is clips
