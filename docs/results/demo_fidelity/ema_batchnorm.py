"""Mean Teacher's deployed EMA network against its live network, and the
EMA weights with batch-norm statistics recomputed, from one checkpoint
(docs/results/README.md, "Algorithm fidelity"). Run from the repository
root:

    python docs/results/demo_fidelity/ema_batchnorm.py \\
        work_dirs/fidelity/meanteacher/seed2 900

Prints top-1 on the config's validation set of (1) the EMA network as
deployed (statistics copied from the live network), (2) the live network,
(3) the EMA weights with statistics re-estimated on the labeled clips
(tools/analysis/recompute_bn_stats.py's routine, 3 passes).
"""
import copy
import os.path as osp
import sys
import tempfile

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import DATASETS, MODELS

sys.path.insert(0, osp.join(osp.dirname(__file__), '..', '..', '..',
                            'tools', 'analysis'))
from recompute_bn_stats import (recompute_statistics,  # noqa: E402
                                statistics_dataset_cfg)

import cmpl_mm  # noqa: E402,F401
from cmpl_mm.analysis.checkpoint_eval import validate_checkpoint  # noqa


def as_fixmatch(cfg):
    """The run's config with a FixMatch model: it validates ``primary``."""
    cfg = copy.deepcopy(cfg)
    cfg.model.type = 'FixMatchRecognizer'
    cfg.model.semi_train_cfg.unsup_weight = 1.0
    cfg.model.semi_train_cfg.pop('teacher', None)
    return cfg


def main(work_dir, iteration):
    ckpt = osp.join(work_dir, f'iter_{iteration}.pth')
    cfg = Config.fromfile(osp.join(work_dir,
                                   'meanteacher_r3d18q_synthetic.py'))
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    weights = state['state_dict']
    ema_prefix = 'ema_networks.primary.network.'
    out = dict(ema_deployed=validate_checkpoint(copy.deepcopy(cfg), ckpt))
    with tempfile.TemporaryDirectory() as tmp:
        live = {k: v for k, v in weights.items() if k.startswith('primary.')}
        torch.save(dict(state_dict=live, meta={}), f'{tmp}/live.pth')
        out['live_primary'] = validate_checkpoint(as_fixmatch(cfg),
                                                  f'{tmp}/live.pth')
        init_default_scope('mmaction')
        model = MODELS.build(as_fixmatch(cfg).model)
        model.load_state_dict({'primary.' + k[len(ema_prefix):]: v
                               for k, v in weights.items()
                               if k.startswith(ema_prefix)}, strict=False)
        dataset = DATASETS.build(statistics_dataset_cfg(as_fixmatch(cfg)))
        recompute_statistics(model, dataset, epochs=3, batch_size=8)
        torch.save(dict(state_dict=model.state_dict(), meta={}),
                   f'{tmp}/ema_bn.pth')
        out['ema_recomputed_bn'] = validate_checkpoint(as_fixmatch(cfg),
                                                       f'{tmp}/ema_bn.pth')
    for name, metrics in out.items():
        print(f'{name}: top-1 {100 * float(metrics["acc/top1"]):.2f}')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
