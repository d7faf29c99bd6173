"""Train the MadLab model.

  python -m madlab_dream.train --flagfile=experiments/base.flags

Outputs in --model_dir:
  saved_model/    TF SavedModel of the best epoch (string and code signatures)
  model.keras     the Keras model of the best epoch
  report.json     Table 3 (train/validation MSE, R^2, Pearson r, r^2), best
  report.md       epoch, counts, wall time, throughput, hardware, settings
  history.csv     one row per epoch
  tensorboard/    TensorBoard logs
  validation_scatter.png   predicted vs measured on validation
  flags.txt       a flagfile that re-runs this experiment
  config.json     the resolved settings (data, model, train)
  checkpoints/    per-epoch state for resuming (see --resume)

Exit status: 0 done; 2 bad input or flags; 3 training diverged (the best
epoch so far is still exported); 130/143 interrupted by SIGINT/SIGTERM
(rerun the same command to resume).
"""

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.training import loop


def run():
  return loop.run(flags.run_config()).status


def main() -> None:
  """`python -m madlab_dream.train`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.train", flags.define_train_flags)
