"""Preprocessing into the cache (data.cache) and the data command."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from madlab_dream import data
from madlab_dream.config import DataConfig
from madlab_dream.io import dream as dream_io


@pytest.fixture(scope="module")
def cache(demo_train, tmp_path_factory):
  return data.preprocess(str(demo_train), str(tmp_path_factory.mktemp("c")),
                         DataConfig(seq_len=110, singleton_keep=0.5,
                                    val_fraction=0.02, seed=7),
                         log=lambda s: None)


def test_counts_on_real_rows(cache, demo_train):
  c = cache.meta["counts"]
  rows = dream_io.read(demo_train, 110)
  whole = np.floor(rows.expression) == rows.expression
  assert c["read"] == 6370 and c["whole_number"] == int(whole.sum()) == 3693
  assert c["dropped"] + c["kept"] == c["read"]
  assert c["train"] + c["validation"] == c["kept"]
  # about half of the whole-number rows are dropped, no other row is
  assert abs(c["dropped"] - 3693 / 2) < 4 * np.sqrt(3693 * 0.25)
  # 2 % would be 91 rows: the floor raises validation to 1,000.
  assert round(0.02 * c["kept"]) < 100 and c["validation"] == 1000
  assert "--min_val_rows" in c["validation_rule"]
  assert c["trimmed"] == 38 and c["padded"] == 1113  # counted with awk


def test_split_is_disjoint_and_drops_only_whole_numbers(cache, demo_train):
  rows = dream_io.read(demo_train, 110)
  train, val = np.asarray(cache.train_rows), np.asarray(cache.val_rows)
  assert not set(train) & set(val)
  kept = np.zeros(len(rows), bool)
  kept[train] = kept[val] = True
  whole = np.floor(rows.expression) == rows.expression
  assert not (~kept & ~whole).any()  # only whole-number rows were dropped
  np.testing.assert_array_equal(cache.train_codes, rows.codes[train])
  y = rows.expression[kept]
  np.testing.assert_allclose(cache.mean, y.mean())
  np.testing.assert_allclose(cache.sd, y.std())
  np.testing.assert_allclose(cache.to_expression(cache.val_targets),
                             rows.expression[val], rtol=1e-6)


def test_split_is_seeded(demo_train, tmp_path):
  a = data.preprocess(str(demo_train), str(tmp_path / "a"),
                      DataConfig(seed=1), log=lambda s: None)
  b = data.preprocess(str(demo_train), str(tmp_path / "b"),
                      DataConfig(seed=1), log=lambda s: None)
  c = data.preprocess(str(demo_train), str(tmp_path / "c"),
                      DataConfig(seed=2), log=lambda s: None)
  np.testing.assert_array_equal(a.val_rows, b.val_rows)
  assert not np.array_equal(a.val_rows, c.val_rows)


def test_cache_reuse_and_invalidation(demo_train, tmp_path):
  src = tmp_path / "in.txt"
  shutil.copy(demo_train, src)
  out = str(tmp_path / "cache")
  logs = []
  data.preprocess(str(src), out, log=logs.append)
  mtime = os.path.getmtime(os.path.join(out, "train_codes.npy"))
  data.preprocess(str(src), out, log=logs.append)
  assert any("reusing" in line for line in logs)
  assert os.path.getmtime(os.path.join(out, "train_codes.npy")) == mtime
  logs.clear()
  data.preprocess(str(src), out, DataConfig(singleton_keep=1.0),
                  log=logs.append)  # options
  assert not any("reusing" in line for line in logs)
  assert data.load_cache(out).meta["counts"]["dropped"] == 0
  with open(src, "a") as f:  # input
    f.write("\nACGT\t3.5")
  logs.clear()
  cache = data.preprocess(str(src), out, DataConfig(singleton_keep=1.0),
                          log=logs.append)
  assert not any("reusing" in line for line in logs)
  assert cache.meta["counts"]["read"] == 6371


def test_interrupted_cache_is_rebuilt(demo_train, tmp_path):
  out = str(tmp_path / "cache")
  data.preprocess(str(demo_train), out, log=lambda s: None)
  os.remove(os.path.join(out, "val_codes.npy"))  # as if killed mid-write
  assert data.load_cache(out) is None
  logs = []
  data.preprocess(str(demo_train), out, log=logs.append)
  assert not any("reusing" in line for line in logs)


@pytest.mark.slow
def test_cli_prints_counts_and_fails_cleanly(demo_train, tmp_path):
  run = lambda *a: subprocess.run([sys.executable, "-m", "madlab_dream.data",
                                   *a], capture_output=True, text=True)
  out = run(f"--input={demo_train}", f"--output_dir={tmp_path / 'c'}")
  assert out.returncode == 0, out.stderr
  assert "rows read 6,370" in out.stdout and "validation" in out.stdout
  meta = json.loads((tmp_path / "c" / "meta.json").read_text())
  assert meta["counts"]["read"] == 6370
  bad = tmp_path / "bad.txt"
  bad.write_text("ACGT\t1\nACGT\tfoo\n")
  out = run(f"--input={bad}", f"--output_dir={tmp_path / 'd'}")
  assert out.returncode == 2
  assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
  assert f"{bad}:2:" in out.stderr
  assert not (tmp_path / "d" / "meta.json").exists()


def test_a_pipe_is_refused_before_any_work(demo_train, tmp_path):
  """Preprocessing reads its input twice (parse, SHA-256): not a pipe."""
  from helpers import run_through_fifo

  from madlab_dream.errors import InputError
  fifo, out = tmp_path / "stdin", tmp_path / "cache"
  with pytest.raises(InputError, match=f"{fifo}: .*save it to a file first"):
    run_through_fifo(fifo, demo_train.read_bytes(), lambda: data.preprocess(
        str(fifo), str(out), log=lambda s: None))
  assert not out.exists()
