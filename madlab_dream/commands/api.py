"""The public API's `madlab_dream.train(...)`: a training run from settings,
built by the training command's flags (`flags.run_config_from_args`)."""

from madlab_dream.commands import flags
from madlab_dream.config import RunConfig
from madlab_dream.training import loop
from madlab_dream.training.flagfile import as_flags
from madlab_dream.training.loop import RunResult


def train(*args, **settings) -> RunResult:
  """A training run from settings, as `python -m madlab_dream.train` runs it.

  Args:
    *args: a `RunConfig` alone, or command-line flags (strings or lists of
      strings), e.g. "--flagfile=experiments/base.flags".
    **settings: flag values by name (`epochs=2`, `conv_kernels=[15, 20]`,
      `resume=False`), applied after `args`.

  Returns:
    The `RunResult`: exit status, run directory and report.

  Raises:
    InputError: a bad setting, or input that the command would refuse.

  Example:
    result = madlab_dream.train("--flagfile=experiments/small_data.flags",
                                train_data="data/train_sequences.txt",
                                model_dir="runs/notebook", epochs=2)
    result.report["validation"]["pearson"]
  """
  return loop.run(run_config_of(*args, **settings))


def run_config_of(*args, **settings) -> RunConfig:
  """The RunConfig of `train`'s arguments, parsed by the command's flags."""
  if len(args) == 1 and isinstance(args[0], RunConfig):
    if not settings:
      return args[0]
    values: dict = {}
    for part in (args[0].data, args[0].model, args[0].train):
      values.update(part.to_dict())
    args = (as_flags(values),)
  argv: list[str] = []
  for arg in args:
    if isinstance(arg, RunConfig):
      raise TypeError("pass a RunConfig alone, as the only positional "
                      "argument")
    argv.extend([arg] if isinstance(arg, str) else list(arg))
  return flags.run_config_from_args(argv + as_flags(settings))

