"""How much of a generated clip's frame-to-frame change is on its target.

Renders validation clips of the demo generator twice, with and without the
labelled target (same random draws), and reports, among the pixels whose
value changes strongly between two frames (more than ``--change`` grey
levels in a channel; the per-pixel noise alone rarely does), the share that
lies on the target. A temporal-gradient view shows exactly these changes,
so a share near 1 means the TG is the target's outline. Run from the
repository root:

    python docs/results/demo_24labels_pan/tg_on_target.py
    python docs/results/demo_24labels_pan/tg_on_target.py \
        --camera-motion 0.15 --clutter 8
"""
import argparse

import numpy as np

from cmpl_mm.datasets import synthetic_videos as sv


def on_target_share(label, index, camera_motion, clutter, change):
    shape, motion = sv.class_grid(8)[label]

    def render(**kwargs):
        return sv.render_clip(
            sv.video_rng(0, 'val', label, index), shape, motion, 16, 64,
            camera_motion=camera_motion, clutter=clutter,
            **kwargs).astype(np.float32)

    frames, rest = render(), render(target=False)
    target = np.abs(frames - rest).max(-1) > 25
    on_target = target[1:] | target[:-1]
    strong = np.abs(np.diff(frames, axis=0)).max(-1) > change
    return (strong & on_target).sum() / strong.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--camera-motion', type=float, default=0.0)
    parser.add_argument('--clutter', type=int, default=0)
    parser.add_argument('--clips-per-class', type=int, default=10)
    parser.add_argument('--change', type=float, default=40)
    args = parser.parse_args()
    shares = [
        on_target_share(label, index, args.camera_motion, args.clutter,
                        args.change) for label in range(8)
        for index in range(args.clips_per_class)
    ]
    print(f'camera_motion {args.camera_motion:g}, clutter {args.clutter}: '
          f'{100 * np.mean(shares):.1f} % +- {100 * np.std(shares):.1f} of '
          f'the strongly changing pixels are on the target '
          f'({len(shares)} val clips)')


if __name__ == '__main__':
    main()
