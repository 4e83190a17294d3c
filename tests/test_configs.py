"""Every config loads and builds its model and pipelines, offline."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmaction.registry import DATASETS, MODELS

from cmpl_mm.models.recognizers import algorithm_classes

from helpers import REPO_ROOT, algorithms

CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', '*.py')))
# ablations kept beside the results they made (docs/results/*/)
EXPERIMENT_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'docs', 'results', '*', '*_synthetic*.py')))


def pipelines(cfg):
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[split]['dataset']
        for part in ('labeled', 'unlabeled'):
            if dataset.get(part):
                yield dataset[part]['pipeline']
        if 'pipeline' in dataset:
            yield dataset['pipeline']


def test_every_algorithm_has_a_demo_and_a_ucf101_config():
    names = {osp.basename(c) for c in CONFIGS}
    for algorithm in algorithms():
        assert f'{algorithm}_r3d50_ucf101.py' in names
        assert f'{algorithm}_r3d18q_synthetic.py' in names


@pytest.mark.parametrize('path', CONFIGS + EXPERIMENT_CONFIGS,
                         ids=osp.basename)
def test_config_builds(path):
    init_default_scope('mmaction')
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmaction'
    assert cfg.custom_imports['imports'] == ['cmpl_mm']
    # checkpoints carry the random state (--resume continues the stream)
    assert cfg.default_hooks.random_state == dict(type='RandomStateHook')
    model = MODELS.build(cfg.model)
    # {algorithm}[-variant]_{backbone}_{dataset}.py builds that algorithm's
    # class (a config-only algorithm: the class it is a config of)
    algorithm = osp.basename(path).split('_')[0].split('-')[0]
    assert type(model).__name__ == algorithm_classes()[algorithm]
    if algorithm == 'cmpl':
        assert model.auxiliary.cls_head.num_classes == \
            model.primary.cls_head.num_classes
    loader = cfg.train_dataloader
    sampler = loader['sampler']
    assert loader['batch_size'] == sampler['labeled_batch_size'] * (
        1 + sampler['mu'])
    assert (loader['dataset'].get('unlabeled') is None) == (
        algorithm == 'supervised')
    for pipeline in pipelines(cfg):  # every step builds to its own type
        built = [type(t).__name__ for t in Compose(pipeline).transforms]
        assert built == [step['type'] for step in pipeline]


def dataset_parts(cfg):
    """``(key, dataset cfg)`` of every dataset of the three dataloaders."""
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[split]['dataset']
        for part in ('labeled', 'unlabeled'):
            if dataset.get(part):
                yield f'{split}.{part}', dataset[part]
        if 'labeled' not in dataset:
            yield split, dataset


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_datasets_use_current_types_and_hide_unlabeled_labels(path):
    init_default_scope('mmaction')
    cfg = Config.fromfile(path)
    for key, dataset in dataset_parts(cfg):
        built_by = DATASETS.get(dataset['type'])
        assert isinstance(built_by, type), (key, dataset['type'])  # no alias
        assert dataset.get('hide_labels', False) == key.endswith(
            '.unlabeled'), key


def test_model_index_lists_every_config():
    import yaml
    index = yaml.safe_load(open(osp.join(REPO_ROOT, 'model-index.yml')))
    listed = []
    for metafile in index['Import']:
        meta = yaml.safe_load(open(osp.join(REPO_ROOT, metafile)))
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert model['In Collection'] in collections
            assert osp.isfile(osp.join(REPO_ROOT, model['Config']))
            for result in model.get('Results', []):
                # a number is either the paper's or carries its command
                assert 'paper' in result['Notes'] or 'Command' in result
            listed.append(osp.basename(model['Config']))
    assert sorted(listed) == sorted(osp.basename(c) for c in CONFIGS)


# The README's 24-label figures were trained with the 8-label demo configs
# and these options; the -24labels configs must be exactly that, with the
# val list read from the larger demo set (the same 400 videos, byte for
# byte).
D24 = 'data/synthetic_pool160'
OPTIONS_24_LABELS = {
    'train_dataloader.dataset.labeled.ann_file': f'{D24}/semi24/labeled.txt',
    'train_dataloader.dataset.labeled.data_prefix.video': D24,
    'train_dataloader.dataset.unlabeled.ann_file':
    f'{D24}/semi24/unlabeled.txt',
    'train_dataloader.dataset.unlabeled.data_prefix.video': D24,
    'val_dataloader.dataset.ann_file': f'{D24}/val.txt',
    'val_dataloader.dataset.data_prefix.video': D24,
    'test_dataloader.dataset.ann_file': f'{D24}/val.txt',
    'test_dataloader.dataset.data_prefix.video': D24,
    'train_cfg.max_iters': 2400,
    'train_cfg.val_interval': 800,
    'param_scheduler.1.T_max': 2350,
    'param_scheduler.1.end': 2400,
}


@pytest.mark.parametrize('name', [
    'supervised_r3d18q_synthetic', 'fixmatch_r3d18q_synthetic',
    'cmpl_r3d18q_synthetic', 'cmpl_r3d18q-aux-half_synthetic',
    'flexmatch_r3d18q_synthetic', 'freematch_r3d18q_synthetic',
    'softmatch_r3d18q_synthetic', 'cmpl-flexmatch_r3d18q_synthetic',
    'cmpl-distalign_r3d18q_synthetic', 'cmpl-tg_r3d18q_synthetic',
    'mvpl_r3d18q_synthetic', 'ltg_r3d18q_synthetic',
    'fixmatch_vit-tiny_synthetic', 'svformer_vit-tiny_synthetic'
])
def test_24_label_configs_equal_the_options_they_replace(name):
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', f'{name}-24labels.py'))
    expected = Config.fromfile(osp.join(REPO_ROOT, 'configs', f'{name}.py'))
    options = dict(OPTIONS_24_LABELS)
    if name.startswith('supervised'):  # it has no unlabeled part
        options = {k: v for k, v in options.items() if 'unlabeled' not in k}
    expected.merge_from_dict(options)
    # the two differ in their variables only (data_root, max_iters, ...)
    keys = ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader',
            'train_cfg', 'param_scheduler', 'optim_wrapper', 'default_hooks',
            'custom_hooks', 'val_evaluator', 'env_cfg')
    for key in keys:
        assert cfg[key] == expected[key], key


PAN_CONFIGS = sorted(glob.glob(osp.join(
    REPO_ROOT, 'docs', 'results', 'demo_24labels_pan', '*-pan-24labels.py')))


@pytest.mark.parametrize('path', PAN_CONFIGS, ids=osp.basename)
def test_pan_configs_are_the_24_label_configs_on_the_pan_data(path):
    """The moving-camera experiment changes the data and nothing else."""
    name = osp.basename(path).replace('-pan-24labels', '-24labels')
    static = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    expected = Config.fromstring(
        static.pretty_text.replace('data/synthetic_pool160',
                                   'data/synthetic_pan_pool160'), '.py')
    cfg = Config.fromfile(path)
    assert 'synthetic_pan_pool160' in cfg.train_dataloader.dataset.labeled[
        'ann_file']
    for key in ('model', 'train_dataloader', 'val_dataloader',
                'test_dataloader', 'train_cfg', 'param_scheduler',
                'optim_wrapper', 'default_hooks', 'custom_hooks'):
        assert cfg.get(key) == expected.get(key), key


def test_there_are_pan_configs():
    assert len(PAN_CONFIGS) == 4
