"""The pretrained prior: its file format, --init_from=simulator copying by
layer (another length keeps every weight, another target count
re-initialises the head), and the copy that ships with the package."""

import json

import numpy as np
import pytest

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.config import ModelConfig
from madlab_dream.errors import InputError
from madlab_dream.training import init_from
from madlab_dream.training import pretrained


@pytest.fixture
def tiny_prior(tmp_path, monkeypatch):
  source = model_lib.build_model(TINY_MODEL, seq_len=24, seed=1)
  pretrained.save(source, {"seed": 1}, str(tmp_path))
  monkeypatch.setattr(pretrained, "DIRECTORY", str(tmp_path))
  return source


def test_save_and_load_keep_every_weight(tiny_prior, tmp_path):
  loaded = pretrained.load()
  assert set(loaded) == {layer.name for layer in tiny_prior.layers
                         if layer.weights}
  for name, weights in loaded.items():
    for mine, theirs in zip(weights, tiny_prior.get_layer(name).get_weights()):
      assert mine.dtype == np.float32
      np.testing.assert_array_equal(mine, theirs)
  assert pretrained.record() == {"seed": 1}
  assert not list(tmp_path.glob("*.part"))


def test_another_length_keeps_all_another_target_count_loses_the_head(
    tiny_prior):
  longer = model_lib.build_model(TINY_MODEL, seq_len=60, seed=2)
  done = init_from.copy_weights(longer, "simulator", lambda _: None)
  assert done["from"] == "simulator" and done["reinitialised"] == []
  np.testing.assert_array_equal(
      longer.get_layer("transformer_block_0").get_weights()[0],
      tiny_prior.get_layer("transformer_block_0").get_weights()[0])
  two = model_lib.build_model(TINY_MODEL, seq_len=60, seed=2, num_targets=2)
  head = two.get_layer("expression").get_weights()[0].copy()
  lines = []
  done = init_from.copy_weights(two, "simulator", lines.append)
  assert done["reinitialised"] == ["expression"]
  assert "1 output(s) there, 2 here" in lines[0]
  np.testing.assert_array_equal(two.get_layer("expression").get_weights()[0],
                                head)
  wider = model_lib.build_model({**TINY_MODEL, "lstm_units": 3}, seq_len=24)
  with pytest.raises(InputError, match="layers of other shapes: bilstm"):
    init_from.copy_weights(wider, "simulator")


def test_a_missing_prior_is_a_one_line_error(tmp_path, monkeypatch):
  monkeypatch.setattr(pretrained, "DIRECTORY", str(tmp_path))
  with pytest.raises(InputError, match="python -m madlab_dream.pretrain"):
    init_from.copy_weights(model_lib.build_model(TINY_MODEL, seq_len=24),
                           "simulator")


def test_the_shipped_prior_is_madlabs_model_with_its_record():
  record = pretrained.record()
  for key in ("command", "seed", "rows", "steps", "simulated_validation_r",
              "seconds", "cpu"):
    assert key in record
  assert record["command"].startswith("python -m madlab_dream.pretrain")
  assert record["trained_on"] == "simulated rows only, no measured data"
  weights = pretrained.load()
  total = sum(int(np.prod(w.shape)) for ws in weights.values() for w in ws)
  assert total == record["parameters"]["total"] == 319_657
  net = model_lib.build_model(ModelConfig(), seq_len=110)
  done = init_from.copy_weights(net, "simulator", lambda _: None)
  assert done["reinitialised"] == [] and len(done["copied"]) == len(weights)
  np.testing.assert_array_equal(net.get_layer("bilstm").get_weights()[0],
                                weights["bilstm"][0])
  with open(pretrained.record_path()) as f:
    assert json.load(f) == record


@pytest.mark.slow
@pytest.mark.long
def test_fine_tuning_a_header_table_of_another_length_from_the_prior(
    tmp_path):
  from helpers import REPO
  from helpers import run_module
  data = REPO / "tests" / "data"
  proc = run_module(
      "madlab_dream.train", f"--train_data={data}/deepstarr_mini_train.txt",
      f"--val_data={data}/deepstarr_mini_val.txt", "--seq_len=auto",
      "--sequence_column=Sequence",
      "--target_columns=Dev_log2_enrichment,Hk_log2_enrichment",
      "--init_from=simulator", "--freeze=conv", "--batch_size=32",
      "--epochs=1", "--max_steps=3", "--seed=1", "--noprogress",
      "--eval_batch_size=256", f"--model_dir={tmp_path / 'run'}",
      timeout=600)
  assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
  assert "--seq_len=auto: 249" in proc.stdout
  assert "re-initialised expression" in proc.stdout
  report = json.loads((tmp_path / "run" / "report.json").read_text())
  assert report["init_from"]["from"] == "simulator"
  assert report["init_from"]["reinitialised"] == ["expression"]
  assert "multi_scale_conv" in report["init_from"]["copied"]
  assert report["frozen"] == ["conv"]
