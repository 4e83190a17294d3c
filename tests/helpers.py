"""Helpers shared by the test modules (fixtures live in ``conftest.py``).

Test modules import from here, never from each other.
"""
import os
import os.path as osp
import subprocess
import sys
import time

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def algorithms():
    """Every algorithm's name, from the registry (``algorithm_classes``):
    a test over "every algorithm" covers a new one without a hand list.
    Each has its demo config ``configs/{name}_r3d18q_synthetic.py``."""
    import cmpl_mm  # noqa: F401  (registration)
    from cmpl_mm.models.recognizers import algorithm_classes
    return list(algorithm_classes())


def tiny_data_options(root, num_classes=4, cmpl=True, unlabeled=True):
    """``--cfg-options`` pointing a demo config at ``tiny_dataset``."""
    options = {
        'train_dataloader.dataset.labeled.ann_file':
        osp.join(root, 'semi', 'labeled.txt'),
        'train_dataloader.dataset.labeled.data_prefix.video': root,
        'train_dataloader.dataset.unlabeled.ann_file':
        osp.join(root, 'semi', 'unlabeled.txt'),
        'train_dataloader.dataset.unlabeled.data_prefix.video': root,
        'val_dataloader.dataset.ann_file': osp.join(root, 'val.txt'),
        'val_dataloader.dataset.data_prefix.video': root,
        'test_dataloader.dataset.ann_file': osp.join(root, 'val.txt'),
        'test_dataloader.dataset.data_prefix.video': root,
        'model.primary.cls_head.num_classes': num_classes,
    }
    if not unlabeled:
        options = {k: v for k, v in options.items() if 'unlabeled' not in k}
    if cmpl:
        options['model.auxiliary.cls_head.num_classes'] = num_classes
    return options


FAST = {
    'train_dataloader.num_workers': 0,
    'train_dataloader.persistent_workers': False,
    'val_dataloader.num_workers': 0,
    'val_dataloader.persistent_workers': False,
    'test_dataloader.num_workers': 0,
    'test_dataloader.persistent_workers': False,
    'train_cfg.val_interval': 2,
    'default_hooks.checkpoint.interval': 2,
    'default_hooks.logger.interval': 1,
    'custom_hooks.0.interval': 1,
    'model.semi_train_cfg.threshold': 0.0,
    'model.semi_train_cfg.warmup_iters': 0,
}


def cfg_options(root, max_iters, cmpl=True, unlabeled=True, **extra):
    options = dict(tiny_data_options(root, cmpl=cmpl, unlabeled=unlabeled),
                   **FAST)
    options['train_cfg.max_iters'] = max_iters
    options.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def run_tool(args, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable] + args,
                         cwd=REPO_ROOT,
                         capture_output=True,
                         text=True,
                         timeout=timeout,
                         env=env)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.linear(inputs)
        return dict(loss=out.pow(2).mean()) if mode == 'loss' else out


def toy_runner(work_dir, max_iters, **kwargs):
    """A tiny Runner that saves a checkpoint every iteration (``kwargs``
    replace its arguments, ``default_hooks`` included)."""
    dataset = [dict(inputs=torch.randn(2)) for _ in range(8)]
    arguments = dict(
        model=ToyModel(),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=dataset,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=2,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            random_state=dict(type='RandomStateHook'),  # as default_runtime
            checkpoint=dict(
                type='CheckpointHook',
                interval=1,
                by_epoch=False,
                max_keep_ckpts=1)),
        default_scope='mmaction',  # leave the scope other tests expect
        experiment_name=f'toy_{time.time_ns()}')
    return Runner(**dict(arguments, **kwargs))
