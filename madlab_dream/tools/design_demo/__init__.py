"""`python -m madlab_dream.design_demo` (`make design-demo`): designs made
with the demo's models, checked against the simulator's grammar.

  oracle.py   the simulator's grammar as the oracle: a design's true activity
  proof.py    how much of a design's predicted gain is real
"""
