"""The GPU report script's CPU dry run, and the end-to-end benchmark."""
import pytest
import json
import os
import os.path as osp
import subprocess
import sys

from helpers import REPO_ROOT

# trains or launches processes: left out of the quick loop (-m "not slow")
pytestmark = pytest.mark.slow


def test_gpu_report_dry_run(tmp_path):
    """``gpu_report.sh --dry-run`` runs every step of the GPU script on
    tiny CPU inputs (step benchmark with the old settings and the configs'
    defaults, end-to-end training on generated UCF-101-geometry videos) and
    writes the markdown and JSON reports."""
    out = tmp_path / 'report'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable)
    proc = subprocess.run(
        ['bash', 'tools/analysis/gpu_report.sh', '--dry-run', str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, env=env)
    log = proc.stdout[-4000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, log
    with open(out / 'gpu_report.json') as f:
        report = json.load(f)
    meta = report['meta']
    assert meta['dry_run'] and meta['torch'] and meta['date']
    assert meta['device'] == 'cpu' and meta['gpu'] is None
    runs = report['runs']
    for name in ('old_fp32', 'new_default', 'e2e'):
        assert runs[name]['status'] == 'ok', (name, runs[name], log)
    old, new = runs['old_fp32'], runs['new_default']
    # the old settings switch the configs' options off, the defaults keep
    # them, and on the CPU they do nothing: channels_last_3d=True is for
    # CUDA devices, AMP falls back to float32
    assert old['settings']['channels_last_3d_setting'] == dict(
        a=False, b=False, c=False)
    assert new['settings']['channels_last_3d_setting'] == dict(
        a=True, b=True, c=True)
    assert new['settings']['channels_last_3d'] == dict(
        a=False, b=False, c=False)
    assert new['settings']['precision'] == dict(a='fp32', b='fp32',
                                                c='fp32')
    for key in 'abc':
        variant = new['variants'][key]
        assert variant['flops_per_iter'] > 0 and variant['tflops'] > 0
        assert variant['mfu'] is None  # no CPU peak
        assert variant['memory_bytes'] > 0
    # CMPL adds the auxiliary's multiply-adds
    assert new['variants']['c']['flops_per_iter'] > \
        new['variants']['b']['flops_per_iter']
    e2e = runs['e2e']
    assert e2e['videos']['geometry'].startswith('320x240 @ 25 fps')
    assert e2e['videos']['frames'] == [100, 100]
    assert e2e['e2e_clips_per_s'] > 0 and e2e['step_only_clips_per_s'] > 0
    assert 0 <= e2e['data_wait_share'] < 1
    assert abs(e2e['ratio_e2e_over_step_only'] - e2e['e2e_clips_per_s'] /
               e2e['step_only_clips_per_s']) < 1e-9
    assert report['checks']['e2e_over_step_only']['value'] == \
        e2e['ratio_e2e_over_step_only']
    # the fp16 / bf16 runs need CUDA: not in a dry run
    assert 'old_fp16' not in runs and 'new_bf16' not in runs
    md = (out / 'gpu_report.md').read_text()
    assert 'CPU dry run' in md and '| old_fp32 |' in md
    assert 'end-to-end / step-only' in md
    assert osp.isfile(out / 'old_fp32.log')
