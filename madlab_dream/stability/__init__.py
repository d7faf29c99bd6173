"""`python -m madlab_dream.stability`: the model on low-complexity sequences."""
