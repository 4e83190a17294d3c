"""Two-process CPU (gloo) training and testing through tools/dist_*.sh."""
import os
import os.path as osp
import socket
import subprocess

from conftest import REPO_ROOT
from test_train_e2e import cfg_options


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def launch(script, args):
    """Run ``tools/<script>`` with 2 processes; assert it exits with 0."""
    env = dict(os.environ, PORT=str(free_port()), OMP_NUM_THREADS='1')
    out = subprocess.run(['bash', osp.join('tools', script)] + args,
                         cwd=REPO_ROOT,
                         capture_output=True,
                         text=True,
                         timeout=600,
                         env=env)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    return log


def test_two_process_cpu_training(tiny_dataset, tmp_path):
    work_dir = str(tmp_path / 'dist')
    config = 'configs/cmpl_r3d18q_synthetic.py'
    log = launch('dist_train.sh', [config, '2', '--work-dir', work_dir] +
                 cfg_options(tiny_dataset, 2, **{
                     'train_dataloader.sampler.labeled_batch_size': 2,
                     'train_dataloader.batch_size': 4
                 }))
    assert 'Distributed training: True' in log
    assert 'Iter(train) [2/2]' in log and 'acc/top1' in log
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(checkpoint)

    # the same processes' way out of tools/test.py: a clean exit, status 0
    log = launch('dist_test.sh',
                 [config, checkpoint, '2', '--work-dir',
                  str(tmp_path / 'dist_test')] + cfg_options(tiny_dataset, 2))
    assert 'Iter(test)' in log and 'acc/top1' in log
