"""Every algorithm of cmpl_mm by its config name, read from the registry.

A config is named ``{algorithm}[-variant]_{backbone}_{dataset}.py``. An
algorithm is either a registered subclass of :class:`SemiBaseRecognizer`
(``FixMatchRecognizer`` -> ``fixmatch``) or a config of one of them, listed
in :data:`CONFIG_ONLY_ALGORITHMS`. Tests that cover "every algorithm" read
:func:`algorithm_classes`, so a new one is covered once it is registered
(and has its demo config ``configs/{algorithm}_r3d18q_synthetic.py``).
"""
from typing import Dict

from mmaction.registry import MODELS

from .semi_base import SemiBaseRecognizer

#: algorithms that are a config of another algorithm's class: name -> class
CONFIG_ONLY_ALGORITHMS = {'pseudolabel': 'FixMatchRecognizer'}


def algorithm_classes() -> Dict[str, str]:
    """``{algorithm name: recognizer class name}`` of every algorithm."""
    names = {}
    for name, cls in MODELS.module_dict.items():
        if (isinstance(cls, type) and issubclass(cls, SemiBaseRecognizer)
                and cls is not SemiBaseRecognizer
                and name.endswith('Recognizer')):
            names[name[:-len('Recognizer')].lower()] = name
    names.update(CONFIG_ONLY_ALGORITHMS)
    return dict(sorted(names.items()))
