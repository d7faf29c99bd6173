"""What a training run checks before it writes anything.

`check_paths(config)` refuses, before the lock, the cache or any file is
written (so a refused run leaves every byte as it was):

  * missing or unreadable data, a strategy without its environment;
  * a --model_dir that is neither new, empty nor a training run's own
    directory (`io.output_dirs.claim_run_dir`: another model's
    SavedModel, a folder of the user's);
  * a path of the run that cannot be written (a directory where a report
    file goes, a file where a folder goes);
  * an --init_from that is missing, is the run itself, or holds a model of
    another architecture (from its config.json: the settings that shape a
    weight, the output head aside); --freeze without --init_from;
  * a run directory holding a run on other data or settings, when the run
    would resume (the check `RunState.load` makes again under the lock).

Returns whether --model_dir is new.
"""

from __future__ import annotations

import json
import os

from madlab_dream.config import CONFIG_FILE
from madlab_dream.config import RunConfig
from madlab_dream.data import cache as cache_lib
from madlab_dream.data import table_cache
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import output_dirs
from madlab_dream.training import devices
from madlab_dream.training import distribute
from madlab_dream.training import pretrained
from madlab_dream.training.lock import LOCK_FILE
from madlab_dream.training.state import RunState

DATA_HELP = (
    "the challenge data are not downloaded at run time: get "
    "train_sequences.txt from Zenodo record 10633252 "
    "(https://zenodo.org/records/10633252; also GEO GSE254493) and put it at "
    "data/train_sequences.txt, or pass --train_data=PATH")

#: The files and folders a run writes at the top of its directory.
RUN_FILES = ("report.json", "report.md", "history.csv", "learning_curve.png",
             "validation_scatter.png", "flags.txt", CONFIG_FILE,
             "model.keras", "precision.json", LOCK_FILE, output_dirs.MANIFEST)
RUN_FOLDERS = ("cache", "checkpoints", "saved_model", "tensorboard")
#: ModelConfig fields that shape a weight (the output head's size aside).
SHAPING = ("conv_kernels", "conv_filters", "conv_reduced", "num_blocks",
           "num_heads", "key_size", "value_size",
           "num_relative_position_features", "relative_position_functions",
           "ffn_multiplier", "lstm_units")


def check_paths(config: RunConfig) -> bool:
  """See the module docstring; True if --model_dir is new."""
  settings = config.train
  if not settings.train_data:
    raise InputError(f"--train_data is required; {DATA_HELP}")
  if not os.path.exists(settings.train_data):
    raise InputError(f"no such file; {DATA_HELP}", settings.train_data)
  files.check_readable(settings.train_data)
  if not settings.model_dir:
    raise InputError("--model_dir is required")
  distribute.check_environment(settings.strategy)
  devices.check_environment(settings.strategy)
  fresh = output_dirs.claim_run_dir(settings.model_dir, LOCK_FILE)
  if not fresh:
    check_run_paths(settings.model_dir)
  check_init_from(config)
  if not fresh and settings.resume:
    check_same_run(config)
  return fresh


def check_run_paths(run_dir: str) -> None:
  """Refuses a run path that cannot be written (see the module docstring)."""
  for name in RUN_FILES + RUN_FOLDERS:
    path = os.path.join(run_dir, name)
    if not os.path.lexists(path):
      continue
    folder = name in RUN_FOLDERS
    if os.path.isdir(path) != folder:
      what = "a folder" if folder else "a file"
      raise InputError(f"the run writes {what} here, and something else is "
                       "in the way; move it", path)
    if not os.access(path, os.W_OK):
      raise InputError("the run writes here: permission denied", path)


def check_init_from(config: RunConfig) -> None:
  """--init_from and --freeze (see the module docstring)."""
  settings = config.train
  if settings.freeze and not settings.init_from:
    raise InputError("--freeze needs --init_from (it would keep the random "
                     "initial weights fixed)")
  source = settings.init_from
  if not source:
    return
  if source == pretrained.NAME:
    if not os.path.isfile(pretrained.weights_path()):
      raise InputError("--init_from=simulator: the package has no "
                       "pretrained weights (python -m madlab_dream.pretrain "
                       "writes them)", pretrained.weights_path())
    return  # its layers are compared when it is loaded
  run = source[:-len(".keras")] if source.endswith(".keras") else source
  model = source if source.endswith(".keras") else os.path.join(
      source, "model.keras")
  if not os.path.isfile(model):
    raise InputError("--init_from needs a finished training run (no "
                     "model.keras)", source)
  if _same_path(os.path.dirname(model), settings.model_dir):
    raise InputError("--init_from is this run's own --model_dir; start from "
                     "another run", source)
  config_path = os.path.join(os.path.dirname(os.path.abspath(model)),
                             CONFIG_FILE)
  if not os.path.isfile(config_path):
    return  # a bare model.keras: its layers are compared when it is loaded
  try:
    with open(config_path) as f:
      theirs = json.load(f)["model"]
  except (OSError, ValueError, KeyError, TypeError) as e:
    raise InputError(f"--init_from: cannot read the run's settings ({e})",
                     config_path) from None
  ours = config.model.to_dict()
  differ = [f"{k} {_plain(theirs.get(k))} there, {_plain(ours[k])} here"
            for k in SHAPING if _plain(theirs.get(k)) != _plain(ours[k])]
  if differ:
    raise InputError(f"--init_from holds a model of another architecture "
                     f"({'; '.join(differ)})", run)


def _plain(value):
  return list(value) if isinstance(value, (list, tuple)) else value


def _same_path(a: str, b: str) -> bool:
  return os.path.realpath(a) == os.path.realpath(b)


def check_same_run(config: RunConfig) -> None:
  """Refuses a run directory whose checkpoint state records other data or
  settings, before the cache is touched."""
  settings = config.train
  state = RunState(settings.model_dir, {})
  if not os.path.exists(state.path):
    return
  if config.data.is_table:
    paths = {role: path for role, path in (
        ("train", settings.train_data), ("val", settings.val_data),
        ("test", settings.test_data)) if path}
    for path in paths.values():
      files.check_regular_file(path, "preprocessing reads it twice")
    digest = table_cache.input_digest(paths)["sha256"]
  else:
    files.check_regular_file(settings.train_data,
                             "preprocessing reads it twice")
    digest = cache_lib.fingerprint(settings.train_data)
  RunState(settings.model_dir,
           {**config.result_dict(), "input": digest}).load()
