"""Tools beside the library: they may import any of it, and the library
imports none of them.

  simulator/     a DREAM-format dataset from a hidden regulatory grammar
                 (`python -m madlab_dream.simulate`)
  bench/         measured preprocessing, input, training, inference,
                 explain and design speed (`python -m madlab_dream.bench`)
  demo/          the demo's time budget and verdict (`make demo`)
  explain_demo/  the explanations proved on the simulator's grammar
  design_demo/   designs checked against the simulator's truth (the oracle)
"""
