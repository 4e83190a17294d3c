"""One optimizer per network of a recognizer (SGD for a 3D CNN, AdamW for
a ViT), as an MMEngine ``OptimWrapperDict``."""
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import (DefaultOptimWrapperConstructor, OptimWrapper,
                            OptimWrapperDict)
from mmaction.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PerNetworkOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` with one plain ``OptimWrapper`` per
    named network of the model, each from its own wrapper config.

    Cross-architecture CMPL pairs a 3D CNN trained with SGD and a
    transformer that trains from scratch only with AdamW; one optimizer
    over both leaves one of them untrained. Use it as::

        optim_wrapper = dict(
            constructor='PerNetworkOptimWrapperConstructor',
            primary=dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9)),
            auxiliary=dict(optimizer=dict(type='AdamW', lr=1e-3)))

    Every trainable parameter must belong to exactly one named network
    (so no parameter is silently left out of training). The recognizers'
    ``train_step`` back-propagates the summed loss once and steps each
    optimizer; the param schedulers of the config apply to each. Mixed
    precision and gradient accumulation need one loss scaler / counter
    for the whole step, and mmengine's distributed wrapper updates one
    wrapper; all three are refused here. With ``clip_grad`` each network
    logs its own gradient norm (``primary.grad_norm``,
    ``auxiliary.grad_norm``).

    Args:
        optim_wrapper_cfg (dict): ``{network name: OptimWrapper config}``
            (``optimizer``, optional ``clip_grad`` and ``paramwise_cfg``).
        paramwise_cfg (dict, optional): Must be None; give it per network.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError(
                'optim_wrapper.paramwise_cfg: with '
                'PerNetworkOptimWrapperConstructor give paramwise_cfg '
                'inside each network\'s entry (optim_wrapper.<network>).')
        if not optim_wrapper_cfg:
            raise ValueError('optim_wrapper: PerNetworkOptimWrapperConstructor'
                             ' needs one entry per network, e.g. primary=dict('
                             'optimizer=...)')
        self.cfgs = {}
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(
                    f'optim_wrapper.{name}: expected a wrapper config with '
                    f'an "optimizer" entry, got {cfg!r}')
            cfg = dict(cfg)
            wrapper_type = cfg.pop('type', 'OptimWrapper')
            if wrapper_type not in ('OptimWrapper', OptimWrapper):
                raise ValueError(
                    f'optim_wrapper.{name}.type: {wrapper_type} is not '
                    'supported with one optimizer per network (AMP and '
                    'gradient accumulation need one loss scaler for the '
                    'whole step); use OptimWrapper')
            if cfg.get('accumulative_counts', 1) != 1:
                raise ValueError(
                    f'optim_wrapper.{name}.accumulative_counts: gradient '
                    'accumulation is not supported with one optimizer per '
                    'network')
            self.cfgs[name] = cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            # the distributed wrapper's train_step updates one wrapper
            raise ValueError(
                'optim_wrapper.constructor: PerNetworkOptimWrapperConstructor '
                'is not supported in distributed training (launcher '
                f'{type(model).__name__}); train on one process or use one '
                'optimizer')
        children = dict(model.named_children())
        covered = set()
        wrappers = {}
        for name, cfg in self.cfgs.items():
            if name not in children:
                raise ValueError(
                    f'optim_wrapper.{name}: the model has no network '
                    f'{name!r} (it has: {", ".join(children)})')
            cfg = dict(cfg)
            paramwise_cfg = cfg.pop('paramwise_cfg', None)
            cfg['type'] = 'OptimWrapper'
            owned = {id(p) for p in children[name].parameters()}
            if owned & covered:  # both optimizers would step them
                raise ValueError(
                    f'optim_wrapper.{name}: network {name!r} shares '
                    'parameters with another entry; each parameter must '
                    'belong to one network')
            covered |= owned
            wrapper = DefaultOptimWrapperConstructor(cfg, paramwise_cfg)(
                children[name])
            if hasattr(wrapper, 'grad_name'):  # set by clip_grad
                wrapper.grad_name = f'{name}.{wrapper.grad_name}'
            wrappers[name] = wrapper
        left_out = [n for n, p in model.named_parameters()
                    if p.requires_grad and id(p) not in covered]
        if left_out:
            shown = ', '.join(left_out[:5]) + (
                f' and {len(left_out) - 5} more' if len(left_out) > 5 else '')
            raise ValueError(
                f'optim_wrapper: trainable parameters outside the networks '
                f'{", ".join(self.cfgs)} would never be updated: {shown}; '
                'add an entry for their module')
        return OptimWrapperDict(**wrappers)
