"""Training: `python -m madlab_dream.train --flagfile=experiments/base.flags`.

  loop.py        one run: RunConfig -> cache -> model -> fit -> exports
  optim.py       optimiser, loss, XLA choice
  precision.py   --mixed_precision=auto: float32 or mixed_bfloat16, measured
  callbacks.py   validation Pearson, selection/checkpoint, TensorBoard
  evaluation.py  exact in-process predictions (validation, report)
  state.py       checkpoints and resume
  report.py      report.json / report.md, history.csv
  plots.py       validation scatter
  distribute.py  tf.distribute strategies and worker roles
"""
