"""The command line a newcomer meets: fast --help, no irrelevant warning,
threads and workers sized to the cores, one-line data and checkpoint
errors, the demo's --data-root and summary, TensorBoard by flag."""
import argparse
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from cmpl_mm.datasets.data_check import find_missing_data
from cmpl_mm.cli import TRACEBACK_ENV, format_user_error
from cmpl_mm.compat.safe_checkpoint_load import refused_object
from cmpl_mm.engine.resources import apply_resource_plan, plan_resources
from helpers import REPO_ROOT, tiny_data_options

DEMO_CONFIG = 'configs/cmpl_r3d18q_synthetic.py'


def run(args, env=None, timeout=600):
    env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    return subprocess.run([sys.executable] + args, cwd=REPO_ROOT,
                          capture_output=True, text=True, errors='replace',
                          timeout=timeout, env=env)


# ------------------------------------------------------- fast, quiet CLI
@pytest.mark.slow
@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py',
                                  'tools/run_demo.py'])
def test_help_answers_before_torch_is_imported(tool):
    code = ('import runpy, sys\n'
            f'sys.argv = [{tool!r}, "--help"]\n'
            'try:\n'
            f'    runpy.run_path({tool!r}, run_name="__main__")\n'
            'except SystemExit:\n'
            '    pass\n'
            'print("IMPORTED", sorted(m for m in ("torch", "mmaction", '
            '"cmpl_mm") if m in sys.modules))\n')
    out = run(['-c', code])
    assert out.returncode == 0, out.stderr
    assert '--threads' in out.stdout
    assert 'IMPORTED []' in out.stdout


@pytest.mark.slow
def test_mmcv_lite_warning_is_filtered():
    out = run(['-W', 'default', '-c', 'import cmpl_mm, mmaction.models'])
    assert out.returncode == 0, out.stderr
    assert 'MultiScaleDeformableAttention' not in out.stderr


# ------------------------------------------------- threads and workers
def test_plan_leaves_one_core_to_the_model():
    plan = plan_resources(2, dict(train_dataloader=2, val_dataloader=2), {})
    assert plan.workers == dict(train_dataloader=1, val_dataloader=1)
    assert plan.threads == 1
    plan = plan_resources(16, dict(train_dataloader=8), {})
    assert plan.workers == dict(train_dataloader=8) and plan.threads == 8
    plan = plan_resources(1, dict(train_dataloader=0), {})
    assert plan.workers == dict(train_dataloader=0) and plan.threads == 1


def test_explicit_settings_win():
    workers = dict(train_dataloader=2)
    assert plan_resources(2, workers, {'OMP_NUM_THREADS': '3'}).threads == 3
    plan = plan_resources(2, workers, {'OMP_NUM_THREADS': '3'}, threads=2)
    assert (plan.threads, plan.threads_source) == (2, '--threads')
    plan = plan_resources(2, workers, {}, num_workers=4)
    assert plan.workers == dict(train_dataloader=4)
    plan = plan_resources(2, workers, {}, workers_explicit=True)
    assert plan.workers == workers and plan.threads == 1
    with pytest.raises(ValueError, match='OMP_NUM_THREADS'):
        plan_resources(2, workers, {'OMP_NUM_THREADS': 'many'})
    with pytest.raises(ValueError, match='--threads'):
        plan_resources(2, workers, {}, threads=0)


def test_apply_resource_plan_writes_the_config():
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG))
    before = torch.get_num_threads()
    try:
        plan = apply_resource_plan(cfg, env={}, cores=2)
        assert torch.get_num_threads() == plan.threads == 1
    finally:
        torch.set_num_threads(before)
    assert cfg.train_dataloader.num_workers == 1
    assert cfg.val_dataloader.num_workers == 1
    cfg.train_dataloader.num_workers = 2
    apply_resource_plan(cfg, num_workers=0, threads=before, env={}, cores=2)
    assert cfg.train_dataloader.num_workers == 0
    assert cfg.train_dataloader.persistent_workers is False


def test_distributed_processes_share_the_cores():
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG))
    before = torch.get_num_threads()
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(
            os, 'sched_getaffinity') else os.cpu_count()
        plan = apply_resource_plan(cfg, env={'LOCAL_WORLD_SIZE': '64'})
        assert plan.cores == max(1, cores // 64)
    finally:
        torch.set_num_threads(before)


# ----------------------------------------------------- data path checks
def test_find_missing_data_names_key_path_and_remedy(tiny_dataset):
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG))
    cfg.merge_from_dict(tiny_data_options(tiny_dataset))
    assert find_missing_data(cfg, ('train_dataloader', 'val_dataloader',
                                   'test_dataloader')) == []
    cfg.train_dataloader.dataset.unlabeled.ann_file = '/nowhere/unl.txt'
    cfg.val_dataloader.dataset.data_prefix.video = '/nowhere/videos'
    problems = find_missing_data(cfg, ('train_dataloader', 'val_dataloader'))
    assert len(problems) == 2
    assert problems[0].startswith(
        "train_dataloader.dataset.unlabeled.ann_file='/nowhere/unl.txt': "
        'file not found; make it with `python tools/data/build_semi_split.py')
    assert problems[1].startswith(
        "val_dataloader.dataset.data_prefix.video='/nowhere/videos': folder "
        'not found; lay out the dataset as the README')
    # a test-only problem is not reported for training, and vice versa
    cfg.test_dataloader.dataset.ann_file = '/nowhere/test.txt'
    assert len(find_missing_data(cfg, ('train_dataloader', ))) == 1
    assert len(find_missing_data(cfg, ('test_dataloader', ))) == 1



def test_find_missing_data_reads_each_list_as_its_dataset_will(
        tiny_dataset, tmp_path):
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG))
    cfg.merge_from_dict(tiny_data_options(tiny_dataset))
    loaders = ('train_dataloader', 'val_dataloader')
    lines = open(osp.join(tiny_dataset, 'semi', 'unlabeled.txt')).read()
    lines = lines.splitlines()
    # an unlabeled list may drop its labels, on every line
    unlabeled = tmp_path / 'unlabeled.txt'
    unlabeled.write_text(''.join(line.split()[0] + '\n' for line in lines))
    cfg.train_dataloader.dataset.unlabeled.ann_file = str(unlabeled)
    assert find_missing_data(cfg, loaders) == []
    # ... but not on some of them
    mixed = tmp_path / 'mixed.txt'
    mixed.write_text('\n'.join([lines[0], lines[1].split()[0]] + lines[2:]))
    cfg.train_dataloader.dataset.unlabeled.ann_file = str(mixed)
    assert find_missing_data(cfg, loaders) == [
        f'train_dataloader.dataset.unlabeled.ann_file: {mixed}, line 2: no '
        'label, but line 1 has one; all lines must have the same layout']
    # a validation list needs its labels; a label must be an integer
    val = tmp_path / 'val.txt'
    val.write_text(f'{lines[0]}\n{lines[1].split()[0]} two\n')
    cfg.train_dataloader.dataset.unlabeled.ann_file = str(unlabeled)
    cfg.val_dataloader.dataset.ann_file = str(val)
    problems = find_missing_data(cfg, loaders)
    assert len(problems) == 1
    assert problems[0].startswith(
        f'val_dataloader.dataset.ann_file: {val}, line 2: ')
    assert 'label' in problems[0] and "'two'" in problems[0]
    # the loaders a command does not read are not read
    assert find_missing_data(cfg, ('train_dataloader', )) == []

@pytest.mark.slow
@pytest.mark.parametrize('key', [
    'train_dataloader.dataset.unlabeled.ann_file',
    'val_dataloader.dataset.ann_file'
])
def test_train_tool_reports_missing_list_in_one_line(tiny_dataset, tmp_path,
                                                     key):
    work_dir = tmp_path / 'never'
    options = dict(tiny_data_options(tiny_dataset))
    options[key] = str(tmp_path / 'missing.txt')
    args = ['tools/train.py', DEMO_CONFIG, '--work-dir', str(work_dir),
            '--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    out = run(args, timeout=300)
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if 'error:' in line]
    assert errors == [
        f"train.py: error: {key}='{tmp_path / 'missing.txt'}': file not "
        f'found; ' + errors[0].split('found; ', 1)[1]
    ]
    assert 'README' in errors[0]
    assert 'Traceback' not in out.stderr
    assert 'Config:' not in out.stdout  # no config dump before the error
    assert not work_dir.exists()
    if 'unlabeled' not in key:
        return
    # the traceback stays available (checked once)
    out = run(args, env={TRACEBACK_ENV: '1'}, timeout=300)
    assert out.returncode != 0
    assert 'Traceback' in out.stderr and 'DataPathError' in out.stderr
    assert not work_dir.exists()


# ------------------------------------------------- refused checkpoints
# torch 2.0-2.3: the unpickler's RuntimeError text after torch.load's prefix
OLD_PREFIX = ('Weights only load failed. Re-running `torch.load` with '
              '`weights_only` set to `False` will likely succeed, but it can '
              'result in arbitrary code execution.Do it only if you get the '
              'file from a trusted source. WeightsUnpickler error: ')


@pytest.mark.parametrize('message, culprit', [
    (OLD_PREFIX + 'Unsupported class __main__.Payload', '__main__.Payload'),
    (OLD_PREFIX + 'Trying to call reduce for unrecognized function '
     '<function _reconstruct at 0x7f>', '<function _reconstruct at 0x7f>'),
    (OLD_PREFIX + "Can only build Tensor, parameter or dict objects, but got "
     "<class 'foo.Bar'>", "<class 'foo.Bar'>"),
    (OLD_PREFIX + 'Unsupported operand 149', 'Unsupported operand 149'),
])
def test_refused_object_oldest_torch_wording(message, culprit):
    assert refused_object(message) == culprit


class Payload:
    """Stands for any object a checkpoint should not carry."""


def test_refused_object_installed_torch_wording(tmp_path):
    """The wording of the installed torch (2.13 here: a multi-line message
    whose last line is advice about torch.load's documentation)."""
    import pickle
    path = str(tmp_path / 'bad.pth')
    torch.save(dict(payload=Payload()), path)
    with pytest.raises(pickle.UnpicklingError) as err:
        torch.load(path, weights_only=True)
    assert refused_object(str(err.value)) == f'{__name__}.Payload'
    # an unknown wording: the unpickler's own sentence, not the advice
    assert refused_object(
        'Weights only load failed.\n WeightsUnpickler error: Something '
        'new about X\n\nCheck the documentation of torch.load') == \
        'Something new about X'


def test_refused_checkpoint_is_one_line_naming_file_and_object(tmp_path):
    from cmpl_mm.compat.safe_checkpoint_load import UnsafeCheckpointError, safe_torch_load
    path = str(tmp_path / 'bad.pth')
    torch.save(dict(payload=Payload()), path)
    with pytest.raises(UnsafeCheckpointError) as err:
        safe_torch_load(path)
    text = format_user_error('test.py', err.value)
    first, hint = text.splitlines()
    assert first.startswith(f"test.py: error: Refused to load checkpoint "
                            f"'{path}'")
    assert f'{__name__}.Payload' in first
    assert TRACEBACK_ENV in hint


# ------------------------------------------------------------ TensorBoard
def test_tensorboard_flag_adds_the_backend():
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
    try:
        import train
    finally:
        sys.path.pop(0)
    parser = argparse.ArgumentParser()
    train.add_common_args(parser)
    args = parser.parse_args(['--tensorboard'])
    cfg = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG))
    train.add_tensorboard(cfg) if args.tensorboard else None
    train.add_tensorboard(cfg)  # idempotent
    types = [b['type'] for b in cfg.visualizer.vis_backends]
    assert types == ['LocalVisBackend', 'TensorboardVisBackend']


# ------------------------------------------------------------- the demo
@pytest.mark.slow
def test_run_demo_data_root_summary_and_plots(tiny_dataset, tmp_path):
    work_dir = str(tmp_path / 'demo')
    options = {
        'model.semi_train_cfg.threshold': 0.0,
        'model.semi_train_cfg.warmup_iters': 0,
        'train_cfg.max_iters': 2,
        'train_cfg.val_interval': 2,
        'default_hooks.logger.interval': 1,
        'custom_hooks.0.interval': 1,
    }
    out = run(['tools/run_demo.py', '--data-root', tiny_dataset,
               '--work-dir', work_dir, '--num-workers', '0',
               '--cfg-options'] + [f'{k}={v}' for k, v in options.items()])
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.splitlines()
    assert not any('Config:' in line or 'System environment' in line
                   for line in lines + out.stderr.splitlines())
    primary = [line for line in lines if line.startswith('  primary ')]
    auxiliary = [line for line in lines if line.startswith('  auxiliary ')]
    assert len(primary) == len(auxiliary) == 1
    for line in primary + auxiliary:
        assert 'val top-1' in line and 'pseudo-labels on' in line
        assert 'precision' in line
    assert 'iteration 2: validation acc/top1' in out.stderr
    plots = [line.split('plot: ', 1)[1] for line in lines
             if line.startswith('plot: ')]
    assert osp.join(work_dir, 'plots', 'pseudo_labels.png') in plots
    assert all(osp.isfile(p) for p in plots)
    assert any('--algorithm fixmatch' in line for line in lines)
    # trained on --data-root, not on data/synthetic
    dumped = Config.fromfile(osp.join(work_dir, 'cmpl_r3d18q_synthetic.py'))
    assert dumped.train_dataloader.dataset.unlabeled.ann_file == osp.join(
        tiny_dataset, 'semi', 'unlabeled.txt')
    assert dumped.val_dataloader.dataset.data_prefix.video == tiny_dataset
    # the full config went to the log file
    logs = [osp.join(d, f) for d, _, fs in os.walk(work_dir) for f in fs
            if f.endswith('.log')]
    assert any('Config:' in open(p).read() for p in logs)


def test_run_demo_point_config_at(tmp_path):
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
    try:
        import run_demo
    finally:
        sys.path.pop(0)
    cfg = run_demo.demo_config('supervised', str(tmp_path), 'w', 0)
    assert cfg.train_dataloader.dataset.labeled.ann_file == str(
        tmp_path / 'semi' / 'labeled.txt')
    assert not cfg.train_dataloader.dataset.get('unlabeled')
    assert cfg.test_dataloader.dataset.ann_file == str(tmp_path / 'val.txt')
    lines = run_demo.summary_lines(
        'cmpl', {'acc/top1': 0.5, 'aux_acc/top1': 0.25},
        dict(iter=900, primary=dict(mask_ratio=0.1, precision=0.6),
             auxiliary=dict(mask_ratio=0.7, precision=None)), 12.0, 'w')
    assert lines[1] == ('  primary   val top-1  50.0% | pseudo-labels on '
                        ' 10.0% of unlabeled clips, precision  60.0%')
    assert lines[2].endswith('precision   n/a')
    assert lines[-1] == 'final val top-1 0.5000'


def test_tensorboard_backend_writes_events(tmp_path):
    pytest.importorskip('tensorboard')
    from mmengine.visualization import Visualizer
    from mmaction.registry import VISUALIZERS
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools'))
    try:
        import train
    finally:
        sys.path.pop(0)
    cfg = train.add_tensorboard(
        Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG)))
    visualizer = VISUALIZERS.build(
        dict(cfg.visualizer, name='tb_test', save_dir=str(tmp_path)))
    assert isinstance(visualizer, Visualizer)
    visualizer.add_scalars({'pseudo/primary_mask_ratio': 0.5}, step=1)
    visualizer.close()
    events = [f for _, _, fs in os.walk(tmp_path) for f in fs
              if f.startswith('events.out.tfevents')]
    assert events


@pytest.mark.slow
@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py'])
def test_a_config_that_does_not_exist_is_one_line(tool, tmp_path):
    args = [tool, 'configs/fixmatch_r3d18q_synthtic.py']
    if tool.endswith('test.py'):
        args.append(str(tmp_path / 'x.pth'))
    out = run(args + ['--work-dir', str(tmp_path / 'never')], timeout=300)
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if 'error:' in line]
    assert errors == [
        f"{tool.split('/')[1]}: error: config "
        "'configs/fixmatch_r3d18q_synthtic.py': file not found (did you "
        "mean 'configs/fixmatch_r3d18q_synthetic.py'?)"]
    assert 'Traceback' not in out.stderr
    assert not (tmp_path / 'never').exists()


def test_a_model_key_the_algorithm_does_not_take_is_named():
    """CMPL's ``auxiliary`` on a FixMatch config stops the pre-run check
    (it used to fail with a TypeError after the Runner was built)."""
    from mmengine.config import Config
    from cmpl_mm.config_check import ConfigError, check_config
    cfg = Config.fromfile(osp.join(REPO_ROOT,
                                   'configs/fixmatch_r3d18q_synthetic.py'))
    cfg.merge_from_dict({'model.auxiliary.cls_head.num_classes': 8})
    with pytest.raises(ConfigError, match=r"model.auxiliary: "
                       r"FixMatchRecognizer takes no 'auxiliary'"):
        check_config(cfg)
    cfg = Config.fromfile(osp.join(REPO_ROOT,
                                   'configs/cmpl_r3d18q_synthetic.py'))
    cfg.model.evaluate_auxilary = True
    with pytest.raises(ConfigError, match="did you mean "
                       "'evaluate_auxiliary'"):
        check_config(cfg)


def test_data_and_config_problems_are_named_together(tmp_path):
    """A missing list and a key the algorithm does not take are reported in
    one run; a missing labeled list is named once (the data check and the
    label-range check both read it)."""
    from mmengine.config import Config
    from cmpl_mm.config_check import ConfigError, check_run_inputs
    from cmpl_mm.datasets.data_check import DataPathError
    cfg = Config.fromfile(osp.join(REPO_ROOT,
                                   'configs/fixmatch_r3d18q_synthetic.py'))
    missing = str(tmp_path / 'labeled.txt')
    cfg.merge_from_dict({
        'train_dataloader.dataset.labeled.ann_file': missing,
        'model.auxiliary.cls_head.num_classes': 8
    })
    loaders = ('train_dataloader', )
    with pytest.raises(ConfigError) as err:
        check_run_inputs(cfg, loaders)
    key = 'train_dataloader.dataset.labeled.ann_file'
    assert [p.split('=')[0] for p in err.value.problems].count(key) == 1
    assert err.value.problems[-1].startswith(
        "model.auxiliary: FixMatchRecognizer takes no 'auxiliary'")
    # only the data at fault: the data error, as before
    cfg.model.pop('auxiliary')
    with pytest.raises(DataPathError) as err:
        check_run_inputs(cfg, loaders)
    assert [p.split('=')[0] for p in err.value.problems].count(key) == 1
