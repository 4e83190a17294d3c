"""Re-estimate a checkpoint's batch-norm running statistics on chosen clips.

Validation and test normalise with the running statistics that training
accumulated. After semi-supervised training with
``unlabeled_forward='joint'`` those mix labeled, weakly and strongly
augmented clips. This tool ("precise BN") resets every batch-norm layer
that trains, forwards clips of a list through each network in training
mode (cumulative average, no weight update), writes the checkpoint with the
new statistics and reports top-1 on the config's validation set before and
after, so one can tell whether a run's accuracy is limited by its
statistics or by its weights::

    python tools/analysis/recompute_bn_stats.py WORK_DIR/config.py \
        WORK_DIR/iter_2400.pth --out WORK_DIR/iter_2400_precise_bn.pth \
        [--ann-file labeled.txt --data-prefix DIR] [--epochs 3]

By default the clips are the config's labeled training list with its
training pipeline (the ``sup`` view of a ``MultiView`` step); with a plain
mmaction2 config, its training dataset.
"""
import argparse
import copy
import sys

from mmengine.config import DictAction

from cmpl_mm.analysis.checkpoint_eval import validate_checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Re-estimate a checkpoint's batch-norm running "
        'statistics on a list of clips and compare validation top-1.')
    parser.add_argument('config', help='the run\'s config file')
    parser.add_argument('checkpoint', help='checkpoint to start from')
    parser.add_argument('--out', required=True,
                        help='where to write the checkpoint with the new '
                        'statistics')
    parser.add_argument('--ann-file', help='list of the clips to estimate '
                        'on (default: the labeled training list)')
    parser.add_argument('--data-prefix', help='video folder of --ann-file')
    parser.add_argument('--epochs', type=int, default=3,
                        help='passes over the clips (default: 3)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='clips per forward (default: 8)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        metavar='KEY=VALUE', help='override config keys '
                        '(as tools/train.py)')
    return parser.parse_args(argv)


def statistics_dataset_cfg(cfg, ann_file=None, data_prefix=None) -> dict:
    """The dataset config whose clips the statistics are estimated on."""
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset = dataset.get('labeled', dataset)
    pipeline = list(dataset.pipeline)
    if pipeline and pipeline[-1]['type'] == 'MultiView':
        pipeline = pipeline[:-1] + list(pipeline[-1]['sup'])
    dataset.pipeline = pipeline
    if ann_file:
        dataset.ann_file = ann_file
    if data_prefix:
        dataset.data_prefix = dict(video=data_prefix)
    return dataset


def recompute_statistics(model, dataset, epochs: int, batch_size: int,
                         seed: int = 0) -> int:
    """Reset and re-estimate the running statistics of every batch-norm
    layer that trains, in every network of ``model``.

    Args:
        model: A cmpl_mm semi-supervised recognizer or an mmaction2 one.
        dataset: The clips (an mmaction2 dataset yielding packed inputs).
        epochs (int): Passes over the dataset.
        batch_size (int): Clips per forward.
        seed (int): Seed of the clip order.

    Returns:
        int: The number of batch-norm layers re-estimated.
    """
    import torch
    from mmengine.dataset import pseudo_collate
    from torch.nn.modules.batchnorm import _BatchNorm

    networks = model.networks() if hasattr(model, 'networks') else dict(
        model=model)
    model.train()  # a backbone with norm_eval keeps its frozen layers
    layers = [m for net in networks.values() for m in net.modules()
              if isinstance(m, _BatchNorm) and m.training]
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None  # cumulative average over every batch
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _ in range(epochs):
            order = torch.randperm(len(dataset), generator=generator)
            for start in range(0, len(order), batch_size):
                batch = pseudo_collate(
                    [dataset[int(i)] for i in order[start:start + batch_size]])
                inputs = model.data_preprocessor(batch, False)['inputs']
                for net in networks.values():
                    net.extract_feat(inputs)
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
    model.eval()
    return len(layers)


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmengine.runner.checkpoint import _load_checkpoint
    from mmaction.registry import DATASETS, MODELS

    import cmpl_mm  # noqa: F401

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    dataset = DATASETS.build(
        statistics_dataset_cfg(cfg, args.ann_file, args.data_prefix))
    count = recompute_statistics(model, dataset, args.epochs,
                                 args.batch_size, args.seed)
    checkpoint = _load_checkpoint(args.checkpoint, map_location='cpu')
    checkpoint['state_dict'] = model.state_dict()
    torch.save(checkpoint, args.out)
    print(f'Re-estimated {count} batch-norm layer(s) on {len(dataset)} clips '
          f'x {args.epochs} pass(es); wrote {args.out}')
    before = validate_checkpoint(copy.deepcopy(cfg), args.checkpoint)
    after = validate_checkpoint(copy.deepcopy(cfg), args.out)
    print('\n| metric | as trained | re-estimated statistics |')
    print('|---|---|---|')
    for key in before:
        if key in after and 'acc' in key:
            print(f'| {key} | {100 * before[key]:.2f} | '
                  f'{100 * after[key]:.2f} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
