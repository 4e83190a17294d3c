"""Generate the demo videos if absent, train on them (CPU) and print top-1.

Example::

    python tools/run_demo.py                      # CMPL, the main job
    python tools/run_demo.py --algorithm fixmatch
"""
import argparse
import inspect
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

import cmpl_mm  # noqa: E402,F401
from cmpl_mm.datasets.semi_split import build_semi_split  # noqa: E402
from cmpl_mm.utils.synthetic_videos import generate_dataset  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

CONFIGS = dict(
    cmpl='configs/cmpl_r3d18q_synthetic.py',
    fixmatch='configs/fixmatch_r3d18q_synthetic.py',
    supervised='configs/supervised_r3d18q_synthetic.py')


def prepare_demo_data(data_root: str, labeled_per_class: int = 8,
                      seed: int = 0) -> None:
    """Generate videos and the labeled/unlabeled split unless present.

    Args:
        data_root (str): Output folder of the generated dataset.
        labeled_per_class (int): Labeled videos per class. Defaults to 8.
        seed (int): Seed of the videos and of the split. Defaults to 0.
    """
    val_list = osp.join(data_root, 'val.txt')
    if not osp.exists(val_list):
        generate_dataset(data_root, seed=seed)
    else:
        with open(val_list) as f:
            num_val = sum(1 for line in f if line.strip())
        defaults = inspect.signature(generate_dataset).parameters
        expected = (defaults['num_classes'].default *
                    defaults['val_per_class'].default)
        if num_val < expected:
            print(f'note: {val_list} lists {num_val} videos; the generator '
                  f'now writes {expected} by default (80 were too few to '
                  f'compare algorithms). Delete {data_root} to regenerate '
                  'it; the training videos stay the same.')
    if not osp.exists(osp.join(data_root, 'semi', 'unlabeled.txt')):
        build_semi_split(
            osp.join(data_root, 'train.txt'),
            osp.join(data_root, 'semi'),
            seed=seed,
            per_class=labeled_per_class)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--algorithm', choices=sorted(CONFIGS), default='cmpl')
    parser.add_argument('--data-root', default='data/synthetic')
    parser.add_argument('--work-dir', default=None)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()

    start = time.time()
    prepare_demo_data(args.data_root)
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[args.algorithm]))
    cfg.work_dir = args.work_dir or osp.join('work_dirs',
                                             f'demo_{args.algorithm}')
    cfg.randomness = dict(seed=args.seed)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    runner = Runner.from_cfg(cfg)
    runner.train()
    top1 = runner.message_hub.get_scalar('val/acc/top1').current()
    print(f'{args.algorithm} demo finished in {time.time() - start:.0f} s: '
          f'final val top-1 {top1:.4f} (work dir {cfg.work_dir})')


if __name__ == '__main__':
    main()
