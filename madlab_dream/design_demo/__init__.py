"""`python -m madlab_dream.design_demo` (`make design-demo`): designs made
with the demo's models, checked against the simulator's grammar."""
