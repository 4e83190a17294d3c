"""``load_from`` (not only ``--resume``) loads through the safe loader."""
import pytest
import torch
from mmengine.runner import load_checkpoint

from cmpl_mm.compat import UnsafeCheckpointError
from helpers import ToyModel, toy_runner

# trains or launches processes: left out of the quick loop (-m "not slow")
pytestmark = pytest.mark.slow


class Payload:
    """Stands for any pickled object a checkpoint should not carry."""


def save(path, **extra):
    model = ToyModel()
    torch.nn.init.constant_(model.linear.weight, 0.5)
    ckpt = dict(meta=dict(iter=3), state_dict=model.state_dict())
    ckpt.update(extra)
    torch.save(ckpt, path)
    return model


def test_load_from_uses_safe_loading(tmp_path):
    good = str(tmp_path / 'good.pth')
    save(good)
    runner = toy_runner(str(tmp_path / 'ok'), 1, load_from=good)
    runner.load_or_resume()
    assert torch.all(runner.model.linear.weight == 0.5)
    assert runner.iter == 0  # loaded weights only: no resume

    bad = str(tmp_path / 'bad.pth')
    save(bad, payload=Payload())
    runner = toy_runner(str(tmp_path / 'refused'), 1, load_from=bad)
    with pytest.raises(UnsafeCheckpointError, match='bad.pth.*Payload'):
        runner.load_or_resume()
    # the same loader behind mmaction2's init_recognizer / load_checkpoint
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(ToyModel(), bad, map_location='cpu')
