# supervised_r3d50_ucf101.py with 10% of UCF-101 split 1 labeled.
_base_ = ['./supervised_r3d50_ucf101.py']

train_dataloader = dict(
    dataset=dict(
        labeled=dict(ann_file='data/ucf101/semi/split1_10pct/labeled.txt')))
