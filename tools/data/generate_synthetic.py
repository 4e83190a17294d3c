"""Generate the synthetic shape x motion video data set.

Example::

    python tools/data/generate_synthetic.py data/synthetic --seed 0

writes ``data/synthetic/{train,val,classes}.txt`` and
``data/synthetic/videos/{train,val}/*.mp4``; see
:mod:`cmpl_mm.datasets.synthetic_videos` for the classes and nuisance factors.
"""
import argparse

from cmpl_mm.datasets.synthetic_videos import generate_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write a deterministic synthetic video classification '
        'data set (MMAction2 VideoDataset lists, mp4 videos).')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument('--seed', type=int, default=0, help='data set seed')
    parser.add_argument(
        '--num-classes', type=int, default=8,
        help='number of classes, 2..24 (shape x motion grid)')
    parser.add_argument(
        '--videos-per-class', type=int, default=40,
        help='training videos per class')
    parser.add_argument(
        '--val-per-class', type=int, default=50,
        help='validation videos per class')
    parser.add_argument(
        '--num-frames', type=int, default=16, help='frames per video')
    parser.add_argument(
        '--size', type=int, default=64,
        help='frame height and width in pixels (even, >= 64)')
    parser.add_argument(
        '--fps', type=float, default=8, help='frame rate of the files')
    parser.add_argument(
        '--camera-motion', type=float, default=0.0,
        help='largest camera pan over a clip, a fraction of the frame size '
        'in [0, 0.2]; 0 (default, the demo data) is a still camera, whose '
        'frame differences show only the moving objects')
    parser.add_argument(
        '--clutter', type=int, default=0,
        help='still objects in every scene (default 0, the demo data); '
        'with --camera-motion their edges move in every frame difference')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser, parser.parse_args(argv)


def main(argv=None):
    parser, args = parse_args(argv)
    try:
        summary = generate_dataset(
            args.out_dir,
            seed=args.seed,
            num_classes=args.num_classes,
            videos_per_class=args.videos_per_class,
            val_per_class=args.val_per_class,
            num_frames=args.num_frames,
            size=args.size,
            fps=args.fps,
            camera_motion=args.camera_motion,
            clutter=args.clutter,
            show_progress=not args.no_progress)
    except ValueError as e:
        parser.error(str(e))
    ns, nm = summary['grid']
    print(f"Wrote {summary['num_train']} train + {summary['num_val']} val "
          f"videos, {summary['num_classes']} classes ({ns} shapes x {nm} "
          f"motions), {summary['num_frames']} frames of {summary['size']} px, "
          f"seed {summary['seed']}"
          + (f", camera pan up to {summary['camera_motion']:g} of the frame"
             if summary['camera_motion'] else '')
          + (f", {summary['clutter']} still objects per scene"
             if summary['clutter'] else '') +
          f", to {summary['out_dir']} in "
          f"{summary['seconds']:.1f} s")
    return summary


if __name__ == '__main__':
    main()
