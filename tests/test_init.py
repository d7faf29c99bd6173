"""The public API (madlab_dream/__init__.py): lazy, curated, resolvable."""

import dataclasses
import inspect
import pydoc
import subprocess
import sys

import pytest
from helpers import REPO
from helpers import env

import madlab_dream
from madlab_dream.commands import flags
from madlab_dream.config import RunConfig
from madlab_dream.errors import InputError
from madlab_dream.training import loop

PUBLIC = ["build_model", "ModelConfig", "train", "load_model", "Predictor",
          "encode", "score", "contributions", "design"]
FRAMEWORKS = ("keras", "tensorflow", "jax", "torch")


def python(code: str) -> subprocess.CompletedProcess:
  """`python -c code` in a fresh process; fails the test if it fails."""
  proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                        text=True, env=env(), cwd=REPO, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return proc


def test_the_public_names_are_listed_and_each_resolves():
  assert sorted(madlab_dream.__all__) == sorted(["__version__", *PUBLIC])
  assert set(PUBLIC) <= set(dir(madlab_dream))
  from madlab_dream import config
  from madlab_dream import explain
  from madlab_dream import model
  from madlab_dream import scoring
  from madlab_dream.designing import designer
  from madlab_dream.inference import keras_model
  from madlab_dream.inference import predictor
  from madlab_dream.io import sequences
  expected = {"build_model": model.build_model,
              "ModelConfig": config.ModelConfig,
              "load_model": keras_model.load_model,
              "Predictor": predictor.Predictor,
              "encode": sequences.encode,
              "score": scoring.score,
              "contributions": explain.contributions}
  for name, value in expected.items():
    assert getattr(madlab_dream, name) is value, name
  assert madlab_dream.train is loop.train
  assert madlab_dream.design is designer.design
  with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
    madlab_dream.no_such_name  # noqa: B018


def test_importing_the_package_imports_no_framework():
  proc = python(
      "import sys, madlab_dream\n"
      f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))\n"
      "print(madlab_dream.__version__)")
  loaded, version = proc.stdout.splitlines()
  assert loaded == "[]", loaded
  assert version == madlab_dream.__version__


@pytest.mark.parametrize("first", ["madlab_dream", "madlab_dream.training.loop",
                                   "madlab_dream.designing"])
def test_train_and_design_are_functions_whatever_is_imported_first(first):
  python(
      f"import sys, importlib, inspect, types\n"
      f"importlib.import_module({first!r})\n"
      "import madlab_dream, madlab_dream.training.loop\n"
      "for name in ('train', 'design'):\n"
      "  function = getattr(madlab_dream, name)\n"
      "  assert isinstance(function, types.FunctionType), function\n"
      "  assert function.__name__ == name and function.__doc__\n"
      "  assert inspect.signature(function).parameters\n"
      f"assert not any(m in sys.modules for m in {FRAMEWORKS!r})\n")


def test_train_refuses_bad_settings_before_any_work(tmp_path):
  with pytest.raises(InputError, match="batch_size"):
    madlab_dream.train(model_dir=str(tmp_path), batch_size="many")
  with pytest.raises(InputError, match="Zenodo"):
    madlab_dream.train(train_data=str(tmp_path / "missing.txt"),
                       model_dir=str(tmp_path / "run"))
  assert not (tmp_path / "run" / "report.json").exists()
  with pytest.raises(TypeError, match="positional"):
    madlab_dream.train(RunConfig(), "--epochs=1")
  with pytest.raises(TypeError, match="unknown setting 'epoch'"):
    madlab_dream.train(model_dir=str(tmp_path / "run"), epoch=1)
  assert not (tmp_path / "run").exists()


def test_settings_become_the_command_s_config(demo_train, tmp_path):
  flagfile = REPO / "experiments" / "small_data.flags"
  args = [f"--flagfile={flagfile}", f"--train_data={demo_train}",
          "--model_dir=/tmp/run", "--epochs=3", "--conv_kernels=3,5",
          "--noresume", "--lstm_activation=relu"]
  command = flags.run_config_from_args(args)
  assert loop.run_config_of(flagfile=str(flagfile),
                            train_data=str(demo_train),
                            model_dir="/tmp/run", epochs=3,
                            conv_kernels=[3, 5], resume=False,
                            lstm_activation="relu") == command
  assert loop.run_config_of(command) is not command
  assert loop.run_config_of(command) == command
  changed = loop.run_config_of(command, epochs=4)
  assert changed.train.epochs == 4
  assert dataclasses.replace(changed, train=command.train) == command
  nested = tmp_path / "nested.flags"
  nested.write_text(f"# an experiment on another\n--flagfile={flagfile}\n"
                    "--epochs=5\n--notransformer_trainable\n")
  config = loop.run_config_of(flagfile=str(nested), epochs=6)
  assert (config.train.epochs, config.train.batch_size) == (6, 32)
  assert config.model.transformer_trainable is False


def test_train_s_signature_lists_every_setting_with_its_default():
  parameters = inspect.signature(madlab_dream.train).parameters
  assert list(parameters)[:2] == ["config", "flagfile"]
  for part in (RunConfig().data, RunConfig().model, RunConfig().train):
    for field in dataclasses.fields(part):
      if field.name != "num_targets":
        assert parameters[field.name].default == field.default, field.name
  assert "lstm_activation" in pydoc.render_doc(madlab_dream.train)


def test_a_bad_flagfile_line_names_its_file_and_line(tmp_path):
  bad = tmp_path / "bad.flags"
  bad.write_text("--epochs=2\n--no_such_setting=1\n")
  with pytest.raises(InputError, match=r"bad.flags:2: --no_such_setting"):
    loop.run_config_of(flagfile=str(bad))
