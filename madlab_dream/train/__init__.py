"""Training: `python -m madlab_dream.train --flagfile=experiments/base.flags`.

  loop.py               one run: paths checked, the run directory locked,
                        TensorFlow started; `train(...)` from settings
  preparation.py        cache, planned steps, checkpoint state (no framework)
  training_run.py       its steps: model -> fit -> reports, exports
  optim.py              optimiser, loss, XLA choice
  precision.py          --mixed_precision=auto: float32 or mixed_bfloat16
  callbacks.py          validation Pearson, selection/checkpoint, TensorBoard
  exact_predictions.py  exact in-process predictions (validation, report)
  step_plan.py          planned steps, the early-stopping rule
  state.py              checkpoints and resume
  run_report.py         report.json / report.md, history.csv
  plots.py              learning curve, validation scatter
  distribute.py         tf.distribute strategies and worker roles

The package is also callable: `madlab_dream.train(...)` is `loop.train`, a
training run from settings (a notebook's way to run the command):

  import madlab_dream
  result = madlab_dream.train("--flagfile=experiments/small_data.flags",
                              train_data="data/train_sequences.txt",
                              model_dir="runs/notebook")
  result.status, result.run_dir, result.report["validation"]["pearson"]
"""

import sys
import types


class _CallableTrainPackage(types.ModuleType):
  """The `madlab_dream.train` package, callable as `loop.train`.

  `madlab_dream.train` is the name of both this package and the public
  API's training function (`madlab_dream.train(...)`): a package is a
  module, and a module object cannot be called unless its class can, so
  this package's module object is given this class. The same object then
  serves `import madlab_dream.train.loop` and `madlab_dream.train(...)`, in
  either order.
  """

  def __call__(self, *args, **settings):
    """A training run from settings: see `madlab_dream.train.loop.train`."""
    # Imported when called: the package itself stays light, so that
    # `python -m madlab_dream.train --help` and its light submodules
    # import without the training loop's dependencies.
    from madlab_dream.train import loop
    return loop.train(*args, **settings)


sys.modules[__name__].__class__ = _CallableTrainPackage
