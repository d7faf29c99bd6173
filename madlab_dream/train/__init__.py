"""Training: `python -m madlab_dream.train --flagfile=experiments/base.flags`.

  loop.py        one run: RunConfig -> cache -> model -> fit -> exports
  optim.py       optimiser, loss, XLA choice
  precision.py   --mixed_precision=auto: float32 or mixed_bfloat16, measured
  callbacks.py   validation Pearson, selection/checkpoint, TensorBoard
  exact_predictions.py  exact in-process predictions (validation, report)
  step_plan.py   planned steps, the early-stopping rule
  state.py       checkpoints and resume
  run_report.py  report.json / report.md, history.csv
  plots.py       validation scatter
  distribute.py  tf.distribute strategies and worker roles
"""
