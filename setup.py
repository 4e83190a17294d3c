"""Install cmpl_mm (see README, "Install").

CPU, from the public PyTorch CPU wheels::

    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    pip install -e ".[tests]" ./requirements/opencv-python-stub

(the stub makes cv2 come from one OpenCV distribution; docs/install.md
has the GPU recipes and the Python versions of each).

Where pip already serves the CPU build of torch 2.13.0 (as on this
project's CI machines), ``pip install torch==2.13.0 -e ".[tests]"`` does
both in one command.
"""
from setuptools import find_packages, setup


def read_version():
    scope = {}
    with open('cmpl_mm/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='cmpl_mm',
    version=read_version(),
    description='Semi-supervised action recognition (CMPL, FixMatch) '
    'on MMAction2 and MMEngine',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['cmpl_mm', 'cmpl_mm.*']),
    # torch 2.13 needs Python >= 3.10; tested on 3.11 (on 3.10 pip picks
    # numpy 2.2, the last numpy for it)
    python_requires='>=3.10',
    install_requires=[
        # install torch first, from the index of the build you want (see
        # README); left to pip, PyPI's Linux wheel is the multi-GB CUDA one
        'torch>=2.1,<2.14',
        'mmengine>=0.10.0,<0.11.0',
        # mmaction2 1.2.0 refuses mmcv >= 2.2.0; mmcv-lite is a pure wheel.
        # GPU users may replace it by full mmcv 2.1.x (see README).
        'mmcv-lite==2.1.0',
        'mmaction2==1.2.0',
        # wheels for Linux x86_64 and Windows x86_64 only
        'decord>=0.6.0',
        'numpy',
        # no OpenCV of our own: mmengine and mmcv-lite require
        # opencv-python, mmaction2 opencv-contrib-python; the install
        # recipes add requirements/opencv-python-stub so that only
        # opencv-contrib-python provides cv2 (docs/install.md)
        'importlib-metadata',  # imported by mmaction2 1.2.0, undeclared
        'tqdm',
        'matplotlib',
    ],
    extras_require={
        'tests': ['pytest', 'pytest-timeout', 'pytest-xdist'],
        # --tensorboard (mmengine's TensorboardVisBackend)
        'tensorboard': ['tensorboard'],
    },
    license='Apache-2.0',
)
