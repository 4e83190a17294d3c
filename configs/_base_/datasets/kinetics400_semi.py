# Kinetics-400, semi-supervised: the UCF-101 pipelines and batch layout with
# Kinetics paths (mmaction2's tools/data/kinetics layout). The split lists
# come from tools/data/build_semi_split.py; 1% by default.
_base_ = ['./ucf101_semi.py']

train_dataloader = dict(
    dataset=dict(
        labeled=dict(
            ann_file='data/kinetics400/semi/1pct/labeled.txt',
            data_prefix=dict(video='data/kinetics400/videos_train')),
        unlabeled=dict(
            ann_file='data/kinetics400/semi/1pct/unlabeled.txt',
            data_prefix=dict(video='data/kinetics400/videos_train'))))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
        data_prefix=dict(video='data/kinetics400/videos_val')))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/kinetics400/kinetics400_val_list_videos.txt',
        data_prefix=dict(video='data/kinetics400/videos_val')))
