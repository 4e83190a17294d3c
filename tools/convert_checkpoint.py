"""Convert a trusted old checkpoint into one that loads with safe loading.

``cmpl_mm`` loads checkpoints with ``torch.load(weights_only=True)``. A
checkpoint that holds other pickled objects is refused. If you trust the
file, this tool unpickles it once (``weights_only=False``: it can run code
from the file, so only use it on files you trust) and writes a copy with the
weights and the plain meta data only (no optimizer or message-hub state, so
use it with ``load_from``, not ``--resume``).

Example::

    python tools/convert_checkpoint.py old.pth new.pth
"""
import argparse
import sys

import torch


def plain(value):
    """Keep only containers of str / numbers / bool / None / tensors."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()
                if plain(v) is not None or v is None}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, (str, int, float, bool, torch.Tensor)) or \
            value is None:
        return value
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='trusted checkpoint to convert')
    parser.add_argument('dst', help='output path')
    args = parser.parse_args()
    ckpt = torch.load(args.src, map_location='cpu', weights_only=False)
    state_dict = ckpt.get('state_dict', ckpt) if isinstance(ckpt,
                                                            dict) else None
    if not isinstance(state_dict, dict):
        sys.exit(f'{args.src}: no state_dict found')
    out = dict(
        meta=plain(ckpt.get('meta', {})),
        state_dict={
            k: v
            for k, v in state_dict.items() if isinstance(v, torch.Tensor)
        })
    torch.save(out, args.dst)
    print(f'wrote {args.dst}: {len(out["state_dict"])} tensors')


if __name__ == '__main__':
    main()
