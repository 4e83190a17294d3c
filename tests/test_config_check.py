"""Bad configs are refused before training, naming the offending key."""
import copy
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.config_check import ConfigError, check_config
from helpers import REPO_ROOT, tiny_data_options

init_default_scope('mmaction')


def load(algorithm, root, **options):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{algorithm}_r3d18q_synthetic.py'))
    cfg.merge_from_dict(
        tiny_data_options(
            root, cmpl=algorithm == 'cmpl',
            unlabeled=algorithm != 'supervised'))
    cfg.merge_from_dict(options)
    return cfg


def problems(cfg):
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    message = str(err.value)
    # one line per problem, each in the message the user sees
    assert err.value.problems and all(p in message
                                      for p in err.value.problems)
    return message


@pytest.mark.parametrize('algorithm', ['supervised', 'fixmatch', 'cmpl'])
def test_demo_configs_pass(tiny_dataset, algorithm):
    cfg = load(algorithm, tiny_dataset)
    assert check_config(cfg) is None
    # and the check is live on this very config
    cfg.model.semi_train_cfg.threshold = 2.0
    assert 'model.semi_train_cfg.threshold=2.0' in problems(cfg)


@pytest.mark.parametrize('threshold, key', [
    (1.5, 'model.semi_train_cfg.threshold=1.5'),
    (-0.1, 'model.semi_train_cfg.threshold=-0.1'),
    ('high', "model.semi_train_cfg.threshold='high'"),
    (dict(primary=0.9, auxiliary=1.2),
     'model.semi_train_cfg.threshold.auxiliary=1.2'),
])
def test_threshold_outside_unit_interval(tiny_dataset, threshold, key):
    cfg = load('cmpl', tiny_dataset)
    cfg.model.semi_train_cfg.threshold = threshold
    message = problems(cfg)
    assert key in message and 'in [0, 1]' in message


def test_per_network_dict_must_cover_the_taught_networks(tiny_dataset):
    cfg = load('cmpl', tiny_dataset)
    cfg.model.semi_train_cfg.threshold = dict(primary=0.9)
    assert "threshold: lacks the network(s) ['auxiliary']" in problems(cfg)
    cfg.model.semi_train_cfg.threshold = dict(
        primary=0.9, auxiliary=0.9, teacher=0.5)
    assert "unknown network key(s) ['teacher']" in problems(cfg)
    cfg.model.semi_train_cfg.threshold = dict(primary=0.9, auxiliary=0.0)
    check_config(cfg)


@pytest.mark.parametrize('options, key', [
    ({'train_dataloader.sampler.labeled_batch_size': 0},
     'train_dataloader.sampler.labeled_batch_size=0'),
    ({'train_dataloader.sampler.labeled_batch_size': -2},
     'train_dataloader.sampler.labeled_batch_size=-2'),
    ({'train_dataloader.sampler.labeled_batch_size': 2.5},
     'train_dataloader.sampler.labeled_batch_size=2.5'),
    ({'train_dataloader.sampler.mu': -1}, 'train_dataloader.sampler.mu=-1'),
    ({'train_dataloader.sampler.mu': 1.5},
     'train_dataloader.sampler.mu=1.5'),
])
def test_bad_batch_size_or_ratio(tiny_dataset, options, key):
    assert key in problems(load('fixmatch', tiny_dataset, **options))


def test_dataloader_batch_size_must_match_the_sampler(tiny_dataset):
    cfg = load(
        'fixmatch', tiny_dataset, **{
            'train_dataloader.batch_size': 10,
            'train_dataloader.sampler.labeled_batch_size': 4,
            'train_dataloader.sampler.mu': 2
        })
    message = problems(cfg)
    assert 'train_dataloader.batch_size=10 must equal' in message
    assert '4 * (1 + 2) = 12' in message
    cfg = load(
        'fixmatch', tiny_dataset, **{
            'train_dataloader.sampler.labeled_batch_size': 2,
            'train_dataloader.sampler.mu': 2,
            'train_dataloader.batch_size': 6
        })
    check_config(cfg)


def test_unlabeled_data_and_mu_must_agree(tiny_dataset):
    cfg = load('supervised', tiny_dataset, **{
        'train_dataloader.sampler.mu': 1, 'train_dataloader.batch_size': 8})
    assert 'train_dataloader.dataset.unlabeled is None' in problems(cfg)


def test_primary_and_auxiliary_class_counts_differ(tiny_dataset):
    cfg = load('cmpl', tiny_dataset,
               **{'model.auxiliary.cls_head.num_classes': 5})
    message = problems(cfg)
    assert 'model.auxiliary.cls_head.num_classes=5' in message
    assert 'model.primary.cls_head.num_classes=4' in message
    # the recognizer still refuses it when built directly
    with pytest.raises(ValueError, match='differs from'):
        MODELS.build(cfg.model)


def test_head_with_fewer_classes_than_the_labels(tiny_dataset):
    cfg = load('cmpl', tiny_dataset, **{
        'model.primary.cls_head.num_classes': 3,
        'model.auxiliary.cls_head.num_classes': 3})
    message = problems(cfg)
    assert 'model.primary.cls_head.num_classes=3' in message
    assert 'train_dataloader.dataset.labeled.ann_file=' in message
    assert 'labels outside [0, 3), up to 3' in message


def test_missing_labeled_list(tiny_dataset, tmp_path):
    """Named by the data-path check, once; the label check skips it."""
    from cmpl_mm.config_check import check_run_inputs
    from cmpl_mm.datasets.data_check import DataPathError
    missing = str(tmp_path / 'nope.txt')
    cfg = load('fixmatch', tiny_dataset,
               **{'train_dataloader.dataset.labeled.ann_file': missing})
    assert check_config(cfg) is None
    with pytest.raises(DataPathError) as err:
        check_run_inputs(cfg, ('train_dataloader', ))
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith(
        f"train_dataloader.dataset.labeled.ann_file='{missing}': file not "
        'found')


def test_labeled_list_without_labels(tiny_dataset, tmp_path):
    listing = tmp_path / 'labeled.txt'
    listing.write_text('videos/train/c00_v0000.mp4 0\n'
                       'videos/train/c00_v0001.mp4\n')
    cfg = load('fixmatch', tiny_dataset,
               **{'train_dataloader.dataset.labeled.ann_file': str(listing)})
    assert 'line 2: no label' in problems(cfg)


def test_label_range_read_like_the_other_list_readers(tmp_path):
    """The pre-Runner label check reads a list as the dataset-time reader
    does: BOM and CRLF accepted, ``delimiter`` honoured, a non-UTF-8 line
    reported with its file and line instead of a traceback."""
    from cmpl_mm.datasets.annotation_check import label_range_problems

    def check(content, **extra):
        listing = tmp_path / 'list.txt'
        listing.write_bytes(content)
        dataset = dict(type='VideoDataset', ann_file=str(listing), **extra)
        return label_range_problems('d', dataset, 'num_classes', 3)

    assert check(b'\xef\xbb\xbfa.mp4 0\r\nb.mp4 2\r\n\r\n') == []
    assert check(b'a.mp4,0\nb.mp4,2\n', delimiter=',') == []
    comma_bad = check(b'a.mp4,0\nb.mp4,5\n', delimiter=',')
    assert 'line(s) [2]' in comma_bad[0] and 'up to 5' in comma_bad[0]
    # with the default delimiter the same file has no label column
    assert 'line 1: no label' in check(b'a.mp4,0\n')[0]
    latin1 = check(b'a.mp4 0\n\xe9t\xe9.mp4 1\n')
    assert len(latin1) == 1 and 'line 2: not valid UTF-8' in latin1[0]


def test_unknown_algorithm(tiny_dataset):
    cfg = load('cmpl', tiny_dataset)
    cfg.model.type = 'CMPLRecogniser'
    message = problems(cfg)
    assert "model.type='CMPLRecogniser'" in message
    assert "did you mean 'CMPLRecognizer'" in message
    assert 'FixMatchRecognizer' in message  # the algorithms are listed


@pytest.mark.parametrize('network', ['primary', 'auxiliary'])
def test_unknown_backbone(tiny_dataset, network):
    cfg = load('cmpl', tiny_dataset)
    cfg.model[network].backbone.type = 'ResNet3D'
    message = problems(cfg)
    assert f"model.{network}.backbone.type='ResNet3D'" in message
    assert "'ResNet3d'" in message  # the close match


def test_unknown_semi_train_cfg_key_lists_valid_keys(tiny_dataset):
    cfg = load('fixmatch', tiny_dataset)
    cfg.model.semi_train_cfg.treshold = 0.9
    message = problems(cfg)
    assert 'model.semi_train_cfg.treshold: unknown key' in message
    assert "did you mean 'threshold'" in message
    assert "'nonfinite_loss'" in message


def test_all_problems_are_reported_together(tiny_dataset):
    cfg = load('cmpl', tiny_dataset, **{'train_dataloader.sampler.mu': -1})
    cfg.model.semi_train_cfg.threshold = 2
    cfg.model.primary.backbone.type = 'NoSuchNet'
    err = pytest.raises(ConfigError, check_config, cfg).value
    assert len(err.problems) == 3
    assert all(f'  - {p}' in str(err) for p in err.problems)


@pytest.mark.parametrize('semi_train_cfg, expected', [
    (dict(threshold=1.01), 'semi_train_cfg.threshold=1.01'),
    (dict(threshold=dict(primary=0.5, auxiliary=-1)),
     'semi_train_cfg.threshold.auxiliary=-1'),
    (dict(sup_weight=-1.0), 'semi_train_cfg.sup_weight=-1.0'),
    (dict(unsup_weight=dict(primary=1.0, auxiliary=-0.5)),
     'semi_train_cfg.unsup_weight.auxiliary=-0.5'),
    (dict(warmup_iters=-5), 'semi_train_cfg.warmup_iters=-5'),
    (dict(warmup_iters=2.5), 'semi_train_cfg.warmup_iters=2.5'),
    (dict(nonfinite_loss='ignore'), "semi_train_cfg.nonfinite_loss='ignore'"),
    (dict(unlabeled_forward='split'),
     "semi_train_cfg.unlabeled_forward='split': must be one of ['joint', "
     "'separate']"),
    (dict(threshold=dict(primary=0.9)), 'lacks the network'),
    (dict(warmup=10), 'semi_train_cfg.warmup: unknown key'),
])
def test_recognizer_validates_semi_train_cfg(semi_train_cfg, expected):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/cmpl_r3d18q_synthetic.py'))
    model = copy.deepcopy(cfg.model)
    model.semi_train_cfg = semi_train_cfg
    with pytest.raises(ConfigError) as err:
        MODELS.build(model)
    assert expected in str(err.value)
    if 'unknown key' in expected:
        # the message lists the keys the algorithm itself declares
        keys = MODELS.get(model.type).semi_train_cfg_keys()
        assert 'warmup_iters' in keys
        assert f'valid keys are {keys}' in str(err.value)


def test_recognizer_accepts_valid_semi_train_cfg():
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/fixmatch_r3d18q_synthetic.py'))
    cfg.model.semi_train_cfg = dict(
        threshold=1.0, sup_weight=0.0, unsup_weight=2, warmup_iters=0,
        unlabeled_forward='separate', nonfinite_loss='skip')
    model = MODELS.build(cfg.model)
    assert model.semi_train_cfg['nonfinite_loss'] == 'skip'
    cfg.model.semi_train_cfg = None
    assert MODELS.build(cfg.model).semi_train_cfg['nonfinite_loss'] == 'raise'


@pytest.mark.slow
def test_train_tool_refuses_before_building_anything(tiny_dataset, tmp_path):
    work_dir = tmp_path / 'never'
    options = dict(tiny_data_options(tiny_dataset),
                   **{'model.semi_train_cfg.threshold': 1.5,
                      'train_dataloader.batch_size': 7})
    out = subprocess.run(
        [sys.executable, 'tools/train.py',
         'configs/cmpl_r3d18q_synthetic.py', '--work-dir', str(work_dir),
         '--cfg-options'] + [f'{k}={v}' for k, v in options.items()],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert 'model.semi_train_cfg.threshold=1.5' in out.stderr
    assert 'train_dataloader.batch_size=7 must equal' in out.stderr
    assert 'Traceback' not in out.stderr
    assert not work_dir.exists()  # no Runner was built


@pytest.mark.parametrize('config,key,value,expected', [
    ('meanteacher', 'teacher.momentum', 1.5,
     'model.semi_train_cfg.teacher: momentum=1.5 must be a number in [0, 1)'),
    ('uda', 'target.temperature', 0,
     'model.semi_train_cfg.target: temperature=0 must be a number > 0'),
    ('cmpl-ema', 'teacher.momentum', 1.5,
     'model.semi_train_cfg.teacher: momentum=1.5 must be a number in [0, 1)'),
])
def test_one_setting_of_a_default_part_is_range_checked_once(
        config, key, value, expected):
    """``--cfg-options model.semi_train_cfg.<part>.<arg>=...`` on a part
    that comes from the class defaults (or is shared by two networks) gets
    the part's own range check, said once."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, f'configs/{config}_r3d18q_synthetic.py'))
    cfg.merge_from_dict({f'model.semi_train_cfg.{key}': value})
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    # the demo data may or may not exist here, so other problems may be
    # listed too; the part's own range check must be said exactly once
    problems = [line.strip().removeprefix('- ')
                for line in str(err.value).removeprefix('invalid config:')
                .splitlines() if line.strip()]
    assert sum(p.startswith(expected) for p in problems) == 1, problems
    assert str(err.value).count(expected) == 1


def test_a_label_out_of_range_in_the_validation_list_is_refused(tmp_path):
    """It would otherwise train and average the mean class accuracy over a
    class the head does not have (issue 26, item 2)."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs/fixmatch_r3d18q_synthetic.py'))
    labeled = tmp_path / 'labeled.txt'
    labeled.write_text('a.mp4 0\nb.mp4 7\n')
    val = tmp_path / 'val.txt'
    val.write_text('a.mp4 0\nb.mp4 99\n')
    cfg.merge_from_dict({
        'train_dataloader.dataset.labeled.ann_file': str(labeled),
        'val_dataloader.dataset.ann_file': str(val),
        'test_dataloader.dataset.ann_file': str(val)})
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    lines = err.value.problems
    assert len(lines) == 2  # validation and test list, one line each
    assert lines[0].startswith(
        f"val_dataloader.dataset.ann_file='{val}': 1 line(s) (e.g. line(s) "
        '[2]) have labels outside [0, 8), up to 99')
