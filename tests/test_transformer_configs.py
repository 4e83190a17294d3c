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


def build_optim(model, **cfg):
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(
        model, dict(constructor='PerNetworkOptimWrapperConstructor', **cfg))


def test_cross_architecture_demo_config_gives_each_network_its_optimizer():
    """SGD for the 3D ResNet primary, AdamW for the ViT auxiliary; one
    training step moves both, each by its own optimizer."""
    from mmengine.optim import OptimWrapperDict
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/'
                          'cmpl_r3d18q-aux-vit-tiny_synthetic-24labels.py')
    cfg.model.semi_train_cfg.update(warmup_iters=0, threshold=0.0)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim(model, **{k: v for k, v in cfg.optim_wrapper.items()
                                  if k != 'constructor'})
    assert isinstance(optim, OptimWrapperDict)
    assert type(optim['primary'].optimizer).__name__ == 'SGD'
    assert type(optim['auxiliary'].optimizer).__name__ == 'AdamW'
    for name in ('primary', 'auxiliary'):  # each holds only its network
        owned = {id(p) for g in optim[name].param_groups for p in g['params']}
        assert owned == {id(p) for p in getattr(model, name).parameters()}
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    losses = model.train_step(fixed_batch(), optim)
    take_record()
    moved = {n.split('.')[0] for n, p in model.named_parameters()
             if not torch.equal(p, before[n])}
    assert {'unsup_loss_cls', 'unsup_aux_loss_cls'} <= set(losses)
    assert moved == {'primary', 'auxiliary'}
    assert all(p.grad is None or not p.grad.any()
               for p in model.parameters())  # zeroed for the next step


def test_per_network_optimizers_step_like_one_optimizer_each():
    """Per-network SGD equals one SGD over both networks with the same lr
    (one backward of the summed loss, then each network's step)."""
    from mmengine.model import BaseModel

    from cmpl_mm.models.recognizers.nonfinite_guard import NonFiniteGuardMixin

    class Pair(NonFiniteGuardMixin, BaseModel):

        def __init__(self):
            super().__init__()
            self.primary = torch.nn.Linear(3, 2)
            self.auxiliary = torch.nn.Linear(3, 2)

        def forward(self, inputs, data_samples=None, mode='loss'):
            return dict(loss=(self.primary(inputs) ** 2).sum()
                        + (self.auxiliary(inputs) ** 3).sum())

    torch.manual_seed(0)
    split, single = Pair(), Pair()
    single.load_state_dict(split.state_dict())
    sgd = dict(optimizer=dict(type='SGD', lr=0.1))
    split_optim = build_optim(split, primary=sgd, auxiliary=sgd)
    single_optim = OptimWrapper(torch.optim.SGD(single.parameters(), lr=0.1))
    batch = dict(inputs=torch.randn(4, 3))
    for model, optim in ((split, split_optim), (single, single_optim)):
        model.train_step(batch, optim)
    for a, b in zip(split.parameters(), single.parameters()):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('cfg, key', [
    (dict(primary=dict(optimizer=dict(type='SGD', lr=0.1)),
          head=dict(optimizer=dict(type='SGD', lr=0.1))),
     'optim_wrapper.head'),
    (dict(primary=dict(optimizer=dict(type='SGD', lr=0.1))),
     'auxiliary'),  # the auxiliary's parameters would never train
    (dict(primary=dict(type='AmpOptimWrapper',
                       optimizer=dict(type='SGD', lr=0.1)),
          auxiliary=dict(optimizer=dict(type='SGD', lr=0.1))),
     'optim_wrapper.primary.type'),
    (dict(primary=dict(lr=0.1), auxiliary=dict(lr=0.1)),
     'optim_wrapper.primary'),
])
def test_per_network_optimizers_name_the_bad_key(cfg, key):
    model = torch.nn.Module()
    model.primary = torch.nn.Linear(3, 2)
    model.auxiliary = torch.nn.Linear(3, 2)
    with pytest.raises(ValueError, match=key.replace('.', r'\.')):
        build_optim(model, **cfg)


def test_per_network_optimizers_refuse_a_distributed_model(monkeypatch):
    from cmpl_mm.engine.optimizers import per_network_constructor
    monkeypatch.setattr(per_network_constructor, 'is_model_wrapper',
                        lambda model: True)
    model = torch.nn.Module()
    model.primary = torch.nn.Linear(3, 2)
    with pytest.raises(ValueError, match='distributed'):
        build_optim(model, primary=dict(optimizer=dict(type='SGD', lr=0.1)))


def test_per_network_optimizers_refuse_a_shared_parameter():
    model = torch.nn.Module()
    model.primary = torch.nn.Linear(3, 2)
    model.auxiliary = torch.nn.Sequential(model.primary)
    sgd = dict(optimizer=dict(type='SGD', lr=0.1))
    with pytest.raises(ValueError, match=r'optim_wrapper\.auxiliary.*shares'):
        build_optim(model, primary=sgd, auxiliary=sgd)


def test_per_network_optimizers_log_each_networks_grad_norm():
    """With clip_grad each wrapper logs its own norm; one shared key would
    keep only the last network's."""
    from mmengine.logging import MessageHub
    model = torch.nn.Module()
    model.primary = torch.nn.Linear(3, 2)
    model.auxiliary = torch.nn.Linear(3, 2)
    clip = dict(max_norm=1e6)
    optim = build_optim(
        model,
        primary=dict(optimizer=dict(type='SGD', lr=0.1), clip_grad=clip),
        auxiliary=dict(optimizer=dict(type='SGD', lr=0.1), clip_grad=clip))
    hub = MessageHub.get_instance('test_per_network_grad_norm')
    for name, scale in (('primary', 1.0), ('auxiliary', 100.0)):
        optim[name].message_hub = hub
        (getattr(model, name)(torch.ones(1, 3)).sum() * scale).backward()
    for wrapper in optim.values():
        wrapper.step()
    norms = {name: hub.get_scalar(f'train/{name}.grad_norm').current()
             for name in ('primary', 'auxiliary')}
    assert norms['auxiliary'] == pytest.approx(100 * norms['primary'])
