"""Preprocessing, the cache and the tf.data pipeline."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from madlab_dream import data
from madlab_dream import dream_io


@pytest.fixture(scope="module")
def cache(demo_train, tmp_path_factory):
  return data.preprocess(str(demo_train), str(tmp_path_factory.mktemp("c")),
                         seq_len=110, singleton_keep=0.5, val_fraction=0.02,
                         seed=7, log=lambda s: None)


def test_counts_on_real_rows(cache, demo_train):
  c = cache.meta["counts"]
  rows = dream_io.read(demo_train, 110)
  whole = np.floor(rows.expression) == rows.expression
  assert c["read"] == 6370 and c["whole_number"] == int(whole.sum()) == 3693
  assert c["dropped"] + c["kept"] == c["read"]
  assert c["train"] + c["validation"] == c["kept"]
  # about half of the whole-number rows are dropped, no other row is
  assert abs(c["dropped"] - 3693 / 2) < 4 * np.sqrt(3693 * 0.25)
  assert c["validation"] == round(0.02 * c["kept"])
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
  a = data.preprocess(str(demo_train), str(tmp_path / "a"), seed=1,
                      log=lambda s: None)
  b = data.preprocess(str(demo_train), str(tmp_path / "b"), seed=1,
                      log=lambda s: None)
  c = data.preprocess(str(demo_train), str(tmp_path / "c"), seed=2,
                      log=lambda s: None)
  np.testing.assert_array_equal(a.val_rows, b.val_rows)
  assert not np.array_equal(a.val_rows, c.val_rows)


def test_singleton_keep_extremes():
  y = np.array([1.0, 2.5, 3.0, 4.25, 5.0])
  keep, _, counts = data.select_rows(y, 1.0, 0.0, 0)
  assert keep.all() and counts["dropped"] == 0
  keep, _, counts = data.select_rows(y, 0.0, 0.0, 0)
  np.testing.assert_array_equal(keep, [False, True, False, True, False])


def test_cache_reuse_and_invalidation(demo_train, tmp_path):
  src = tmp_path / "in.txt"
  shutil.copy(demo_train, src)
  out = str(tmp_path / "cache")
  logs = []
  data.preprocess(str(src), out, log=logs.append)
  mtime = os.path.getmtime(os.path.join(out, "train_codes.npy"))
  data.preprocess(str(src), out, log=logs.append)
  assert any("reusing" in l for l in logs)
  assert os.path.getmtime(os.path.join(out, "train_codes.npy")) == mtime
  logs.clear()
  data.preprocess(str(src), out, singleton_keep=1.0, log=logs.append)  # options
  assert not any("reusing" in l for l in logs)
  assert data.load_cache(out).meta["counts"]["dropped"] == 0
  with open(src, "a") as f:  # input
    f.write("\nACGT\t3.5")
  logs.clear()
  cache = data.preprocess(str(src), out, singleton_keep=1.0, log=logs.append)
  assert not any("reusing" in l for l in logs)
  assert cache.meta["counts"]["read"] == 6371


def test_interrupted_cache_is_rebuilt(demo_train, tmp_path):
  out = str(tmp_path / "cache")
  data.preprocess(str(demo_train), out, log=lambda s: None)
  os.remove(os.path.join(out, "val_codes.npy"))  # as if killed mid-write
  assert data.load_cache(out) is None
  logs = []
  data.preprocess(str(demo_train), out, log=logs.append)
  assert not any("reusing" in l for l in logs)


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


# --- tf.data ---------------------------------------------------------------

def _take(ds, n):
  return [(x.numpy(), y.numpy()) for x, y in ds.take(n)]


def test_train_dataset_batches_and_reshuffles():
  codes = np.arange(100, dtype=np.uint8)[:, None].repeat(3, axis=1)
  targets = np.arange(100, dtype=np.float32)
  batches = _take(data.train_dataset(codes, targets, 32, seed=5), 6)
  assert all(c.dtype == np.uint8 and c.shape == (32, 3) for c, _ in batches)
  assert all(y.shape == (32, 1) for _, y in batches)
  for c, y in batches:  # codes and targets stay paired
    np.testing.assert_array_equal(c[:, 0].astype(np.float32), y[:, 0])
  pass1 = np.concatenate([y[:, 0] for _, y in batches[:3]])
  pass2 = np.concatenate([y[:, 0] for _, y in batches[3:]])
  assert len(set(pass1)) == 96 and len(set(pass2)) == 96  # no repeats per pass
  assert not np.array_equal(pass1, pass2)  # reshuffled each pass
  again = _take(data.train_dataset(codes, targets, 32, seed=5), 6)
  np.testing.assert_array_equal(np.concatenate([y for _, y in again]),
                                np.concatenate([y for _, y in batches]))
  other = _take(data.train_dataset(codes, targets, 32, seed=6), 3)
  assert not np.array_equal(other[0][1], batches[0][1])


def test_train_dataset_resumes_at_any_step():
  codes = np.zeros((50, 2), np.uint8)
  targets = np.arange(50, dtype=np.float32)
  full = [y for _, y in _take(data.train_dataset(codes, targets, 8, 3), 15)]
  resumed = [y for _, y in _take(
      data.train_dataset(codes, targets, 8, 3, start_step=8), 7)]
  np.testing.assert_array_equal(np.concatenate(full[8:]),
                                np.concatenate(resumed))


def test_distributed_slices_recompose_the_global_batch():
  import tensorflow as tf
  codes = np.zeros((64, 2), np.uint8)
  targets = np.arange(64, dtype=np.float32)
  whole = [y for _, y in _take(data.train_dataset(codes, targets, 16, 1), 4)]
  parts = []
  for pid in range(2):  # 2 workers x 2 replicas each
    ctx = tf.distribute.InputContext(num_input_pipelines=2,
                                     input_pipeline_id=pid,
                                     num_replicas_in_sync=4)
    parts.append([y for _, y in _take(
        data.train_dataset(codes, targets, 16, 1, input_context=ctx), 8)])
  for step in range(4):
    recomposed = np.concatenate([parts[0][2 * step], parts[0][2 * step + 1],
                                 parts[1][2 * step], parts[1][2 * step + 1]])
    np.testing.assert_array_equal(recomposed, whole[step])
