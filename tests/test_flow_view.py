"""The optical-flow view: flow frames loaded for the decoded frames, moved
with them by every spatial transform, normalised apart, sliced for the
networks that see it, and the errors of a config without flow."""
import copy
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmaction.registry import DATASETS, MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample

from cmpl_mm.config_check import ConfigError, check_config, flow_data_problems
from cmpl_mm.models.modalities import temporal_gradient, to_modality
from cmpl_mm.models.pseudo_label import take_record
from helpers import REPO_ROOT

CMPL = f'{REPO_ROOT}/configs/cmpl_r3d18q_synthetic.py'
MVPL = f'{REPO_ROOT}/configs/mvpl_r3d18q_synthetic.py'
NUM_FRAMES, SIZE = 5, 32
RGB_TMPL, FLOW_TMPL = 'img_{:05d}.png', 'flow_{}_{:05d}.png'


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('mmaction')


def rgb_frame(i):
    """RGB frame ``i``: R = 10 i everywhere, G a column ramp, B 7."""
    frame = np.zeros((SIZE, SIZE, 3), np.uint8)
    frame[..., 0] = 10 * i
    frame[..., 1] = np.arange(SIZE)[None, :] * 4
    frame[..., 2] = 7
    return frame


def flow_frame(i):
    """Flow frame ``i`` (x, y): x = 128 + 3 i + column, y = 128 - 2 i - row
    (lossless png, so the values come back exactly)."""
    cols, rows = np.meshgrid(np.arange(SIZE), np.arange(SIZE))
    return (128 + 3 * i + cols).astype(np.uint8), \
        (128 - 2 * i - rows).astype(np.uint8)


@pytest.fixture(scope='module')
def rawframes(tmp_path_factory):
    """Two videos laid out as mmaction2's build_rawframes.py writes them:
    5 RGB frames, 4 flow frames (one per consecutive pair)."""
    root = tmp_path_factory.mktemp('rawframes')
    for video in ('v0', 'v1'):
        os.makedirs(root / video)
        for i in range(1, NUM_FRAMES + 1):
            cv2.imwrite(str(root / video / RGB_TMPL.format(i)),
                        rgb_frame(i)[..., ::-1])
            if i < NUM_FRAMES:
                for axis, plane in zip('xy', flow_frame(i)):
                    cv2.imwrite(str(root / video / FLOW_TMPL.format(axis, i)),
                                plane)
    (root / 'list.txt').write_text(
        f'v0 {NUM_FRAMES} 0\nv1 {NUM_FRAMES} 1\n')
    return str(root)


def decode(rawframes, frame_inds):
    results = dict(frame_dir=osp.join(rawframes, 'v0'), total_frames=5,
                   start_index=1, filename_tmpl=RGB_TMPL, modality='RGB',
                   frame_inds=np.array(frame_inds))
    pipeline = Compose([
        dict(type='RawFrameDecode'),
        dict(type='LoadFlowForFrames', filename_tmpl=FLOW_TMPL)
    ])
    return pipeline(results)


def test_flow_is_loaded_for_the_same_frames(rawframes):
    """Each frame's flow is that of its own index; the last RGB frame,
    which has no flow frame of its own, takes the last one."""
    results = decode(rawframes, [1, 3, 3, 5])
    imgs = results['imgs']
    assert [img.shape for img in imgs] == [(SIZE, SIZE, 5)] * 4
    for img, index, flow_index in zip(imgs, [1, 3, 3, 5], [1, 3, 3, 4]):
        assert np.array_equal(img[..., :3], rgb_frame(index))
        x, y = flow_frame(flow_index)
        assert np.array_equal(img[..., 3], x)
        assert np.array_equal(img[..., 4], y)


def test_load_flow_after_a_resize_is_refused(rawframes):
    results = dict(frame_dir=osp.join(rawframes, 'v0'), total_frames=5,
                   start_index=1, filename_tmpl=RGB_TMPL, modality='RGB',
                   frame_inds=np.array([1, 2]))
    results = Compose([
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(16, 16), keep_ratio=False)
    ])(results)
    with pytest.raises(ValueError, match='right after the RGB decode'):
        TRANSFORMS.build(dict(type='LoadFlowForFrames',
                              filename_tmpl=FLOW_TMPL))(results)


@pytest.mark.parametrize('direction,channel', [('horizontal', 3),
                                               ('vertical', 4)])
def test_flip_negates_the_flipped_flow_component(rawframes, direction,
                                                 channel):
    results = decode(rawframes, [1, 2])
    before = [img.copy() for img in results['imgs']]
    flip = TRANSFORMS.build(dict(type='RGBFlowFlip', flip_ratio=1.0,
                                 direction=direction))
    after = flip(results)['imgs']
    axis = 1 if direction == 'horizontal' else 0
    for old, new in zip(before, after):
        mirrored = np.flip(old, axis=axis)
        other = 7 - channel  # the component that is not negated
        assert np.array_equal(new[..., :3], mirrored[..., :3])
        assert np.array_equal(new[..., channel], 255 - mirrored[..., channel])
        assert np.array_equal(new[..., other], mirrored[..., other])
    # RGB-only frames: exactly mmaction2's Flip
    rgb = [rgb_frame(1)]
    out = flip(dict(imgs=[f.copy() for f in rgb], img_shape=(SIZE, SIZE),
                    modality='RGB'))['imgs']
    assert np.array_equal(out[0], np.flip(rgb[0], axis=axis))


def uniform_clip(u=20, v=0):
    """Two RGB frames with a uniform flow (u, v) behind them."""
    rgb = np.stack([rgb_frame(1), rgb_frame(2)])
    flow = np.empty(rgb.shape[:3] + (2, ), np.uint8)
    flow[..., 0], flow[..., 1] = 128 + u, 128 + v
    return rgb, flow


@pytest.mark.parametrize('op', ['Solarize', 'Equalize', 'Contrast', 'Color',
                                'Posterize', 'AutoContrast'])
def test_randaugment_value_ops_leave_flow_alone(op):
    aug = TRANSFORMS.build(dict(type='VideoRandAugment', num_ops=1,
                                magnitude=9, ops=[op]))
    rgb, flow = uniform_clip()
    rgb[:, :4] = 250  # something for the statistics ops to move
    np.random.seed(0)
    results = aug(dict(imgs=list(np.concatenate([rgb, flow], -1))))
    (name, mag), = results['rand_augment_ops']
    out = np.stack(results['imgs'])
    assert np.array_equal(out[..., 3:], flow)
    assert np.array_equal(out[..., :3], aug.apply_op(rgb, name, mag))


def test_randaugment_moves_and_rotates_flow_with_the_frames():
    aug = TRANSFORMS.build(dict(type='VideoRandAugment', num_ops=1,
                                magnitude=10, ops=['Rotate']))
    rgb, flow = uniform_clip(u=20, v=0)
    np.random.seed(0)
    results = aug(dict(imgs=list(np.concatenate([rgb, flow], -1))))
    (_, mag), = results['rand_augment_ops']
    out = np.stack(results['imgs'])
    assert np.array_equal(out[..., :3], aug.apply_op(rgb, 'Rotate', mag))
    # mmcv turns the frame clockwise by 30 * sign degrees (y points down):
    # a vector (20, 0) becomes 20 (cos a, sin a) in the interior
    angle = np.deg2rad(3 * mag)
    centre = out[:, SIZE // 2, SIZE // 2, 3:].astype(float) - 128
    assert np.allclose(centre, [20 * np.cos(angle), 20 * np.sin(angle)],
                       atol=1)
    assert (out[:, 0, 0, 3:] == 128).all()  # uncovered: zero motion
    # a translation moves the field, not its vectors
    shift = TRANSFORMS.build(dict(type='VideoRandAugment', num_ops=1,
                                  magnitude=5, ops=['TranslateX']))
    out = np.stack(shift(dict(imgs=list(np.concatenate(
        [rgb, flow], -1))))['imgs'])
    assert (out[:, :, SIZE // 2, 3] == 148).all()
    assert ((out[..., 3] >= 128) & (out[..., 3] <= 148)).all()
    assert (out[..., 3] == 128).any()  # the uncovered edge
    assert (out[..., 4] == 128).all()


def test_randaugment_refuses_to_reverse_flow():
    aug = TRANSFORMS.build(dict(type='VideoRandAugment', num_ops=0,
                                reverse_prob=1.0))
    rgb, flow = uniform_clip()
    with pytest.raises(ValueError, match='reverse_prob'):
        aug(dict(imgs=list(np.concatenate([rgb, flow], -1))))


def preprocessor():
    return MODELS.build(dict(
        type='MultiViewDataPreprocessor',
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375],
                               format_shape='NCTHW')))


def test_preprocessor_normalises_flow_apart_and_views_slice_it():
    g = torch.Generator().manual_seed(0)
    clips = [torch.randint(0, 256, (1, 5, 4, 8, 8), dtype=torch.uint8,
                           generator=g) for _ in range(2)]
    out = preprocessor()(dict(inputs=clips, data_samples=[
        ActionDataSample(), ActionDataSample()]))['inputs']
    assert out.shape == (2, 1, 5, 4, 8, 8)
    raw = torch.stack(clips).float()
    mean = torch.tensor([123.675, 116.28, 103.53]).view(3, 1, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(3, 1, 1, 1)
    assert torch.allclose(out[:, :, :3], (raw[:, :, :3] - mean) / std)
    assert torch.allclose(out[:, :, 3:], (raw[:, :, 3:] - 128) / 128)
    assert torch.equal(to_modality(out, 'rgb'), out[:, :, :3])
    assert torch.equal(to_modality(out, 'flow'), out[:, :, 3:])
    assert torch.equal(to_modality(out, 'tg'),
                       temporal_gradient(out[:, :, :3]))
    rgb_only = out[:, :, :3]
    assert to_modality(rgb_only, 'rgb') is rgb_only
    with pytest.raises(ValueError) as err:
        to_modality(rgb_only, 'flow')
    message = str(err.value)
    assert '\n' not in message
    assert message.startswith("semi_train_cfg.modality: 'flow' needs")
    assert 'LoadFlowForFrames' in message


def flow_cmpl_cfg():
    cfg = Config.fromfile(CMPL)
    cfg.model.semi_train_cfg.update(warmup_iters=0, threshold=0.0,
                                    modality=dict(auxiliary='flow'))
    cfg.model.auxiliary.backbone.in_channels = 2
    return cfg


def flow_batch(batch=2, mu=1, seed=0):
    """A ``MultiView`` + ``pseudo_collate`` batch of RGB + flow clips."""
    g = torch.Generator().manual_seed(seed)

    def clip():
        return torch.randint(0, 255, (1, 5, 8, 32, 32), dtype=torch.uint8,
                             generator=g)

    def sample(label=None):
        ds = ActionDataSample()
        if label is not None:
            ds.set_gt_label(label)
        return ds

    n = batch * mu
    return dict(
        inputs=dict(sup=[clip() for _ in range(batch)] + [None] * n,
                    weak=[None] * batch + [clip() for _ in range(n)],
                    strong=[None] * batch + [clip() for _ in range(n)]),
        data_samples=dict(
            sup=[sample(i) for i in range(batch)] + [None] * n,
            weak=[None] * batch + [sample() for _ in range(n)],
            strong=[None] * batch + [sample() for _ in range(n)]))


def spy_inputs(net, seen):
    extract = net.extract_feat

    def wrapped(inputs, *args, **kwargs):
        seen.append(inputs.detach().clone())
        return extract(inputs, *args, **kwargs)
    net.extract_feat = wrapped


def test_cmpl_with_a_flow_auxiliary_trains_a_step():
    torch.manual_seed(0)
    model = MODELS.build(flow_cmpl_cfg().model)
    primary, auxiliary = [], []
    spy_inputs(model.primary, primary)
    spy_inputs(model.auxiliary, auxiliary)
    batch = flow_batch()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = model.auxiliary.backbone.conv1.conv.weight.detach().clone()
    losses = model.train_step(batch, optim)
    take_record()
    assert torch.isfinite(losses['loss']).all()
    assert 'unsup_aux_loss_cls' in losses
    views = torch.cat([data['inputs'][v] for v in ('sup', 'weak', 'strong')])
    assert torch.allclose(primary[0], views[:, :, :3])
    assert torch.allclose(auxiliary[0], views[:, :, 3:])
    assert not torch.equal(before,
                           model.auxiliary.backbone.conv1.conv.weight)
    # validation sees what the deployed primary sees: RGB
    model.evaluate_auxiliary = True
    primary.clear()
    auxiliary.clear()
    model.predict(data['inputs']['sup'],
                  copy.deepcopy(data['data_samples']['sup']))
    assert primary[0].shape[2] == 3 and auxiliary[0].shape[2] == 2


def test_mvpl_with_a_flow_view_trains_a_step():
    cfg = Config.fromfile(MVPL)
    cfg.model.semi_train_cfg.update(warmup_iters=0, threshold=0.0,
                                    views=['rgb', 'tg', 'flow'])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    seen = []
    spy_inputs(model.primary, seen)
    batch = flow_batch()
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    losses = model.train_step(batch, optim)
    take_record()
    assert torch.isfinite(losses['loss']).all() and 'unsup_loss_cls' in losses
    sup = data['inputs']['sup']
    flows = [x for x in seen if torch.equal(x[:sup.shape[0], :, :2],
                                            sup[:, :, 3:])]
    assert flows and (flows[0][:, :, 2] == 0).all()  # (x, y, 0)
    assert all(x.shape[2] == 3 for x in seen)


def test_a_pipeline_from_rawframes_to_a_train_step(rawframes):
    """RawframeDataset -> decode once -> flow -> crop, resize, flip,
    RandAugment -> views -> preprocessor -> a CMPL step with a flow
    auxiliary."""
    head = [
        dict(type='SampleFrames', clip_len=4, frame_interval=1,
             num_clips=1),
        dict(type='RawFrameDecode'),
        dict(type='LoadFlowForFrames', filename_tmpl=FLOW_TMPL),
        dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='RGBFlowFlip', flip_ratio=0.5),
    ]
    pack = [dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackActionInputs')]
    views = ['sup', 'weak', 'strong']

    def dataset(view_pipelines):
        return DATASETS.build(dict(
            type='RawframeDataset', ann_file=osp.join(rawframes, 'list.txt'),
            data_prefix=dict(img=rawframes), filename_tmpl=RGB_TMPL,
            pipeline=head + [dict(type='MultiView', view_names=views,
                                  **view_pipelines)]))

    labeled = dataset(dict(sup=pack))
    unlabeled = dataset(dict(weak=pack, strong=[
        dict(type='VideoRandAugment', num_ops=2, magnitude=10)] + pack))
    np.random.seed(0)
    batch = pseudo_collate([labeled[0], labeled[1], unlabeled[0],
                            unlabeled[1]])
    assert batch['inputs']['weak'][2].shape == (1, 5, 4, 32, 32)
    cfg = flow_cmpl_cfg()
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    losses = model.train_step(batch, optim)
    take_record()
    assert torch.isfinite(losses['loss']).all()


def one_line(err):
    problems = str(err.value).splitlines()[1:] or [str(err.value)]
    return [p.strip(' -') for p in problems]


def test_a_flow_network_without_flow_data_is_named_before_the_run():
    cfg = flow_cmpl_cfg()  # the demo pipelines decode RGB videos only
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    flow = [p for p in one_line(err) if 'flow' in p]
    assert flow and all(p.startswith(
        "model.semi_train_cfg.modality: asks for 'flow', but "
        'train_dataloader.dataset.') and 'LoadFlowForFrames' in p
        for p in flow), flow
    cfg = Config.fromfile(MVPL)
    cfg.model.semi_train_cfg.views = ['rgb', 'flow']
    problems = flow_data_problems(cfg, cfg.model)
    assert problems and all(p.startswith(
        "model.semi_train_cfg.views: asks for 'flow'") for p in problems)


def test_a_flow_backbone_of_three_channels_is_named():
    cfg = flow_cmpl_cfg()
    cfg.model.auxiliary.backbone.in_channels = 3
    with pytest.raises(ConfigError) as err:
        check_config(cfg)
    assert ("model.auxiliary.backbone.in_channels=3: auxiliary sees 'flow' "
            '(semi_train_cfg.modality), 2 channels; set in_channels=2'
            ) in one_line(err)
    with pytest.raises(ConfigError, match=r'auxiliary.backbone.in_channels'
                       r'=3: auxiliary sees'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('name', ['cmpl-flow_r3d50_ucf101.py',
                                  'mvpl-flow_r3d50_ucf101.py'])
def test_flow_configs_load_flow_where_it_is_seen(name):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    assert flow_data_problems(cfg, cfg.model) == []
    model = MODELS.build(cfg.model)
    if name.startswith('cmpl'):
        assert model.modality_of('auxiliary') == 'flow'
        assert model.auxiliary.backbone.in_channels == 2
    # a plain Flip, or the flow loaded after a resize, is named
    steps = cfg.train_dataloader.dataset.labeled.pipeline
    flip = [i for i, s in enumerate(steps) if s.type == 'RGBFlowFlip'][0]
    steps[flip].type = 'Flip'
    load = [i for i, s in enumerate(steps)
            if s.type == 'LoadFlowForFrames'][0]
    steps.insert(load, dict(type='Resize', scale=(-1, 128)))
    problems = flow_data_problems(cfg, cfg.model)
    key = 'train_dataloader.dataset.labeled.pipeline'
    assert f'{key}.{load + 1}: LoadFlowForFrames must come right after ' \
        'the RGB decode (RawFrameDecode), before any resize, crop or flip' \
        in problems
    assert f"{key}.{flip + 1}.type='Flip' keeps the flow's sign; use " \
        "'RGBFlowFlip' in a pipeline that loads flow" in problems
