# synthetic_semi_24labels.py on demo data filmed by a panning, shaking
# camera over a cluttered scene, so a clip's temporal gradient is not the
# moving target's clean outline:
#   python tools/data/generate_synthetic.py data/synthetic_pan_pool160 \
#       --videos-per-class 160 --camera-motion 0.15 --clutter 8
#   python tools/data/build_semi_split.py \
#       --ann-file data/synthetic_pan_pool160/train.txt --per-class 24 \
#       --seed 0 --out-dir data/synthetic_pan_pool160/semi24
# Same seeds, so the same targets, paths, distractors and labeled videos as
# data/synthetic_pool160; only the camera and the still objects differ.
_base_ = ['./synthetic_semi_24labels.py']

data_root = 'data/synthetic_pan_pool160'
labeled_ann_file = 'data/synthetic_pan_pool160/semi24/labeled.txt'
unlabeled_ann_file = 'data/synthetic_pan_pool160/semi24/unlabeled.txt'
val_ann_file = 'data/synthetic_pan_pool160/val.txt'

train_dataloader = dict(
    dataset=dict(
        labeled=dict(
            ann_file=labeled_ann_file, data_prefix=dict(video=data_root)),
        unlabeled=dict(
            ann_file=unlabeled_ann_file, data_prefix=dict(video=data_root))))
val_dataloader = dict(
    dataset=dict(ann_file=val_ann_file, data_prefix=dict(video=data_root)))
test_dataloader = val_dataloader
