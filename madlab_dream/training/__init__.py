"""Training (`python -m madlab_dream.train --flagfile=experiments/base.flags`).

  loop.py               one run: paths checked, the run directory locked,
                        Keras started with the run's devices, `training_run`
                        executed
  preparation.py        cache, planned steps, checkpoint state (no framework)
  training_run.py       its steps: model -> fit -> reports, exports
  optim.py              optimiser, loss, XLA choice
  precision.py          --mixed_precision=auto: float32 or mixed_bfloat16
  callbacks.py          validation Pearson, selection/checkpoint, TensorBoard
  exact_predictions.py  exact in-process predictions (validation, report)
  flagfile.py           flags.txt: the settings written back as flags;
                        a flagfile read as settings
  step_plan.py          planned steps, the early-stopping rule
  state.py              checkpoints and resume
  run_report.py         report.json / report.md, history.csv
  plots.py              learning curve, validation scatter
  distribute.py         tf.distribute strategies and worker roles
  devices.py            the run's devices on any backend (tf.distribute, or
                        keras.distribution.DataParallel on JAX), accelerator
                        probe, JAX's matmul precision
  kmer_teacher.py       a k-mer ridge on the training rows labels variants
                        of them (`python -m madlab_dream.teacher_rows`)

`madlab_dream.train(...)` (the public API, `loop.train`) runs `loop.run`
from settings, as `python -m madlab_dream.train` does:

  import madlab_dream
  result = madlab_dream.train(flagfile="experiments/small_data.flags",
                              train_data="data/train_sequences.txt",
                              model_dir="runs/notebook")
  result.status, result.run_dir, result.report["validation"]["pearson"]
"""
