from .data_preprocessors import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pseudo_label import *  # noqa: F401,F403
from .recognizers import *  # noqa: F401,F403
