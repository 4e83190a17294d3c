# HMDB-51 split 1, semi-supervised: the UCF-101 pipelines and batch layout
# with HMDB-51 paths (mmaction2's tools/data/hmdb51 layout). The split lists
# come from tools/data/build_semi_split.py; 40% by default.
_base_ = ['./ucf101_semi.py']

train_dataloader = dict(
    dataset=dict(
        labeled=dict(
            ann_file='data/hmdb51/semi/split1_40pct/labeled.txt',
            data_prefix=dict(video='data/hmdb51/videos')),
        unlabeled=dict(
            ann_file='data/hmdb51/semi/split1_40pct/unlabeled.txt',
            data_prefix=dict(video='data/hmdb51/videos'))))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/hmdb51/hmdb51_val_split_1_videos.txt',
        data_prefix=dict(video='data/hmdb51/videos')))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/hmdb51/hmdb51_val_split_1_videos.txt',
        data_prefix=dict(video='data/hmdb51/videos')))
