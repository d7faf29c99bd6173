"""`python -m madlab_dream.predict`: expression for a file of sequences.

The command (flags -> settings, then library calls) is `__main__.py`; the
library it calls is `madlab_dream.inference.predict_file`.
"""
