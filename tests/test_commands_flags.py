"""Flags (madlab_dream.commands.flags): one definition each, defaults from the
configs, configs from flags and back, and no FLAGS in library code."""

import ast
import dataclasses
import os
import pathlib

import pytest
from absl import flags as absl_flags

from madlab_dream import config as cfg
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.training.flagfile import flagfile_text

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "madlab_dream"


@pytest.fixture
def parsed():
  """Train flags defined on a fresh FlagValues, parsed by the test."""
  fresh = absl_flags.FlagValues()
  with flags.defining_flags_on(fresh):
    flags.define_train_flags()
  return fresh


def test_flag_defaults_are_the_config_defaults(parsed):
  parsed(["prog"])
  assert flags.run_config(parsed) == cfg.RunConfig()


def test_flags_become_configs_and_the_flagfile_reruns_them(parsed, tmp_path):
  parsed(["prog", "--seed=3", "--conv_kernels=3,5", "--conv_filters=8",
          "--conv_reduced=8", "--key_size=8", "--value_size=8",
          "--num_blocks=1", "--noselect_on_validation", "--val_fraction=0",
          "--learning_rate=3e-4", "--train_data=x.txt"])
  run = flags.run_config(parsed)
  assert run.model.conv_kernels == (3, 5) and run.data.seed == 3
  assert run.model.seed == 3 and run.train.select_on_validation is False
  text = flagfile_text(run)
  assert "--conv_kernels=3,5" in text and "--noselect_on_validation" in text
  path = tmp_path / "flags.txt"
  path.write_text(text)
  parsed.unparse_flags()
  parsed(["prog", f"--flagfile={path}"])
  absolute = dataclasses.replace(run, train=run.train.replace(
      train_data=os.path.abspath("x.txt")))
  assert flags.run_config(parsed) == absolute
  assert flags.run_config_from_args([f"--flagfile={path}"]) == absolute
  assert f"--train_data={os.path.abspath('x.txt')}" in text


def test_the_demo_experiment_is_found_from_any_directory(tmp_path,
                                                        monkeypatch):
  monkeypatch.chdir(tmp_path)
  found = flags.experiment_path(flags.DEMO_FLAGFILE)
  assert os.path.isabs(found) and os.path.exists(found)
  with pytest.raises(InputError, match="no such flagfile"):
    flags.experiment_path("experiments/none.flags")


def test_each_model_flag_is_the_config_field_and_the_layer_argument(parsed):
  model_flags = set(cfg.ModelConfig.field_names())
  assert model_flags <= set(parsed)
  for name in ("num_relative_position_features", "relative_position_functions",
               "attention_dropout_rate", "positional_dropout_rate"):
    assert name in parsed
  for name in list(cfg.RENAMED_MODEL_SETTINGS) + list(
      cfg.DROPPED_MODEL_SETTINGS):
    assert name not in parsed
  parsed(["prog", "--num_relative_position_features=12",
          "--attention_dropout_rate=0.1",
          "--relative_position_functions=positional_features_gamma,"
          "positional_features_exponential"])
  model = flags.model_config(parsed)
  assert model.num_relative_position_features == 12
  assert model.attention_dropout_rate == 0.1
  assert model.relative_position_functions == (
      "positional_features_gamma", "positional_features_exponential")


def test_bad_flag_values_are_config_errors(parsed):
  parsed(["prog", "--val_fraction=1.5"])
  with pytest.raises(cfg.ConfigError, match="--val_fraction=1.5"):
    flags.run_config(parsed)
  with pytest.raises(cfg.ConfigError, match="--time_budget=soon"):
    flags.run_config_from_args(["--time_budget=soon"])


#: The modules that define flags (the commands' flags, split by topic).
FLAG_MODULES = ("flags.py", "explain_design_flags.py")


def _flags_reads_outside_run(path: pathlib.Path) -> list[int]:
  tree = ast.parse(path.read_text())
  hits = []

  def walk(node, allowed):
    for child in ast.iter_child_nodes(node):
      ok = allowed or (isinstance(child, ast.FunctionDef) and
                       child.name == "run")
      if isinstance(child, ast.Attribute) and child.attr == "FLAGS" and not ok:
        hits.append(child.lineno)
      if isinstance(child, ast.Name) and child.id == "FLAGS" and not ok:
        hits.append(child.lineno)
      walk(child, ok)
  walk(tree, False)
  return hits


def test_only_the_flag_module_and_commands_run_read_flags():
  offenders = {}
  for path in sorted(PACKAGE.rglob("*.py")):
    if path.parent == PACKAGE / "commands" and path.name in FLAG_MODULES + (
        "cli.py",):
      continue  # the definitions, and the runner that parses argv
    hits = _flags_reads_outside_run(path)
    if hits:
      offenders[str(path.relative_to(PACKAGE))] = hits
  assert not offenders, offenders


def test_flags_are_defined_only_in_the_flag_module():
  defining = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
              if "DEFINE_" in p.read_text() and not (
                  p.parent == PACKAGE / "commands" and p.name in FLAG_MODULES)]
  assert not defining, defining


EXPERIMENTS = PACKAGE.parent / "experiments"


@pytest.mark.parametrize(
    "name", sorted(p.name for p in EXPERIMENTS.glob("*.flags")))
def test_each_experiment_parses_and_names_no_default(parsed, name):
  """Every flagfile builds a valid RunConfig, and none restates a default."""
  run = flags.run_config_from_args([f"--flagfile={EXPERIMENTS / name}"])
  parsed(["prog"])
  for line in (EXPERIMENTS / name).read_text().splitlines():
    if not line.startswith("--"):
      continue
    flag, _, value = line[2:].partition("=")
    if flag == "flagfile":
      continue
    flag = flag[2:] if flag.startswith("no") and flag[2:] in parsed else flag
    parsed_value = (parsed[flag].parser.parse(value) if value
                    else not line.startswith("--no"))
    assert parsed_value != parsed[flag].default, f"{name}: {line} is a default"
  assert run.model.transformer_trainable == (name != "madlab_as_run.flags")
