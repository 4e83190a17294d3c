"""Install cmpl_mm.

CPU set-up (no CUDA download)::

    pip install torch==2.13.0 -e ".[tests]"
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
    python_requires='>=3.8',
    install_requires=[
        # install torch first (``torch==2.13.0`` is the CPU build on this
        # project's machines); any torch >= 2.0 works
        'torch>=2.0',
        'mmengine>=0.10.0,<0.11.0',
        # mmaction2 1.2.0 refuses mmcv >= 2.2.0; mmcv-lite is a pure wheel.
        # GPU users may replace it by full mmcv 2.1.x (see README).
        'mmcv-lite==2.1.0',
        'mmaction2==1.2.0',
        'decord>=0.6.0',
        'numpy',
        'opencv-python-headless',
        'importlib-metadata',  # imported by mmaction2 1.2.0, undeclared
        'tqdm',
        'matplotlib',
    ],
    extras_require={
        'tests': ['pytest', 'pytest-timeout'],
    },
    license='Apache-2.0',
)
