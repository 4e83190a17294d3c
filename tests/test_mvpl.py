"""MvPL: one network over RGB and temporal-gradient views, pseudo-labels
pooled over the views, against a hand computation."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import ConfigError, check_config
from cmpl_mm.models.modalities import temporal_gradient
from cmpl_mm.models.pseudo_label import take_record
from helpers import REPO_ROOT
from reference_steps import fixed_batch

CONFIG = f'{REPO_ROOT}/configs/mvpl_r3d18q_synthetic.py'


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


def build(**semi_train_cfg):
    cfg = Config.fromfile(CONFIG)
    cfg.model.semi_train_cfg.update(warmup_iters=0, **semi_train_cfg)
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('fuse', ['mean_probs', 'mean_logits'])
def test_losses_and_fusion_equal_the_hand_computation(fuse):
    """L_s = mean_v CE(f(x_v), y); target = argmax of the views' pooled
    weak-view prediction; L_u = mean_v mean_i m_i CE(f(u_v^s)_i, target_i)."""
    model = build(threshold=0.2, fuse=fuse)
    model.eval()  # no dropout: the hand computation sees the same logits
    data = model.data_preprocessor(fixed_batch(), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    take_record()

    def logits(clips):
        feats, _ = model.primary.extract_feat(clips)
        return model.primary.cls_head(feats)

    x = {v: data['inputs'][v] for v in ('sup', 'weak', 'strong')}
    tg = {v: temporal_gradient(c) for v, c in x.items()}
    y = torch.cat([s.gt_label for s in data['data_samples']['sup']])
    sup = (F.cross_entropy(logits(x['sup']), y) +
           F.cross_entropy(logits(tg['sup']), y)) / 2
    weak = torch.stack([logits(x['weak']), logits(tg['weak'])])
    probs = (weak.mean(0).softmax(1) if fuse == 'mean_logits'
             else weak.softmax(2).mean(0))
    conf, target = probs.max(1)
    mask = (conf >= 0.2).float()
    assert 0 < mask.mean() < 1 or mask.mean() == 1
    unsup = sum((F.cross_entropy(logits(v['strong']), target,
                                 reduction='none') * mask).mean()
                for v in (x, tg)) / 2
    assert float(losses['sup_loss_cls'].detach()) == pytest.approx(float(sup.detach()),
                                                          rel=1e-5)
    assert float(losses['unsup_loss_cls'].detach()) == pytest.approx(float(unsup.detach()),
                                                            rel=1e-5)
    assert float(losses['unsup_mask_ratio']) == float(mask.mean())


def test_predicts_on_rgb_or_on_every_view():
    model = build()
    model.eval()
    data = model.data_preprocessor(fixed_batch(), True)
    clips, samples = data['inputs']['sup'], data['data_samples']['sup']
    with torch.no_grad():
        rgb = model.predict(clips, copy.deepcopy(samples))
        plain = model.primary.predict(clips, copy.deepcopy(samples))
        tg = model.primary.predict(temporal_gradient(clips),
                                   copy.deepcopy(samples))
        model.test_views = 'all'
        both = model.predict(clips, copy.deepcopy(samples))
    assert torch.equal(rgb[0].pred_score, plain[0].pred_score)
    assert torch.allclose(both[0].pred_score,
                          (plain[0].pred_score + tg[0].pred_score) / 2)


@pytest.mark.parametrize('key,value,expected', [
    ('semi_train_cfg.views', ['tg'], 'model.semi_train_cfg.views='),
    ('semi_train_cfg.views', ['rgb', 'depth'], 'must list two or more'),
    # flow is a view, but the demo data has none
    ('semi_train_cfg.views', ['rgb', 'flow'],
     "model.semi_train_cfg.views: asks for 'flow', but train_dataloader"),
    ('semi_train_cfg.fuse', 'max', "model.semi_train_cfg.fuse='max'"),
    ('test_views', 'tg', "model.test_views='tg'"),
])
def test_bad_views_are_named_before_the_run(key, value, expected):
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict({f'model.{key}': value})
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert expected in str(err.value)
