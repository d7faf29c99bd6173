"""Typed configs (madlab_dream.config): defaults, validation, round trips,
config.json files of madlab-dream 0.2.0, no framework."""

import dataclasses
import json
import pathlib
import subprocess
import sys

import pytest
from helpers import REPO
from helpers import env

from madlab_dream import config as cfg
from madlab_dream import model
from madlab_dream.config import ConfigError
from madlab_dream.errors import InputError

OLD_CONFIG = (pathlib.Path(__file__).parent / "data"
              / "config_v0.2_keras_ops.json")


def test_defaults_are_madlabs_preset():
  m = cfg.ModelConfig()
  assert (m.seq_len, m.conv_kernels, m.conv_filters, m.conv_reduced) == (
      110, (15, 20, 25, 30), 192, 96)
  assert (m.num_blocks, m.num_heads, m.key_size, m.value_size) == (2, 1, 96,
                                                                   96)
  assert (m.lstm_units, m.lstm_activation, m.activation, m.l2) == (
      4, "swish", "swish", 1e-3)
  t = cfg.TrainConfig()
  assert (t.batch_size, t.learning_rate, t.optimizer, t.loss) == (
      1024, 1e-4, "rmsprop", "mse")
  d = cfg.DataConfig()
  assert (d.singleton_keep, d.val_fraction) == (0.5, 0.02)
  assert m.relative_position_functions == (
      "positional_features_exponential", "positional_features_central_mask",
      "positional_features_gamma")
  assert m.num_relative_position_features is None
  assert (m.attention_dropout_rate, m.positional_dropout_rate) == (0.0, 0.0)
  assert t.mixed_precision == "none" and "auto" in cfg.PRECISIONS


def test_configs_are_frozen():
  with pytest.raises(dataclasses.FrozenInstanceError):
    cfg.ModelConfig().num_blocks = 3


@pytest.mark.parametrize("cls, values, setting, problem", [
    (cfg.DataConfig, {"val_fraction": 1.0}, "val_fraction", "below 1"),
    (cfg.DataConfig, {"val_fraction": -0.1}, "val_fraction", "at least 0"),
    (cfg.DataConfig, {"singleton_keep": 1.5}, "singleton_keep", "at most 1"),
    (cfg.DataConfig, {"seq_len": 0}, "seq_len", "at least 1"),
    (cfg.ModelConfig, {"conv_kernels": "abc"}, "conv_kernels",
     "'abc' is not a whole number"),
    (cfg.ModelConfig, {"conv_kernels": "0"}, "conv_kernels", "at least 1"),
    (cfg.ModelConfig, {"conv_kernels": []}, "conv_kernels", "at least one"),
    (cfg.ModelConfig, {"activation": "bogus"}, "activation",
     "not a Keras activation"),
    (cfg.ModelConfig, {"lstm_activation": "bogus"}, "lstm_activation",
     "not a Keras activation"),
    (cfg.ModelConfig, {"num_heads": 2}, "num_heads", "must equal"),
    (cfg.ModelConfig, {"value_size": 2}, "num_heads", "must equal"),
    (cfg.ModelConfig, {"relative_position_functions": "bogus"},
     "relative_position_functions", "not available"),
    (cfg.ModelConfig, {"num_relative_position_features": 7},
     "num_relative_position_features", "divisible by 6"),
    (cfg.ModelConfig, {"attention_dropout_rate": 1.0},
     "attention_dropout_rate", "below 1"),
    (cfg.ModelConfig, {"positional_dropout_rate": -0.5},
     "positional_dropout_rate", "at least 0"),
    (cfg.ModelConfig, {"l2": float("nan")}, "l2", "finite"),
    (cfg.TrainConfig, {"batch_size": 0}, "batch_size", "at least 1"),
    (cfg.TrainConfig, {"optimizer": "lbfgs"}, "optimizer", "one of"),
    (cfg.TrainConfig, {"baseline_kmer": 7}, "baseline_kmer", "at most 6"),
    (cfg.TrainConfig, {"clipnorm": 0}, "clipnorm", "must be positive"),
    (cfg.TrainConfig, {"time_budget": "soon"}, "time_budget",
     "not a duration"),
    (cfg.TrainConfig, {"lr_schedule": "linear"}, "lr_schedule", "one of"),
    (cfg.DataConfig, {"split": "middle"}, "split", "one of"),
    (cfg.DataConfig, {"seq_len": 100_000}, "seq_len", "at most 2,048"),
    (cfg.ModelConfig, {"seq_len": 2049}, "seq_len", "at most 2,048"),
    (cfg.DataConfig, {"val_rows": 1}, "val_rows", "at least 2 validation"),
    (cfg.DataConfig, {"shuffle_buffer": -1}, "shuffle_buffer", "at least 0"),
    (cfg.TrainConfig, {"strategy": "tpu", "mixed_precision": "mixed_float16"},
     "mixed_precision", "TPU"),
    (cfg.TrainConfig, {"mixed_precision": "bfloat16"}, "mixed_precision",
     "one of"),
])
def test_bad_values_name_the_setting(cls, values, setting, problem):
  with pytest.raises(ConfigError) as e:
    cls(**values)
  assert e.value.setting == setting
  message = str(e.value)
  assert message.startswith(f"--{setting}=") and problem in message, message


def test_each_rule_is_enforced_once_whatever_the_entry_point():
  # The same ConfigError from the factory as from the config.
  with pytest.raises(ConfigError, match="--num_heads=2"):
    model.build_model(num_heads=2)


def test_lists_from_flags_become_tuples_of_the_right_type():
  m = cfg.ModelConfig(conv_kernels=["3", "5"], relative_position_functions=[
      "positional_features_gamma", "positional_features_exponential"],
                      key_size=8, value_size=8, conv_reduced=8)
  assert m.conv_kernels == (3, 5)
  assert m.relative_position_functions == ("positional_features_gamma",
                                           "positional_features_exponential")


def test_run_config_checks_across_parts():
  with pytest.raises(ConfigError, match="--noselect_on_validation"):
    cfg.RunConfig(cfg.DataConfig(val_fraction=0), cfg.ModelConfig(),
                  cfg.TrainConfig())
  cfg.RunConfig(cfg.DataConfig(val_fraction=0), cfg.ModelConfig(),
                cfg.TrainConfig(select_on_validation=False))
  with pytest.raises(ConfigError, match="seq_len"):
    cfg.RunConfig(cfg.DataConfig(seq_len=80), cfg.ModelConfig())


def test_json_round_trip_and_unknown_settings():
  run = cfg.RunConfig(cfg.DataConfig(seed=3),
                      cfg.ModelConfig(**cfg.TINY_MODEL, seed=3),
                      cfg.TrainConfig(train_data="x.txt", epochs=2))
  again = cfg.RunConfig.from_json(run.to_json())
  assert again == run
  assert json.loads(run.to_json())["model"]["conv_kernels"] == [3, 5]
  with pytest.raises(TypeError, match="no_such"):
    cfg.ModelConfig.from_dict({"no_such": 1})


def test_result_dict_ignores_only_what_does_not_change_results():
  a = cfg.RunConfig(train=cfg.TrainConfig(model_dir="a", progress=True))
  b = cfg.RunConfig(train=cfg.TrainConfig(model_dir="a", progress=False,
                                          eval_batch_size=17,
                                          jit_compile="true"))
  assert a.result_dict() == b.result_dict()
  c = cfg.RunConfig(train=cfg.TrainConfig(model_dir="a", learning_rate=1e-3))
  assert a.result_dict() != c.result_dict()
  assert "learning_rate" in cfg.TrainConfig.result_fields()
  assert "progress" not in cfg.TrainConfig.result_fields()


def test_a_config_json_with_the_0_2_0_keys_reads_as_the_settings():
  """tests/data/config_v0.2_keras_ops.json holds num_relative_features,
  relative_functions, attention_dropout, positional_dropout,
  relative_logits="shift" and lstm_implementation="keras"."""
  text = OLD_CONFIG.read_text()
  saved = json.loads(text)["model"]
  run = cfg.RunConfig.from_json(text)
  m = run.model
  assert m.num_relative_position_features == saved["num_relative_features"]
  assert list(m.relative_position_functions) == saved["relative_functions"]
  assert m.attention_dropout_rate == saved["attention_dropout"] == 0.1
  assert m.positional_dropout_rate == saved["positional_dropout"] == 0.05
  again = json.loads(run.to_json())["model"]
  assert set(again) == set(cfg.ModelConfig.field_names())
  for old, new in cfg.RENAMED_MODEL_SETTINGS.items():
    assert old in saved and new not in saved and new in again
  for dropped in cfg.DROPPED_MODEL_SETTINGS:
    assert dropped in saved and dropped not in again
  assert cfg.RunConfig.from_json(run.to_json()) == run


@pytest.mark.parametrize("values, setting, problem", [
    ({"relative_logits": "roll"}, "relative_logits", "names no formulation"),
    ({"lstm_implementation": "cudnn"}, "lstm_implementation",
     "names no formulation"),
    ({"num_relative_features": 12, "num_relative_position_features": 12},
     "num_relative_position_features", "given twice"),
])
def test_old_keys_with_unusable_values_are_config_errors(values, setting,
                                                         problem):
  with pytest.raises(ConfigError) as e:
    cfg.ModelConfig.from_dict({**cfg.TINY_MODEL, **values})
  assert e.value.setting == setting and problem in str(e.value)


def test_the_dropped_keys_are_not_settings():
  with pytest.raises(TypeError):
    cfg.ModelConfig(relative_logits="gather")
  assert cfg.ModelConfig.from_dict({"relative_logits": "shift",
                                    "lstm_implementation": "hoisted"}) == (
                                        cfg.ModelConfig())


NO_FRAMEWORK = """
import sys
from madlab_dream import config
config.keras_activation = lambda name, value: value  # Keras's registry
run = config.RunConfig.from_json(config.RunConfig(
    model=config.ModelConfig(**config.TINY_MODEL)).to_json())
try:
  config.ModelConfig(l2=-1)
except config.ConfigError:
  pass
print(sorted(m for m in ("keras", "tensorflow", "jax", "torch")
             if m in sys.modules))
"""


def test_activation_names_are_looked_up_in_keras_s_registry():
  for name in ("swish", "hard_swish", "silu", "gelu", "relu6"):
    assert cfg.ModelConfig(lstm_activation=name).lstm_activation == name
  for bad in ("bogus", "Swish", "", 3):
    with pytest.raises(cfg.ConfigError, match="is not a Keras activation"):
      cfg.ModelConfig(activation=bad)


def test_config_imports_and_validates_without_a_framework():
  proc = subprocess.run([sys.executable, "-c", NO_FRAMEWORK], env=env(),
                        cwd=REPO, capture_output=True, text=True, timeout=120)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.strip() == "[]"


def test_table_settings_are_checked_together():
  from madlab_dream.config import DataConfig
  from madlab_dream.config import ModelConfig
  from madlab_dream.config import RunConfig
  from madlab_dream.config import TrainConfig
  table = DataConfig(sequence_column="seq", target_columns="a,b",
                     split_column="fold", val_values="8", test_values="9")
  assert table.target_columns == ("a", "b") and table.num_targets == 2
  for bad, message in [
      ({"target_columns": ("a",)}, "needs --sequence_column"),
      ({"sequence_column": "s"}, "needs --target_columns"),
      ({"sequence_column": "s", "target_columns": ("a", "a")}, "twice"),
      ({"val_values": ("1",)}, "needs --split_column"),
      ({"sequence_column": "s", "target_columns": ("a",),
        "split_column": "f"}, "needs --val_values"),
      ({"sequence_column": "s", "target_columns": ("a",), "split_column": "f",
        "val_values": ("1",), "test_values": ("1",)}, "shares values")]:
    with pytest.raises(ConfigError, match=message):
      DataConfig(**bad)
  model = ModelConfig(num_targets=2)
  run = RunConfig(table, model, TrainConfig(target_weights="1,3",
                                            select_target="b"))
  assert run.target_names == ("a", "b")
  for train, message in [
      (TrainConfig(target_weights=(1.0,)), "one weight per target"),
      (TrainConfig(select_target="c"), "is not one of --target_columns"),
      (TrainConfig(baseline_kmer=3), "fits one target"),
      (TrainConfig(val_data="v.tsv"), "and --val_values both")]:
    with pytest.raises(ConfigError, match=message):
      RunConfig(table, model, train)
  with pytest.raises(ConfigError, match="--num_targets=1: the data have 2"):
    RunConfig(table, ModelConfig(), TrainConfig())
  with pytest.raises(ConfigError, match="needs --sequence_column"):
    RunConfig(DataConfig(), ModelConfig(), TrainConfig(test_data="t.tsv"))
  with pytest.raises(ConfigError, match="'bias' is not one of"):
    TrainConfig(freeze="conv,bias")
  assert RunConfig().target_names == ("expression",)


def test_seq_len_auto_is_the_longest_sequence_of_the_tables(tmp_path, capsys):
  from madlab_dream.commands import flags
  train, val = tmp_path / "t.csv", tmp_path / "v.csv"
  train.write_text("s,y\nACGT,1\nAC,2\n")
  val.write_text("s,y\nACGTACG,1\nA,2\n")
  run = flags.run_config_from_args([
      f"--train_data={train}", f"--val_data={val}", "--sequence_column=s",
      "--target_columns=y", "--seq_len=auto", "--noselect_on_validation"])
  assert run.data.seq_len == run.model.seq_len == 7
  assert "--seq_len=auto: 7" in capsys.readouterr().out
  with pytest.raises(InputError, match="needs --sequence_column"):
    flags.run_config_from_args([f"--train_data={train}", "--seq_len=auto"])
  from madlab_dream.training import loop
  assert loop.run_config_of(
      train_data=str(train), val_data=str(val), sequence_column="s",
      target_columns=["y"], seq_len="auto",
      select_on_validation=False) == run
  with pytest.raises(InputError, match="needs --sequence_column"):
    loop.run_config_of(train_data=str(train), seq_len="auto")
