"""Export the deployed ``primary`` network of a cmpl_mm checkpoint.

A semi-supervised recognizer only uses its deployed network for
validation, test and deployment: ``primary`` (supervised, FixMatch, UDA,
CMPL), or the EMA of ``primary`` (Mean Teacher), as the algorithm's
``deployed_prefix()`` says. This tool writes it out as a plain mmaction2
recognizer::

    OUT_DIR/primary_config.py   # model = dict(type='Recognizer3D', ...)
    OUT_DIR/primary.pth         # dict(meta=..., state_dict=...)

The config's ``model`` is ``cfg.model.primary`` with the data preprocessor
that ``MultiViewDataPreprocessor`` wraps (test batches go straight to it),
plus the test/val pipeline, dataloaders, evaluators and loops of the
training config. ``primary.pth`` holds the deployed weights without
their prefix (auxiliary network and optimizer state are dropped) and loads
with ``mmengine.runner.load_checkpoint(model, path, strict=True)``, so it
works with ``mmaction.apis.init_recognizer`` / ``inference_recognizer``.

Example::

    python tools/export_primary.py configs/cmpl_r3d18q_synthetic.py \\
        work_dirs/cmpl_r3d18q_synthetic/iter_600.pth work_dirs/export
"""
import argparse
import copy
import os
import os.path as osp
import re
import warnings

import cmpl_mm  # (compat layer + registration)
import torch
from cmpl_mm.compat import safe_torch_load
from cmpl_mm.datasets import source_config
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmaction.registry import MODELS

# keys of the training model's data preprocessor -> exported model's
PREPROCESSOR_PREFIXES = (('data_preprocessor.data_preprocessor.',
                          'data_preprocessor.'), )
# transforms that open a video file given ``filename`` (what
# ``mmaction.apis.inference_recognizer`` feeds the pipeline)
VIDEO_FILE_INITS = ('DecordInit', 'PyAVInit', 'OpenCVInit')
# evaluation-related settings copied from the training config when present
COPIED_KEYS = ('test_pipeline', 'val_dataloader', 'val_evaluator', 'val_cfg',
               'test_dataloader', 'test_evaluator', 'test_cfg')

CONFIG_HEADER = """\
# The deployed ``primary`` recognizer exported from a cmpl_mm checkpoint by
# tools/export_primary.py (weights: primary.pth next to this file).
# Source config: {config}
# Source checkpoint: {checkpoint}
#
# A plain mmaction2 config: every component is mmaction2's. ``custom_imports``
# only pulls in cmpl_mm's compatibility layer (the missing-``drn`` fix that
# ``import mmaction.models`` needs on the mmaction2 1.2.0 wheel, and safe
# checkpoint loading); the exported model uses no cmpl_mm component.
"""


def parse_args():
    parser = argparse.ArgumentParser(
        description='Export the primary network of a cmpl_mm checkpoint '
        'as a plain mmaction2 recognizer')
    parser.add_argument('config', help='training config file path')
    parser.add_argument('checkpoint', help='checkpoint written by training')
    parser.add_argument('out_dir', help='directory for the exported files')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, `key=value` in xxx=yyy format')
    return parser.parse_args()


def wrapped_preprocessor(model_cfg):
    """The data preprocessor config that test batches actually go through."""
    pre = model_cfg.get('data_preprocessor', None)
    if pre is None:
        return None
    pre = copy.deepcopy(pre)
    if pre.get('type') == 'MultiViewDataPreprocessor':
        return pre['data_preprocessor']
    return pre


def dataset_pipeline(dataloader):
    """The pipeline of a dataloader config's (possibly wrapped) dataset."""
    dataset = (dataloader or {}).get('dataset', None)
    while isinstance(dataset, dict):
        if 'pipeline' in dataset:
            return dataset['pipeline']
        dataset = dataset.get('dataset', None)
    return None


def plain_dataloader(dataloader):
    """``dataloader`` with cmpl_mm's dataset wrappers (``RobustDataset``,
    ``UnlabeledDataset``, their deprecated names) replaced by the mmaction2
    dataset they wrap."""
    if isinstance(dataloader.get('dataset'), dict):
        dataloader['dataset'] = source_config(dataloader['dataset'])
    return dataloader


def primary_config(cfg):
    """The exported plain mmaction2 config (as a dict)."""
    model_cfg = cfg.model
    if 'primary' not in model_cfg:
        raise SystemExit(
            f'{cfg.filename}: model ({model_cfg.get("type")}) has no '
            '`primary`; export_primary.py expects a cmpl_mm semi-supervised '
            'recognizer config')
    modality = (model_cfg.get('semi_train_cfg') or {}).get('modality', 'rgb')
    if isinstance(modality, dict):
        modality = modality.get('primary', 'rgb')
    if modality != 'rgb':
        raise SystemExit(
            f'{cfg.filename}: model.semi_train_cfg.modality of primary is '
            f'{modality!r}; a plain mmaction2 recognizer sees RGB clips, so '
            'this primary cannot be exported as one')
    model = copy.deepcopy(model_cfg['primary'])
    if model.get('data_preprocessor', None) is not None:
        warnings.warn('`model.primary.data_preprocessor` is replaced by the '
                      "training model's: only that one runs at test time")
    pre = wrapped_preprocessor(model_cfg)
    if pre is not None:
        model['data_preprocessor'] = pre
    out = dict(model=model)
    for key in COPIED_KEYS:
        if cfg.get(key, None) is not None:
            out[key] = copy.deepcopy(cfg[key])
            if key.endswith('_dataloader'):
                out[key] = plain_dataloader(out[key])
    if 'test_pipeline' not in out:
        pipeline = dataset_pipeline(cfg.get('test_dataloader', None)) or \
            dataset_pipeline(cfg.get('val_dataloader', None))
        if pipeline is not None:
            out['test_pipeline'] = copy.deepcopy(pipeline)
    pipeline = out.get('test_pipeline', None)
    if not pipeline:
        warnings.warn('no test pipeline found (test_pipeline or the test/val '
                      'dataloader); inference_recognizer needs one')
    elif pipeline[0].get('type') not in VIDEO_FILE_INITS:
        warnings.warn(
            f'the test pipeline starts with {pipeline[0].get("type")!r}, '
            f'not a video-file reader ({", ".join(VIDEO_FILE_INITS)}): '
            'inference_recognizer(model, "video.mp4") will not work with it')
    out['default_scope'] = 'mmaction'
    out['custom_imports'] = dict(
        imports=['cmpl_mm'], allow_failed_imports=False)
    return out


def deployed_prefix(model_cfg) -> str:
    """State-dict prefix of the algorithm's deployed network."""
    cls = model_cfg.get('type')
    cls = MODELS.get(cls) if isinstance(cls, str) else cls
    return cls.deployed_prefix() if hasattr(cls, 'deployed_prefix') \
        else 'primary.'


def primary_state_dict(state_dict, checkpoint, prefix='primary.'):
    """Deployed weights without ``prefix``, plus preprocessor buffers."""
    state_dict = {re.sub(r'^module\.', '', k): v for k, v in state_dict.items()}
    out = {
        k[len(prefix):]: v
        for k, v in state_dict.items() if k.startswith(prefix)
    }
    if not out:
        examples = ', '.join(repr(k) for k in list(state_dict)[:3])
        raise SystemExit(
            f'{checkpoint}: no `{prefix}` weights found (keys: {examples}'
            f'{", ..." if len(state_dict) > 3 else ""}); expected a '
            'checkpoint of a cmpl_mm semi-supervised recognizer of the '
            "config's algorithm")
    # primary's own preprocessor never runs in the semi-supervised model
    out = {
        k: v
        for k, v in out.items() if not k.startswith('data_preprocessor.')
    }
    for old, new in PREPROCESSOR_PREFIXES:
        for k, v in state_dict.items():
            if k.startswith(old):
                out[new + k[len(old):]] = v
    return out


def plain_meta(ckpt, args):
    meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
    meta = meta if isinstance(meta, dict) else {}
    out = dict(
        source_config=osp.abspath(args.config),
        source_checkpoint=osp.abspath(args.checkpoint),
        exported_by='cmpl_mm',
        cmpl_mm_version=cmpl_mm.__version__)
    for key in ('iter', 'epoch'):
        if isinstance(meta.get(key, None), int):
            out[key] = meta[key]
    return out


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))

    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'{args.checkpoint}: no such checkpoint file')
    ckpt = safe_torch_load(args.checkpoint, map_location='cpu')
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt,
                                                            dict) else None
    if not isinstance(state_dict, dict):
        raise SystemExit(f'{args.checkpoint}: no state_dict found')

    exported_cfg = Config(primary_config(cfg))
    weights = primary_state_dict(state_dict, args.checkpoint,
                                 deployed_prefix(cfg.model))

    # Build the exported model to keep only the preprocessor buffers it
    # saves (ActionDataPreprocessor's mean/std are non-persistent: they come
    # from the config) and to count its parameters.
    model = MODELS.build(copy.deepcopy(exported_cfg.model))
    expected = set(model.state_dict())
    weights = {
        k: v
        for k, v in weights.items()
        if not k.startswith('data_preprocessor.') or k in expected
    }

    os.makedirs(args.out_dir, exist_ok=True)
    cfg_path = osp.join(args.out_dir, 'primary_config.py')
    ckpt_path = osp.join(args.out_dir, 'primary.pth')
    header = CONFIG_HEADER.format(
        config=args.config, checkpoint=args.checkpoint)
    with open(cfg_path, 'w', encoding='utf-8') as f:
        f.write(header + '\n' + exported_cfg.dump())
    torch.save(
        dict(meta=plain_meta(ckpt, args), state_dict=weights), ckpt_path)

    # check the files as a user would load them
    model = MODELS.build(Config.fromfile(cfg_path).model)
    load_checkpoint(model, ckpt_path, map_location='cpu', strict=True,
                    logger='silent')
    num_params = sum(p.numel() for p in model.parameters())
    print(f'config:     {cfg_path}')
    print(f'checkpoint: {ckpt_path}')
    print(f'parameters: {num_params:,} ({len(weights)} tensors)')


if __name__ == '__main__':
    main()
