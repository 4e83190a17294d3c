"""Shared fixtures: a tiny generated video dataset with a semi split."""
import os.path as osp

import pytest

import cmpl_mm  # noqa: F401  (compat layer + registration)
from cmpl_mm.datasets.semi_split import build_semi_split
from cmpl_mm.datasets.synthetic_videos import generate_dataset




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


def pytest_configure(config):
    """Under pytest-xdist (``-n 2``, the README's command), each worker
    computes on one thread, so two workers share two cores without
    oversubscription (results do not depend on the thread count; the
    training subprocesses set ``OMP_NUM_THREADS=1`` themselves)."""
    import os
    if os.environ.get('PYTEST_XDIST_WORKER'):
        import torch
        torch.set_num_threads(1)
