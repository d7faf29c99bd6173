"""setuptools shim; the configuration is in setup.cfg."""
from setuptools import setup

setup()
