"""`python -m madlab_dream.evaluate`: the challenge's scores of predictions.

The command (flags -> settings, then library calls) is `__main__.py`; the
library it calls is `madlab_dream.scoring.evaluate_files`.
"""
