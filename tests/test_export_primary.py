"""tools/export_primary.py: the primary network as a plain mmaction2 model."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

import cmpl_mm  # noqa: F401  (compat layer + registration)
from cmpl_mm.datasets.synthetic_videos import generate_dataset
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

# trains or launches processes: left out of the quick loop (-m "not slow")
# slow; and its module fixtures (an export per config) built once, in one
# worker under `-n auto --dist loadgroup`
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group('export_primary')]

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOOL = osp.join(ROOT, 'tools', 'export_primary.py')
CONFIG = osp.join(ROOT, 'configs', 'cmpl_r3d18q_synthetic.py')


def _one_config_per_deployed_network():
    """CMPL's demo config, and one demo config per other place an
    algorithm deploys from (``deployed_prefix``: the live primary, Mean
    Teacher's EMA of it), read from the registry."""
    from cmpl_mm.models.recognizers import algorithm_classes
    configs = {'primary.': CONFIG}
    for name, cls in algorithm_classes().items():
        prefix = MODELS.get(cls).deployed_prefix()
        configs.setdefault(prefix, osp.join(
            ROOT, 'configs', f'{name}_r3d18q_synthetic.py'))
    return list(configs.values())


CONFIGS = _one_config_per_deployed_network()


def run_tool(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)],
                          capture_output=True,
                          text=True,
                          cwd=ROOT)


def randomise_(model, seed=0):
    """Perturb every float parameter and buffer, so a wrong mapping shows."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not tensor.is_floating_point():
                continue
            noise = torch.rand(tensor.shape, generator=gen)
            if name.endswith('running_var'):
                tensor.mul_(0.5 + noise)  # keep it positive
            else:
                tensor.add_(0.1 * (noise - 0.5))


@pytest.fixture(scope='module', params=CONFIGS, ids=osp.basename)
def exported(tmp_path_factory, request):
    tmp = tmp_path_factory.mktemp('export')
    init_default_scope('mmaction')
    cfg = Config.fromfile(request.param)
    # the initial weights come from the global generator: seed it, or the
    # scores (and whether an EMA and a live network still differ after
    # the softmax saturates) depend on which tests ran before
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    randomise_(model)
    model.eval()
    ckpt = tmp / 'iter_5.pth'
    torch.save(dict(meta=dict(iter=5), state_dict=model.state_dict()), ckpt)
    out_dir = tmp / 'out'
    result = run_tool(request.param, ckpt, out_dir)
    assert result.returncode == 0, result.stderr
    return dict(
        tmp=tmp, cfg=cfg, model=model, ckpt=ckpt, out_dir=out_dir,
        stdout=result.stdout, config=request.param)


@pytest.fixture(scope='module')
def recognizer(exported):
    from mmaction.apis import init_recognizer
    out_dir = exported['out_dir']
    return init_recognizer(
        str(out_dir / 'primary_config.py'),
        str(out_dir / 'primary.pth'),
        device='cpu')


def test_writes_plain_files(exported):
    out_dir = exported['out_dir']
    cfg_path = out_dir / 'primary_config.py'
    ckpt_path = out_dir / 'primary.pth'
    assert str(cfg_path) in exported['stdout']
    assert str(ckpt_path) in exported['stdout']
    num_params = sum(p.numel() for p in exported['model'].primary.parameters())
    assert f'{num_params:,}' in exported['stdout']

    cfg = Config.fromfile(str(cfg_path))
    assert cfg.model.type == 'Recognizer3D'
    assert cfg.model.data_preprocessor == \
        exported['cfg'].model.data_preprocessor.data_preprocessor
    assert cfg.default_scope == 'mmaction'
    assert cfg.custom_imports == dict(
        imports=['cmpl_mm'], allow_failed_imports=False)
    assert cfg.test_pipeline[0]['type'] == 'DecordInit'
    for key in ('test_evaluator', 'test_cfg'):
        assert cfg[key] == exported['cfg'][key]
    for key in ('test_dataloader', 'val_dataloader'):
        # every dataset type is mmaction2's own, the rest is copied
        source = exported['cfg'][key]
        assert source.dataset.type == 'RobustDataset'
        assert cfg[key].dataset.type == 'VideoDataset'
        assert 'bad_video_policy' not in cfg[key].dataset
        assert cfg[key].dataset.pipeline == source.dataset.pipeline
        assert cfg[key].dataset.ann_file == source.dataset.ann_file

    # plain checkpoint: loads with safe (weights_only) loading as is
    ckpt = torch.load(ckpt_path, map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 5
    assert ckpt['meta']['exported_by'] == 'cmpl_mm'
    assert ckpt['meta']['source_checkpoint'] == str(exported['ckpt'])
    assert ckpt['meta']['source_config'] == exported['config']
    original = exported['model'].deployed_network().state_dict()
    assert not any(k.startswith(('primary.', 'auxiliary.', 'ema_networks.'))
                   for k in ckpt['state_dict'])
    for key, value in ckpt['state_dict'].items():
        assert torch.equal(value, original[key]), key
    model = exported['model']
    if model.ema_networks:  # the EMA network was exported, not the live one
        conv = 'backbone.conv1.conv.weight'
        assert not torch.equal(ckpt['state_dict'][conv],
                               model.primary.state_dict()[conv])


def test_loads_strictly(exported, recognizer):
    path = str(exported['out_dir'] / 'primary.pth')
    state_dict = _load_checkpoint(path, map_location='cpu')['state_dict']
    assert set(state_dict) == set(recognizer.state_dict())
    load_checkpoint(recognizer, path, map_location='cpu', strict=True)


def test_same_scores_on_a_random_clip(exported, recognizer):
    gen = torch.Generator().manual_seed(1)
    clip = torch.randint(
        0, 256, (1, 3, 8, 56, 56), generator=gen, dtype=torch.uint8)
    data = dict(inputs=[clip], data_samples=[ActionDataSample()])
    exported_inputs = recognizer.data_preprocessor(data)['inputs']
    original_inputs = exported['model'].data_preprocessor(data)['inputs']
    assert torch.allclose(exported_inputs, original_inputs)
    with torch.no_grad():
        ours = recognizer.test_step(data)[0].pred_score
        theirs = exported['model'].test_step(data)[0].pred_score
    assert torch.allclose(ours, theirs, atol=1e-5)
    assert not torch.allclose(ours, torch.full_like(ours, 1 / ours.numel()))


def test_inference_recognizer_on_a_video(exported, recognizer):
    from mmaction.apis import inference_recognizer
    data_dir = exported['tmp'] / 'videos'
    generate_dataset(
        str(data_dir),
        num_classes=2,
        videos_per_class=1,
        val_per_class=1,
        num_frames=16,
        size=64,
        show_progress=False)
    with open(data_dir / 'val.txt') as f:
        video = str(data_dir / f.readline().split()[0])
    result = inference_recognizer(recognizer, video)

    pipeline = Compose(recognizer.cfg.test_pipeline)
    data = pipeline(
        dict(filename=video, label=-1, start_index=0, modality='RGB'))
    with torch.no_grad():
        expected = exported['model'].test_step(pseudo_collate([data]))[0]
    assert result.pred_score.shape == (8, )
    assert torch.allclose(result.pred_score, expected.pred_score, atol=1e-5)


def test_refuses_checkpoint_without_primary(exported):
    bad = exported['tmp'] / 'bare_recognizer.pth'
    torch.save(
        dict(meta=dict(iter=5),
             state_dict=exported['model'].primary.state_dict()), bad)
    result = run_tool(exported['config'], bad, exported['tmp'] / 'bad_out')
    assert result.returncode != 0
    assert str(bad) in result.stderr
    assert type(exported['model']).deployed_prefix() in result.stderr
    assert not (exported['tmp'] / 'bad_out' / 'primary.pth').exists()
