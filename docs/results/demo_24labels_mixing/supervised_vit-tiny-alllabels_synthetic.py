# Diagnostic, not a semi-supervised run: can the demo's tiny video ViT learn
# the shape at all? supervised_vit-tiny_synthetic-24labels.py trained on
# every one of the 1280 training videos of data/synthetic_pool160 (all
# labelled), same 2400 iterations and optimizer. If the shape stays at
# chance here too, the 24-label figures of the tiny ViT are limited by the
# network, not by the labels.
_base_ = ['../../../configs/supervised_vit-tiny_synthetic-24labels.py']

train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/synthetic_pool160/train.txt'),
        allow_overlap=True))
