"""A NaN / infinite loss stops the run (default) or skips the step."""
import os
import os.path as osp
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader
from mmaction.registry import MODELS

from cmpl_mm.models.recognizers.nonfinite_loss import (SKIPPED_KEY, NonFiniteLossError,
                                     nonfinite_loss_terms)
from helpers import FAST, REPO_ROOT, cfg_options, tiny_data_options

CONFIG = 'configs/cmpl_r3d18q_synthetic.py'
NAN = float('nan')


def test_only_loss_terms_are_checked():
    finite = dict(loss=torch.tensor(2.0), sup_loss_cls=torch.tensor(2.0),
                  unsup_mask_ratio=torch.tensor(NAN))
    assert nonfinite_loss_terms(finite) == {}
    bad = dict(loss=torch.tensor(NAN), sup_loss_cls=torch.tensor(1.0),
               unsup_loss_cls=torch.tensor(NAN),
               unsup_aux_loss_cls=torch.tensor(float('-inf')))
    assert list(nonfinite_loss_terms(bad)) == ['unsup_loss_cls',
                                               'unsup_aux_loss_cls']
    # finite terms whose sum overflows: the total is named
    overflow = dict(loss=torch.tensor(float('inf')),
                    a_loss=torch.tensor(3e38), b_loss=torch.tensor(3e38))
    assert nonfinite_loss_terms(overflow) == {'loss': float('inf')}


def test_error_points_to_last_checkpoint(tmp_path):
    err = NonFiniteLossError(7, {'sup_loss_cls': NAN})
    err.add_checkpoint_hint(str(tmp_path))
    assert 'iteration 7' in str(err) and 'sup_loss_cls=nan' in str(err)
    assert 'No checkpoint was saved' in str(err) and err.checkpoint is None
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_6.pth'))
    err.add_checkpoint_hint(str(tmp_path))
    assert err.checkpoint == str(tmp_path / 'iter_6.pth')
    assert f'Last good checkpoint: {tmp_path}/iter_6.pth' in str(err)
    assert isinstance(err, FloatingPointError)


def test_distributed_path_refuses_nonfinite_loss():
    """mmengine's DDP wrapper calls parse_losses, not train_step."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    model = MODELS.build(cfg.model)
    loss, _ = model.parse_losses(dict(sup_loss_cls=torch.tensor(1.0)))
    assert float(loss) == 1.0
    with pytest.raises(NonFiniteLossError, match='sup_aux_loss_cls=inf'):
        model.parse_losses(
            dict(sup_loss_cls=torch.tensor(1.0),
                 sup_aux_loss_cls=torch.tensor(float('inf'))))


def nan_runner(root, work_dir, nan_iters, **semi_train_cfg):
    """An in-process CMPL Runner whose primary head returns NaN logits at
    the given (0-based) iterations."""
    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    options = dict(tiny_data_options(root), **FAST)
    options.update({
        'train_cfg.max_iters': 3,
        'default_hooks.checkpoint.interval': 1
    })
    cfg.merge_from_dict(options)
    cfg.model.semi_train_cfg.update(semi_train_cfg)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    cfg.experiment_name = f'nonfinite_{time.time_ns()}'
    runner = Runner.from_cfg(cfg)
    head = runner.model.primary.cls_head
    forward = head.forward

    def nan_forward(*args, **kwargs):
        out = forward(*args, **kwargs)
        if MessageHub.get_current_instance().get_info('iter') in nan_iters:
            out = out * NAN
        return out

    head.forward = nan_forward
    return runner


@pytest.mark.slow
def test_raise_stops_with_iteration_and_loss_names(tiny_dataset, tmp_path):
    runner = nan_runner(tiny_dataset, str(tmp_path), nan_iters={1})
    with pytest.raises(NonFiniteLossError) as err:
        runner.train()
    assert err.value.iteration == 2
    # the primary's NaN logits poison its supervised loss and its own
    # pseudo-label loss; the auxiliary's losses stay finite
    assert sorted(err.value.terms) == ['sup_loss_cls', 'unsup_loss_cls']
    assert 'training iteration 2' in str(err.value)
    assert 'sup_loss_cls=nan' in str(err.value)
    assert not osp.exists(osp.join(str(tmp_path), 'iter_2.pth'))


@pytest.mark.slow
def test_skip_leaves_the_weights_unchanged(tiny_dataset, tmp_path):
    work_dir = str(tmp_path)
    runner = nan_runner(
        tiny_dataset, work_dir, nan_iters={1}, nonfinite_loss='skip')
    runner.train()
    ckpts = [
        CheckpointLoader.load_checkpoint(
            osp.join(work_dir, f'iter_{i}.pth'), map_location='cpu')
        for i in (1, 2, 3)
    ]
    params = {n for n, _ in runner.model.named_parameters()}
    # step 2 was skipped: weights, batch-norm statistics and optimizer
    # state are exactly those after step 1
    for key, value in ckpts[0]['state_dict'].items():
        assert torch.equal(ckpts[1]['state_dict'][key], value), key
    for key, state in ckpts[0]['optimizer']['state'].items():
        assert torch.equal(ckpts[1]['optimizer']['state'][key]
                           ['momentum_buffer'], state['momentum_buffer'])
    # step 3 trained again
    changed = [k for k in params
               if not torch.equal(ckpts[2]['state_dict'][k],
                                  ckpts[1]['state_dict'][k])]
    assert changed
    assert ckpts[2]['message_hub']['runtime_info'][SKIPPED_KEY] == 1
    logs = [osp.join(r, f) for r, _, fs in os.walk(work_dir)
            for f in fs if f.endswith('.log')]
    text = ''.join(open(p).read() for p in logs)
    assert 'Non-finite loss at training iteration 2: sup_loss_cls=nan' in text
    assert '(1 step(s) skipped so far)' in text


@pytest.mark.slow
def test_train_tool_reports_iteration_and_last_checkpoint(
        tiny_dataset, tmp_path):
    """A learning rate of 1e30 makes the second step's losses NaN."""
    work_dir = str(tmp_path / 'huge_lr')
    out = subprocess.run(
        [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
         '--no-validate'] + cfg_options(
             tiny_dataset, 4, **{
                 'optim_wrapper.optimizer.lr': 1e30,
                 'default_hooks.checkpoint.interval': 1
             }),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode != 0
    assert 'NonFiniteLossError: non-finite loss at training iteration 2' \
        in log, log[-3000:]
    assert 'sup_loss_cls=nan' in log
    checkpoint = osp.join(work_dir, 'iter_1.pth')
    assert f'Last good checkpoint: {checkpoint}' in log
    assert not osp.exists(osp.join(work_dir, 'iter_2.pth'))
    CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
