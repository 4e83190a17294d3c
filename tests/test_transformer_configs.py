"""Transformer configs: a ViT primary, and CMPL across architectures,
train a step from the same batch as the 3D CNNs."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.models.pseudo_label import take_record
from helpers import REPO_ROOT
from reference_steps import fixed_batch

TINY_VIT = dict(
    type='Recognizer3D',
    backbone=dict(type='VisionTransformer', img_size=56, patch_size=8,
                  embed_dims=48, depth=2, num_heads=3, num_frames=8,
                  tubelet_size=2, norm_cfg=dict(type='LN', eps=1e-6)),
    cls_head=dict(type='TimeSformerHead', in_channels=48,
                  average_clips='prob'))


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


def step(cfg):
    cfg.model.semi_train_cfg.update(warmup_iters=0, threshold=0.0)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    losses = model.train_step(fixed_batch(), optim)
    take_record()
    moved = {n.split('.')[0] for n, p in model.named_parameters()
             if not torch.equal(p, before[n])}
    return model, losses, moved


def test_the_tiny_vit_demo_config_trains_a_step():
    cfg = Config.fromfile(
        f'{REPO_ROOT}/configs/fixmatch_vit-tiny_synthetic.py')
    model, losses, moved = step(cfg)
    assert type(model.primary.backbone).__name__ == 'VisionTransformer'
    assert 'unsup_loss_cls' in losses and moved == {'primary'}


@pytest.mark.parametrize('network', ['primary', 'auxiliary'])
def test_cmpl_across_architectures_trains_both_networks(network):
    """A ViT in either seat of CMPL (the other a 3D ResNet)."""
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/cmpl_r3d18q_synthetic.py')
    vit = dict(TINY_VIT)
    if network == 'primary':
        vit['cls_head'] = dict(vit['cls_head'], num_classes=8)
    cfg.model[network] = vit
    model, losses, moved = step(cfg)
    assert type(getattr(model, network).backbone).__name__ == \
        'VisionTransformer'
    assert {'unsup_loss_cls', 'unsup_aux_loss_cls'} <= set(losses)
    assert moved == {'primary', 'auxiliary'}
