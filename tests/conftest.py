"""Shared fixtures: a tiny generated video dataset with a semi split."""
import os.path as osp

import pytest

import cmpl_mm  # noqa: F401  (compat layer + registration)
from cmpl_mm.datasets.semi_split import build_semi_split
from cmpl_mm.utils.synthetic_videos import generate_dataset

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory):
    """4 classes x 6 train + 2 val videos, 2 labeled per class."""
    root = str(tmp_path_factory.mktemp('tiny_synthetic'))
    generate_dataset(
        root,
        seed=0,
        num_classes=4,
        videos_per_class=6,
        val_per_class=2,
        num_frames=16,
        size=64,
        show_progress=False)
    build_semi_split(
        osp.join(root, 'train.txt'), osp.join(root, 'semi'), seed=0,
        per_class=2)
    return root


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
