"""The demo's data: generated videos and their labeled/unlabeled split.

Used by ``tools/run_demo.py`` and ``tools/analysis/compare_algorithms.py``
(the demo configs read ``data/synthetic``).
"""
import inspect
import os.path as osp


def prepare_demo_data(data_root: str, labeled_per_class: int = 8,
                      seed: int = 0) -> None:
    """Generate videos and the labeled/unlabeled split unless present.

    Args:
        data_root (str): Output folder of the generated dataset.
        labeled_per_class (int): Labeled videos per class. Defaults to 8.
        seed (int): Seed of the videos and of the split. Defaults to 0.
    """
    from cmpl_mm.datasets.semi_split import build_semi_split
    from cmpl_mm.datasets.synthetic_videos import generate_dataset
    val_list = osp.join(data_root, 'val.txt')
    if not osp.exists(val_list):
        print(f'generating the demo videos into {data_root} ...')
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
