"""`python -m madlab_dream.variants`: variant effects and mutagenesis.

The command (flags -> settings, then library calls) is `__main__.py`; the
library it calls is `madlab_dream.inference.variants`.
"""
