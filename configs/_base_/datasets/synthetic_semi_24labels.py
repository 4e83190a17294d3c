# synthetic_semi.py on the larger demo set (160 training videos per class,
# tools/data/generate_synthetic.py --videos-per-class 160) with 24 labeled
# videos per class (192 labeled, 1088 unlabeled; build_semi_split.py
# --per-class 24 --seed 0 --out-dir data/synthetic_pool160/semi24). Its 400
# val videos are those of data/synthetic byte for byte (every video has its
# own random generator).
_base_ = ['./synthetic_semi.py']

data_root = 'data/synthetic_pool160'
labeled_ann_file = 'data/synthetic_pool160/semi24/labeled.txt'
unlabeled_ann_file = 'data/synthetic_pool160/semi24/unlabeled.txt'
val_ann_file = 'data/synthetic_pool160/val.txt'

train_dataloader = dict(
    dataset=dict(
        labeled=dict(
            ann_file=labeled_ann_file, data_prefix=dict(video=data_root)),
        unlabeled=dict(
            ann_file=unlabeled_ann_file, data_prefix=dict(video=data_root))))
val_dataloader = dict(
    dataset=dict(ann_file=val_ann_file, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
