default_scope = 'mmaction'
custom_imports = dict(imports=['cmpl_mm'], allow_failed_imports=False)

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    # log_metric_by_epoch=False: validation scalars get the iteration as step
    logger=dict(
        type='LoggerHook',
        interval=20,
        ignore_last=False,
        log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=1000,
        max_keep_ckpts=3,
        save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # mmengine's SyncBuffersHook, minus the EMA teachers' weights
    sync_buffers=dict(type='SyncLiveBuffersHook'),
    # checkpoints carry the random state; --resume continues its stream
    random_state=dict(type='RandomStateHook'))

# cudnn_benchmark: cuDNN times its convolution algorithms for each new input
# shape once and keeps the fastest (training clips have one shape); no
# effect on the CPU. mmengine turns it off again for --deterministic.
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=False)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False

# mask ratio, pseudo-label precision, class histogram (no-op when no
# pseudo-labels are made, e.g. for the supervised baseline); bad videos
# skipped by RobustDataset: logged once each, counted, listed in
# WORK_DIR/bad_videos.txt, left out of validation / test metrics
# EMATeacherHook moves EMA teachers after each optimizer step (no-op
# without them)
custom_hooks = [
    dict(type='PseudoLabelStatsHook', interval=50),
    dict(type='BadVideoHook', interval=50),
    dict(type='EMATeacherHook'),
    # sizes per-clip memories (FlexMatchThreshold) from the unlabeled set
    # (no-op without them)
    dict(type='PseudoLabelMemoryHook')
]
